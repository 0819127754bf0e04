"""Finding definition files: ``*.yaml``/``*.yml`` under the given paths, never outside them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from reconciler.errors import DefinitionError

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SourceFile:
    """A file to load: ``display`` is the path as the user wrote it (``syncs/users.yaml``)."""

    display: str
    path: Path


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def discover(paths: Sequence[str]) -> tuple[list[SourceFile], list[DefinitionError]]:
    """Every definition file under ``paths`` (sorted per path, each file once) and the problems."""
    problems: list[DefinitionError] = []
    found: list[SourceFile] = []
    seen: set[str] = set()  # real paths, as text (a Path costs more to make and hash)
    roots = [Path(p).resolve() for p in paths if Path(p).exists()]
    for given in paths:
        base = Path(given)
        if not base.exists() and not base.is_symlink():
            problems.append(DefinitionError(f"{given}: no such file or directory"))
            continue
        if base.is_file():
            candidates = [(given, base, str(base.resolve()))]
        elif base.is_dir():
            candidates = _walk(given, base, roots, problems)
        else:
            problems.append(DefinitionError(f"{given}: not a file or directory (a broken symlink?)"))
            continue
        for display, path, real in candidates:
            if real in seen:
                continue
            seen.add(real)
            found.append(SourceFile(display=display, path=path))
    return found, problems


def _walk(given: str, base: Path, roots: Sequence[Path],
          problems: list[DefinitionError]) -> list[tuple[str, Path, str]]:
    """(display, path, real path) of every definition file under ``base``."""
    out: list[tuple[str, Path, str]] = []
    real_base = str(base.resolve())  # (symlinked folders are not walked: a plain file's real path is below it)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        folder = os.path.relpath(dirpath, base)  # (once per folder: relpath reads the working directory)
        keep = []
        for name in sorted(dirnames):
            sub = Path(dirpath, name)
            if name.startswith("."):
                continue  # hidden folders (.git, .cache, ...) are skipped, symlinked or not
            if sub.is_symlink():
                _check_link(given, base, sub, roots, problems, directory=True)
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.lower().endswith(SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            relative = os.path.normpath(os.path.join(folder, name))
            display = os.path.normpath(os.path.join(given, relative))
            if os.path.islink(path):
                if not _check_link(given, base, Path(path), roots, problems, directory=False):
                    continue
                out.append((display, Path(path), str(Path(path).resolve())))
            else:
                out.append((display, Path(path), os.path.join(real_base, relative)))
    return sorted(out)


def _check_link(given: str, base: Path, link: Path, roots: Sequence[Path], problems: list[DefinitionError],
                *, directory: bool) -> bool:
    """True when a symlink stays inside the given paths; otherwise record a problem."""
    display = os.path.normpath(os.path.join(given, os.path.relpath(link, base)))
    try:
        real = link.resolve(strict=True)
    except (OSError, RuntimeError):
        problems.append(DefinitionError(f"{display}: broken symlink; not followed"))
        return False
    if not _inside(real, roots):
        problems.append(DefinitionError(
            f"{display}: symlink points outside the given paths ({real}); refusing to follow it"))
        return False
    if directory:
        # Inside the given paths: its files are found through their real location.
        return False
    return True
