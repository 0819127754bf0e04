"""The shape a saved plan must have before it is read: a hand-edited or foreign file gets one clear
error (``changes[0].name must be text``), never a traceback from the renderer or the executor."""

from __future__ import annotations

from typing import Any, Mapping

# field -> the JSON types allowed ("null" means it may be left out)
_CHANGE = {"kind": ("str",), "name": ("str",), "action": ("str",), "sync_id": ("str", "null"),
           "fingerprint": ("str", "null"), "diffs": ("list", "null"), "secrets": ("list", "null"),
           "depends_on": ("list", "null"), "names": ("dict", "null"), "body": ("dict", "null"),
           "source": ("dict", "null")}
_DIFF = {"path": ("str",)}
_SECRET = {"path": ("str",), "template": ("str", "null"), "file": ("str", "null")}
_UNMANAGED = {"kind": ("str",), "sync_id": ("str",), "name": ("str",)}
_NOTE = {"message": ("str",), "kind": ("str", "null"), "name": ("str", "null"), "source": ("dict", "null")}
_TOP = {"changes": ("list", "null"), "unmanaged": ("list", "null"), "problems": ("list", "null"),
        "hints": ("list", "null"), "unknown_variables": ("list", "null"), "not_owned": ("int", "null")}
_TYPES = {"str": str, "list": list, "dict": dict, "int": int}


def check_shape(raw: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first field of ``raw`` whose type is not what a saved plan holds."""
    _fields(raw, _TOP, "")
    for i, change in enumerate(_items(raw.get("changes"), "changes")):
        where = f"changes[{i}]"
        _fields(change, _CHANGE, where)
        for j, diff in enumerate(_items(change.get("diffs"), f"{where}.diffs")):
            _fields(diff, _DIFF, f"{where}.diffs[{j}]")
        for j, secret in enumerate(_items(change.get("secrets"), f"{where}.secrets")):
            _fields(secret, _SECRET, f"{where}.secrets[{j}]")
        _all_text(change.get("depends_on") or [], f"{where}.depends_on")
        names = change.get("names") or {}
        _all_text(list(names.values()), f"{where}.names")
    for key, shape in (("unmanaged", _UNMANAGED), ("problems", _NOTE), ("hints", _NOTE)):
        for i, item in enumerate(_items(raw.get(key), key)):
            _fields(item, shape, f"{key}[{i}]")
    _all_text(raw.get("unknown_variables") or [], "unknown_variables")


def _items(value: Any, where: str) -> list[Mapping[str, Any]]:
    items = value or []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"{where}[{i}] must be an object")
    return items


def _fields(item: Mapping[str, Any], shape: Mapping[str, tuple[str, ...]], where: str) -> None:
    for key, allowed in shape.items():
        value = item.get(key)
        if value is None and "null" in allowed:
            continue
        if isinstance(value, bool) or not any(isinstance(value, _TYPES[t]) for t in allowed if t != "null"):
            what = " or ".join({"str": "text", "list": "a list", "dict": "an object", "int": "a number"}[t]
                               for t in allowed if t != "null")
            raise ValueError(f"{where + '.' if where else ''}{key} must be {what}")


def _all_text(values: list[Any], where: str) -> None:
    if any(not isinstance(v, str) for v in values):
        raise ValueError(f"{where} must hold text only")
