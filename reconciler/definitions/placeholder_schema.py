"""Placeholders in the committed JSON Schemas, so editors and ``check-jsonschema`` accept them.

``validate`` checks a document after ``${env:NAME}`` substitution and explains references in its
semantic checks; an editor sees the text as written. So the derived schemas offer, beside each
constrained string (``format``, ``enum``, ``pattern``), the placeholder texts ``validate`` accepts
there, as extra ``anyOf`` branches marked with :data:`MARK`; :func:`strip` removes them again
for ``validate``, which then checks exactly what it checked before.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from reconciler.definitions.grammar import ENV_NAME

#: ``$comment`` of a branch that only exists for text as written (editors, check-jsonschema).
MARK = "reconciler: placeholder as written; validate checks the substituted value"
_CONSTRAINTS = ("format", "enum", "pattern", "const")
ENV_PATTERN = "^\\$\\{env:" + ENV_NAME.pattern.lstrip("^").rstrip("$") + "\\}$"


def reference_pattern(kind: str) -> str:
    """Exactly one ``${kind:NAME}`` reference, as :data:`~reconciler.definitions.interpolate.REFERENCE` reads it."""
    return "^\\$\\{" + re.escape(kind) + ":[^{}]+\\}$"


def _branch(pattern: str) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "$comment": MARK}


def _constrained_string(node: dict[str, Any]) -> bool:
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    return "string" in types and any(key in node for key in _CONSTRAINTS)


def accept(node: dict[str, Any], path: str, slot: Callable[[str], str | None]) -> dict[str, Any]:
    """``node`` (at field path ``path``) also accepting the placeholders ``validate`` accepts there.

    ``slot(path)`` names the reference kind an id field takes (``connection``, ``model``, ...).
    Any string with a format, enum or pattern also takes ``${env:NAME}``: the substituted value
    is what ``validate`` checks against the constraint.
    """
    if not _constrained_string(node):
        return node
    kind = slot(path)
    branches = [_branch(reference_pattern(kind))] if kind else []
    branches.append(_branch(ENV_PATTERN))
    notes: dict[str, Any] = {key: node[key] for key in ("description", "default") if key in node}
    inner = {key: value for key, value in node.items() if key not in notes}
    return {**notes, "anyOf": [inner, *branches]}


def strip(node: Any) -> Any:
    """The schema as ``validate`` uses it: every :data:`MARK` branch removed (``anyOf`` unwrapped)."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strip(value) for key, value in node.items()}
    options = out.get("anyOf")
    if isinstance(options, list) and any(isinstance(o, dict) and o.get("$comment") == MARK for o in options):
        kept = [o for o in options if not (isinstance(o, dict) and o.get("$comment") == MARK)]
        del out["anyOf"]
        if len(kept) == 1:
            out = {**kept[0], **out}
        else:
            out["anyOf"] = kept
    return out
