"""Load and check every definition file under the given paths: the one entry point for commands."""

from __future__ import annotations

import gc
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from reconciler.definitions import yamlsafe
from reconciler.definitions.crossfile import cross_file_problems, cross_file_warnings
from reconciler.definitions.document import build, resource_label
from reconciler.definitions.files import discover
from reconciler import kinds
from reconciler.definitions.model import Definition
from reconciler.definitions.yamlsafe import decode, load_documents
from reconciler.errors import DefinitionError, InvalidDefinitions, Position


@dataclass(frozen=True)
class ValidationResult:
    """What ``reconciler validate`` reports: counts, the definitions and every problem (sorted)."""

    files: int
    definitions: tuple[Definition, ...]
    problems: tuple[DefinitionError, ...]
    #: where validate is stricter than the API: reported, never fatal
    warnings: tuple[DefinitionError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``3 files, 7 definitions, 2 errors``."""
        counts = [(self.files, "file"), (len(self.definitions), "definition"), (len(self.problems), "error")]
        if self.warnings:
            counts.append((len(self.warnings), "warning"))
        return ", ".join(_count(n, word) for n, word in counts)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def sort_key(problem: DefinitionError) -> tuple[str, int, int, str, str]:
    pos = problem.position or Position("", 0, 0)
    return (pos.file, pos.line, pos.column, problem.path, problem.message)


def validate_paths(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> ValidationResult:
    """Read, parse and check every ``*.yaml``/``*.yml`` under ``paths``; never touches the network."""
    with _collector_paused():
        return _validate(paths, os.environ if environ is None else environ)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading makes many objects and (aliases aside) no cycles: the cycle collector would walk
    the definitions loaded so far again and again. Cycles left are collected once it is back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate(paths: Sequence[str], env: Mapping[str, str]) -> ValidationResult:
    files, problems = discover(paths)
    definitions: list[Definition] = []
    for source in files:
        try:
            data = _read(source.path)
        except OSError as exc:
            problems.append(DefinitionError(f"cannot read file: {exc.strerror}", Position(source.display, 1, 1)))
            continue
        if data is None:
            problems.append(DefinitionError("not a regular file; refusing to read it", Position(source.display, 1, 1)))
            continue
        text, error = decode(data, source.display)
        if error is not None or text is None:
            problems.append(error or DefinitionError("unreadable", Position(source.display, 1, 1)))
            continue
        count = 0
        for doc, found in load_documents(text, source.display):
            if doc is not None:
                found = _with_resource(found, doc.value)
            problems += found
            if doc is None:
                continue
            count += 1
            definition, found = build(doc, env)
            problems += found
            if definition is not None:
                definitions.append(definition)
        if count == 0 and not any(p.position and p.position.file == source.display for p in problems):
            problems.append(DefinitionError("file has no documents; remove it or add a definition",
                                            Position(source.display, 1, 1)))
    problems += cross_file_problems(definitions)
    return ValidationResult(
        files=len(files),
        definitions=tuple(definitions),
        problems=tuple(sorted((_one_line(p) for p in problems), key=sort_key)),
        warnings=tuple(sorted((_one_line(w) for w in [*(w for d in definitions for w in d.warnings),
                                                        *cross_file_warnings(definitions)]), key=sort_key)),
    )


_BREAKS = {"\r": "\\r", "\n": "\\n", "\x85": "\\x85", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _one_line(problem: DefinitionError) -> DefinitionError:
    """The problem with line breaks in names, keys and file names written as escapes: one line each."""
    def clean(text: str) -> str:
        for raw, escaped in _BREAKS.items():
            text = text.replace(raw, escaped)
        return text

    parts = (problem.message, problem.path, problem.resource)
    if not any(raw in text for text in (*parts, problem.position.file if problem.position else "") for raw in _BREAKS):
        return problem
    pos = problem.position
    return DefinitionError(clean(problem.message), pos and Position(clean(pos.file), pos.line, pos.column),
                           clean(problem.path), clean(problem.resource))


_READ_SIZE = 64 * 1024


def _read(path: Path) -> bytes | None:
    """The file's bytes, at most one more than the size limit; None for a FIFO, device, socket, ...

    Opened without blocking (a FIFO named ``x.yaml`` would otherwise wait for a writer forever).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        chunks: list[bytes] = []
        left = yamlsafe.MAX_FILE_BYTES + 1
        # Each read asks for a little more than the file holds, not for the limit: a read makes a
        # buffer of the size asked (5 MB for every small file otherwise).
        ask = max(info.st_size + 1, _READ_SIZE)
        while left > 0:  # bounded: each round reads at least one byte or stops
            chunk = os.read(fd, min(left, ask))
            if not chunk:  # (a short read is not trusted to be the end: some file systems give them)
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _with_resource(found: list[DefinitionError], value: object) -> list[DefinitionError]:
    """YAML-level problems inside a sync name it, like every other problem of that document."""
    if not isinstance(value, dict) or value.get("kind") not in kinds.names():
        return found
    label = resource_label(value["kind"], value.get("name"))
    return [DefinitionError(p.message, p.position, p.path, label) if p.path and not p.resource else p
            for p in found]


def load_definitions(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> list[Definition]:
    """Every definition under ``paths`` in file then document order; raises InvalidDefinitions."""
    result = validate_paths(paths, environ)
    if result.problems:
        raise InvalidDefinitions(list(result.problems))
    return list(result.definitions)
