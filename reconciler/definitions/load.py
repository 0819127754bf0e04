"""Load and check every definition file under the given paths: the one entry point for commands."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from reconciler.definitions.crossfile import cross_file_problems
from reconciler.definitions.document import build
from reconciler.definitions.files import discover
from reconciler.definitions.model import Definition
from reconciler.definitions.yamlsafe import decode, load_documents
from reconciler.errors import DefinitionError, InvalidDefinitions, Position


@dataclass(frozen=True)
class ValidationResult:
    """What ``reconciler validate`` reports: counts, the definitions and every problem (sorted)."""

    files: int
    definitions: tuple[Definition, ...]
    problems: tuple[DefinitionError, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``3 files, 7 definitions, 2 errors``."""
        return ", ".join(_count(n, word) for n, word in (
            (self.files, "file"), (len(self.definitions), "definition"), (len(self.problems), "error")))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def sort_key(problem: DefinitionError) -> tuple[str, int, int, str, str]:
    pos = problem.position or Position("", 0, 0)
    return (pos.file, pos.line, pos.column, problem.path, problem.message)


def validate_paths(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> ValidationResult:
    """Read, parse and check every ``*.yaml``/``*.yml`` under ``paths``; never touches the network."""
    env = os.environ if environ is None else environ
    files, problems = discover(paths)
    definitions: list[Definition] = []
    for source in files:
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            problems.append(DefinitionError(f"cannot read file: {exc.strerror}", Position(source.display, 1, 1)))
            continue
        text, error = decode(data, source.display)
        if error is not None or text is None:
            problems.append(error or DefinitionError("unreadable", Position(source.display, 1, 1)))
            continue
        count = 0
        for doc, found in load_documents(text, source.display):
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
        problems=tuple(sorted(problems, key=sort_key)),
    )


def load_definitions(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> list[Definition]:
    """Every definition under ``paths`` in file then document order; raises InvalidDefinitions."""
    result = validate_paths(paths, environ)
    if result.problems:
        raise InvalidDefinitions(list(result.problems))
    return list(result.definitions)
