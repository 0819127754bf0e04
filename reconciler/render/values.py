"""How plan values are shown: compact JSON, masks for sensitive and write-only values."""

from __future__ import annotations

import json
from typing import Any

from reconciler.definitions.interpolate import UnknownValue
from reconciler.errors import Position
from reconciler.planning.model import Change, FieldDiff, Hint, Problem

SENSITIVE = "(sensitive)"
WRITE_ONLY = "(write-only)"
SYMBOL = {"create": "+", "update": "~", "delete": "-", "no-op": " "}


def shown(diff: FieldDiff, value: Any) -> Any:
    """One side of a diff as a JSON value, masked when sensitive or write-only."""
    if diff.sensitive:
        return SENSITIVE if value is not None or diff.write_only else None
    if diff.write_only:
        return WRITE_ONLY
    return value


def as_text(value: Any) -> str:
    if isinstance(value, str) and (value in (SENSITIVE, WRITE_ONLY) or isinstance(value, UnknownValue)):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "), default=str)


def diff_symbol(change: Change, diff: FieldDiff) -> str:
    if diff.write_only and diff.before is None and diff.after is None:
        return "+" if change.action == "create" else "~"
    if diff.before is None:
        return "+"
    if diff.after is None:
        return "-"
    return "~"


def diff_line(change: Change, diff: FieldDiff) -> str:
    """``+ path: after``, ``- path: before`` or ``~ path: before -> after`` (masks kept)."""
    symbol = diff_symbol(change, diff)
    if diff.write_only and diff.before is None and diff.after is None:
        mask = "(sensitive, write-only)" if diff.sensitive else WRITE_ONLY
        note = " (sent again: it cannot be read back)" if change.action == "update" else ""
        return f"{symbol} {diff.path}: {mask}{note}"
    if symbol == "+":
        return f"+ {diff.path}: {as_text(shown(diff, diff.after))}"
    if symbol == "-":
        return f"- {diff.path}: {as_text(shown(diff, diff.before))}"
    return f"~ {diff.path}: {as_text(shown(diff, diff.before))} -> {as_text(shown(diff, diff.after))}"


def label(kind: str, name: str) -> str:
    return f"{kind} {json.dumps(name, ensure_ascii=False)}"


def position_json(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {"file": position.file, "line": position.line, "column": position.column}


def problem_text(problem: Problem | Hint) -> str:
    parts = [str(problem.source)] if problem.source is not None else []
    if problem.kind and problem.name is not None:
        parts.append(label(problem.kind, problem.name))
    parts.append(problem.message)
    return ": ".join(parts)


VERB = {"create": "will be created", "update": "will be updated in place", "delete": "will be deleted (prune)",
        "no-op": "is unchanged"}
