"""Connections, models and `GET /api/me`; plus the lookups other handlers validate against."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.emulator.context import Ctx, Reply, Route
from reconciler.emulator.errors import not_found
from reconciler.emulator.seed import CONNECTION_TYPES
from reconciler.emulator.store import Store


def public(item: dict[str, Any]) -> dict[str, Any]:
    """Drop private (`_`-prefixed) keys."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _valid_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def connection(store: Store, org_id: str, connection_id: Any) -> dict[str, Any] | None:
    """A connection of the organisation, or None."""
    if not isinstance(connection_id, str) or not _valid_id(connection_id):
        return None
    return store.get_catalog("connections", org_id, connection_id)


def model(store: Store, org_id: str, model_id: Any) -> dict[str, Any] | None:
    """A model of the organisation, or None."""
    if not isinstance(model_id, str) or not _valid_id(model_id):
        return None
    return store.get_catalog("models", org_id, model_id)


def target_defaults(conn: dict[str, Any]) -> dict[str, Any]:
    """The `target.configuration` defaults of a connection's type."""
    return dict(CONNECTION_TYPES.get(conn["type"]["id"], ("", {}, []))[1])


def bulk_schemas(conn: dict[str, Any]) -> list[str]:
    """The schema ids a connection offers as a bulk-sync source."""
    return list(conn.get("_bulk_schemas") or [])


def list_connections(ctx: Ctx) -> Reply:
    return 200, {"data": [public(c) for c in ctx.store.list_catalog("connections", ctx.org_id)]}


def get_connection(ctx: Ctx) -> Reply:
    conn = connection(ctx.store, ctx.org_id, ctx.params["id"])
    if conn is None:
        raise not_found("connection", ctx.params["id"])
    return 200, {"data": public(conn)}


def list_models(ctx: Ctx) -> Reply:
    return 200, {"data": [public(m) for m in ctx.store.list_catalog("models", ctx.org_id)]}


def get_model(ctx: Ctx) -> Reply:
    found = model(ctx.store, ctx.org_id, ctx.params["id"])
    if found is None:
        raise not_found("model", ctx.params["id"])
    return 200, {"data": public(found)}


def me(ctx: Ctx) -> Reply:
    """The caller: the key's user (Bearer), or the organisation itself (Basic deployment key)."""
    if ctx.scheme == "basic":
        return 200, {"data": {
            "organization_id": ctx.org_id, "organization_name": ctx.org["name"],
            "is_user": False, "is_organization": True, "is_partner": False, "is_system": False,
        }}
    user = ctx.org["user"]
    return 200, {"data": {
        "id": user["id"], "email": user["email"], "role": user["role"],
        "organization_id": ctx.org_id, "organization_name": ctx.org["name"],
        "is_user": True, "is_organization": False, "is_partner": False, "is_system": False,
    }}


ROUTES = [
    Route("GET", "/api/connections", list_connections),
    Route("GET", "/api/connections/{id}", get_connection),
    Route("GET", "/api/models", list_models),
    Route("GET", "/api/models/{id}", get_model),
    Route("GET", "/api/me", me),
]
