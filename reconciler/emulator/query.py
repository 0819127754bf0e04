"""Typed query parameters of the emulated endpoints, as the OpenAPI file types them.

A value that is not of its type (a boolean other than true/false/1/0, an integer that is not a
number, a mode outside its enum, an id that is not a UUID), an empty value for a typed parameter,
or a parameter given twice is a 400 naming the parameter. Unknown parameters are ignored, as the
real service does. `tests/emulator/test_server_hardening.py` checks this table against the file.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.emulator.errors import ApiError, invalid
from reconciler.emulator.validation import MODEL_SYNC_MODES, is_uuid

BOOLEAN = "boolean"
INTEGER = "integer"
UUID = "uuid"
STRING = "string"
Type = str | tuple[str, ...]  # a tuple is an enum

QUERY: dict[tuple[str, str], dict[str, Type]] = {
    ("GET", "/api/syncs"): {"active": BOOLEAN, "mode": tuple(MODEL_SYNC_MODES), "target_connection_id": UUID,
                            "page_token": STRING, "limit": INTEGER},
    ("GET", "/api/syncs/{id}/executions"): {"page_token": STRING, "only_completed": BOOLEAN, "ascending": BOOLEAN},
    ("GET", "/api/bulk/syncs"): {"active": BOOLEAN},
    ("GET", "/api/bulk/syncs/{id}"): {"refresh_schemas": BOOLEAN},
    ("DELETE", "/api/bulk/syncs/{id}"): {"refresh_schemas": BOOLEAN},
    ("GET", "/api/bulk/syncs/{id}/executions"): {"page_token": STRING, "only_terminal": BOOLEAN, "ascending": BOOLEAN,
                                                 "limit": INTEGER},
    ("GET", "/api/models/{id}"): {"async": BOOLEAN},
}
BOOLEANS = ("true", "false", "1", "0")


def check_query(method: str, template: str, items: Iterable[tuple[str, str]]) -> None:
    """400 for the first query parameter of this route that is not of its type."""
    types = QUERY.get((method, template))
    if not types:
        return
    seen: set[str] = set()
    for name, value in items:
        kind = types.get(name)
        if kind is None:
            continue
        if name in seen:
            raise _bad(name, "is given more than once")
        seen.add(name)
        problem = _problem(kind, value)
        if problem:
            raise _bad(name, problem)


def _problem(kind: Type, value: str) -> str | None:
    if kind == STRING:
        return None
    if value == "":
        return "must not be empty"
    if kind == BOOLEAN and value.lower() not in BOOLEANS:
        return f"must be true or false (got {value!r})"
    if kind == INTEGER:
        try:
            int(value)
        except ValueError:
            return f"must be an integer (got {value!r})"
    if kind == UUID and not is_uuid(value):
        return f"must be a UUID (got {value!r})"
    if isinstance(kind, tuple) and value not in kind:
        return f"must be one of: {', '.join(kind)} (got {value!r})"
    return None


def _bad(name: str, problem: str) -> ApiError:
    return invalid([(name, problem)], 400)
