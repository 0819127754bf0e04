"""Which unmanaged live syncs a plan reports: those this repository owns (``owns:``), or all without it."""

from __future__ import annotations

from typing import Sequence

from reconciler.config import Ownership
from reconciler.planning.model import Hint, Unmanaged


class Narrowed(Ownership):
    """A run narrowed to some files or syncs (``--target``, PATHs): it cannot tell which live syncs
    the files it did not load declare, so it owns no unmanaged sync (none reported, none pruned)."""

    def covers(self, name: str) -> bool:
        return False


NARROWED = Narrowed()


def owned_unmanaged(unmanaged: Sequence[Unmanaged], owns: Ownership | None) -> tuple[tuple[Unmanaged, ...], int]:
    """(the unmanaged syncs to report, how many others are left out)."""
    if owns is None:
        return tuple(unmanaged), 0
    listed = tuple(u for u in unmanaged if owns.covers(u.name))
    return listed, len(unmanaged) - len(listed)


def ownership_hints(listed: Sequence[Unmanaged], unowned: int, owns: Ownership | None) -> tuple[Hint, ...]:
    """One line saying what was left out, or suggesting ``owns:`` when nothing says what is owned."""
    def syncs(n: int) -> str:
        return f"{n} unmanaged live sync{'s' if n != 1 else ''}"

    if isinstance(owns, Narrowed):
        if not unowned:
            return ()
        return (Hint(f"{syncs(unowned)} not reported: this run is narrowed (--target or PATHs narrower than "
                     "the configured definitions), so it cannot tell which of them other files declare"),)
    if owns is not None:
        if not unowned:
            return ()
        return (Hint(f"{syncs(unowned)} outside `owns:` in reconciler.yaml: not this repository's, not listed"),)
    if not listed:
        return ()
    return (Hint(f"{syncs(len(listed))}: if other teams own some of them, set `owns:` in reconciler.yaml "
                 '({name_prefix: "..."}, {names: [...]} or {all: true}) so that plans and drift leave the others out'),)
