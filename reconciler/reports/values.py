"""How one value of a field diff is shown: sensitive and write-only values never are."""

from __future__ import annotations

import json
from typing import Any

from reconciler.errors import Position
from reconciler.planning.model import FieldDiff

SENSITIVE = "(sensitive)"
WRITE_ONLY = "(write-only)"
ABSENT = "(none)"


def shown(diff: FieldDiff, value: Any) -> Any:
    """The JSON-safe value to show for one side of a diff: masked when sensitive or write-only."""
    if diff.sensitive:
        return SENSITIVE
    if diff.write_only:
        return WRITE_ONLY
    return value


def as_text(diff: FieldDiff, value: Any) -> str:
    """One side of a diff as compact text: JSON, except the masks which stay bare."""
    if diff.sensitive:
        return SENSITIVE
    if diff.write_only:
        return WRITE_ONLY
    if value is None:
        return ABSENT
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "), default=str)


def position_json(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {"file": position.file, "line": position.line, "column": position.column}
