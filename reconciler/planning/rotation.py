"""Write-only rotation, after Terraform's write-only arguments.

A write-only value (``encryption_passphrase``) cannot be read back, so a changed value alone is
never a difference. Two ways say "send it again":

- ``write_only_rotated_at: <RFC 3339 time>`` in the file: the sync is updated, its write-only
  values sent, unless the live sync was updated after that time (an update always sends them).
  Like Terraform's ``*_wo_version``, bump it when rotating; the live ``updated_at`` plays the
  part of the state Terraform keeps, so a plan after the apply is empty again.
- ``--resend-write-only NAME`` on ``plan``/``apply``: once, for the syncs named.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError
from reconciler.planning import normalize, paths
from reconciler.planning.model import Change, FieldDiff, Hint

#: ``target.create`` is write-only too, but sent on create only: nothing to rotate.
_ROTATED = {kind: tuple(p for p in wo if p != "target.create") for kind, wo in normalize.WRITE_ONLY_PATHS.items()}


def _when(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def due(d: Definition, live: Mapping[str, Any] | None, forced: bool) -> str | None:
    """Why the write-only values of ``d`` are to be sent again to ``live``, or None."""
    if live is None:
        return None
    if forced:
        return "--resend-write-only"
    if d.rotated_at is None:
        return None
    rotated, updated = _when(d.rotated_at), _when(str(live.get("updated_at") or ""))
    if rotated is None or (updated is not None and updated >= rotated):
        return None
    return f"write_only_rotated_at {d.rotated_at} is after the live sync's last update"


def resend(change: Change, d: Definition, live: Mapping[str, Any] | None, forced: bool) -> tuple[Change, tuple[Hint, ...]]:
    """``change`` turned into an update sending the write-only values again when rotation is due."""
    why = due(d, live, forced)
    if why is None or change.action not in ("no-op", "update"):
        return change, ()
    body = change.body or {}
    present = [p for p in _ROTATED[d.kind] if paths.get(body, p) is not None]
    if not present:
        return change, (Hint(f"{why}: this sync has no write-only value to send again", d.kind, d.name, d.position),)
    hint = Hint(f"write-only values sent again ({why})", d.kind, d.name, d.position)
    if change.action == "update":
        return change, (hint,)  # an update sends them anyway
    diffs = tuple(FieldDiff(p, None, None, sensitive=True, write_only=True) for p in present)
    return dataclasses.replace(change, action="update", diffs=diffs), (hint,)


def check_names(definitions: Sequence[Definition], names: Sequence[str]) -> None:
    """``--resend-write-only`` names must be definitions being planned."""
    from reconciler.definitions.schema import suggest  # the one home of "did you mean"

    known = sorted({d.name for d in definitions})
    problems = []
    for name in sorted(set(names) - set(known)):
        hint = suggest(name, known)
        problems.append(f"--resend-write-only {name}: no definition is named {name!r}"
                        + (f" (did you mean {hint!r}?)" if hint else ""))
    if problems:
        raise ConfigError("; ".join(problems) + "; nothing was sent")
