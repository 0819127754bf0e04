"""Field paths like ``target.configuration.token`` or ``filters[2].value``: split, read, write."""

from __future__ import annotations

import re
from typing import Any, Mapping

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


def split(path: str) -> list[str | int]:
    """``"fields[2].source"`` -> ``["fields", 2, "source"]``."""
    return [int(index) if index else name for name, index in _PART.findall(path)]


def get(value: Any, path: str, default: Any = None) -> Any:
    for part in split(path):
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return default
            value = value[part]
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return default
    return value


def has(value: Any, path: str) -> bool:
    return get(value, path, _MISSING) is not _MISSING


def put(value: dict[str, Any], path: str, item: Any) -> bool:
    """Set ``item`` at ``path`` inside ``value`` (in place), creating dicts on the way; False if impossible."""
    parts = split(path)
    cursor: Any = value
    for part, following in zip(parts, parts[1:], strict=False):
        if isinstance(part, int):
            if not isinstance(cursor, list) or part >= len(cursor):
                return False
            cursor = cursor[part]
        else:
            if not isinstance(cursor, dict):
                return False
            if not isinstance(cursor.get(part), (dict, list)):
                cursor[part] = [] if isinstance(following, int) else {}
            cursor = cursor[part]
    last = parts[-1] if parts else None
    if isinstance(last, int):
        if not isinstance(cursor, list) or last >= len(cursor):
            return False
        cursor[last] = item
        return True
    if not isinstance(cursor, dict) or last is None:
        return False
    cursor[last] = item
    return True


def remove(value: dict[str, Any], path: str) -> None:
    """Delete the key at ``path`` when it exists (list elements are not removed)."""
    parts = split(path)
    parent = get(value, _join(parts[:-1])) if len(parts) > 1 else value
    if isinstance(parent, dict) and parts and isinstance(parts[-1], str):
        parent.pop(parts[-1], None)


def _join(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
