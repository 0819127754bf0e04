"""How plan values are shown: compact JSON, masks for sensitive and write-only values, and
invisible characters made visible (:func:`visible`, used by every renderer)."""

from __future__ import annotations

import json
import unicodedata
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


# Characters a reviewer cannot see or that reorder what they see: controls, format characters
# (zero-width space U+200B, right-to-left override U+202E, BOM...), line/paragraph separators,
# unassigned and private-use code points, and every space but the ASCII one.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN")


def _hidden(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in _HIDDEN_CATEGORIES or (category == "Zs" and ch != " ")


def visible(text: str) -> str:
    """``text`` with every invisible, bidirectional or non-printing character as ``\\uXXXX``."""
    return "".join((f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}") if _hidden(ch) else ch
                   for ch in text)


def mixed_scripts(text: str) -> list[str]:
    """The look-alike scripts a name mixes (``["CYRILLIC", "LATIN"]`` for a Cyrillic "е" in a
    Latin name), or nothing when it uses one."""
    found = set()
    for ch in text:
        if ch.isalpha():
            script = unicodedata.name(ch, "").split(" ")[0]
            if script in _SCRIPTS:
                found.add(script)
    return sorted(found) if len(found) > 1 else []


def shown_name(name: str) -> str:
    """A name as every renderer prints it: quoted, invisible characters escaped, mixed scripts marked."""
    text = visible(json.dumps(name, ensure_ascii=False))
    scripts = mixed_scripts(name)
    return f"{text} (mixed scripts: {'+'.join(scripts)})" if scripts else text


def as_text(value: Any) -> str:
    if isinstance(value, str) and (value in (SENSITIVE, WRITE_ONLY) or isinstance(value, UnknownValue)):
        return value
    return visible(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "), default=str))


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
    path = visible(diff.path)
    if diff.write_only and diff.before is None and diff.after is None:
        mask = "(sensitive, write-only)" if diff.sensitive else WRITE_ONLY
        note = " (sent again: it cannot be read back)" if change.action == "update" else ""
        return f"{symbol} {path}: {mask}{note}"
    if symbol == "+":
        return f"+ {path}: {as_text(shown(diff, diff.after))}"
    if symbol == "-":
        return f"- {path}: {as_text(shown(diff, diff.before))}"
    return f"~ {path}: {as_text(shown(diff, diff.before))} -> {as_text(shown(diff, diff.after))}"


def label(kind: str, name: str) -> str:
    return f"{kind} {shown_name(name)}"


def position_json(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {"file": position.file, "line": position.line, "column": position.column}


def problem_text(problem: Problem | Hint) -> str:
    parts = [str(problem.source)] if problem.source is not None else []
    if problem.kind and problem.name is not None:
        parts.append(label(problem.kind, problem.name))
    parts.append(visible(problem.message))
    return ": ".join(parts)


VERB = {"create": "will be created", "update": "will be updated in place", "delete": "will be deleted (prune)",
        "no-op": "is unchanged"}
