"""Narrowed runs: ``--target NAME|FILE`` and PATHs narrower than the configured definitions.

A narrowed run cannot tell which live syncs the files it did not load declare: it reports no
unmanaged sync (:data:`~reconciler.planning.ownership.NARROWED`) and refuses ``--prune``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from reconciler.definitions.load import load_definitions
from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class Selection:
    definitions: tuple[Definition, ...]
    narrowed: str | None = None  # why the run does not see every configured definition; None: it does


def select(paths: Sequence[str], targets: Sequence[str], configured: Sequence[str],
           environ: Mapping[str, str]) -> Selection:
    """The definitions a run plans: under ``paths`` (else ``configured``), then only the ``targets``."""
    where = list(paths) or list(configured)
    files = [t for t in targets if Path(t).exists()]
    names = [t for t in targets if t not in files]
    extra = [f for f in files if not _covered(f, where)]
    loaded = load_definitions(where + extra, environ)
    if not targets:
        return Selection(tuple(loaded), _narrower_paths(paths, configured))
    chosen = [d for d in loaded if d.name in names or any(_covered(d.position.file, [f]) for f in files)]
    _check_targets(names, files, loaded, chosen)
    return Selection(tuple(chosen), f"--target {' '.join(targets)} selects {len(chosen)} of {len(loaded)} definitions")


def _narrower_paths(paths: Sequence[str], configured: Sequence[str]) -> str | None:
    """Why PATHs given on the command line see less than the configured definitions (None: they do not)."""
    if paths and not all(_covered(root, paths) for root in configured if Path(root).exists()):
        return (f"the paths given ({', '.join(paths)}) are narrower than the configured definitions "
                f"({', '.join(configured)})")
    return None


def refuse_prune(selection: Selection) -> None:
    """``--prune`` on a narrowed run would delete what the files not loaded declare."""
    if selection.narrowed:
        raise ConfigError(f"--prune refused: {selection.narrowed}; the syncs declared in the files not loaded would "
                          "look unmanaged and be deleted; prune with every definition (no --target, no PATH); "
                          "nothing was sent")


def _covered(path: str, roots: Sequence[str]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one."""
    real = Path(path).resolve()
    return any(real == Path(r).resolve() or Path(r).resolve() in real.parents for r in roots)


def _check_targets(names: Sequence[str], files: Sequence[str], loaded: Sequence[Definition],
                   chosen: Sequence[Definition]) -> None:
    from reconciler.definitions.schema import suggest  # the one home of "did you mean"

    known = sorted({d.name for d in loaded})
    problems = []
    for name in names:
        if name not in known:
            hint = suggest(name, known)
            problems.append(f"--target {name}: no such file, and no definition is named {name!r}"
                            + (f" (did you mean {hint!r}?)" if hint else ""))
    for file in files:
        if not any(_covered(d.position.file, [file]) for d in chosen):
            problems.append(f"--target {file}: no definition is declared there")
    if problems:
        raise ConfigError("; ".join(problems) + "; nothing was sent")
