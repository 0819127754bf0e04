"""Connections, models, the catalogue endpoints (bulk sources, source schemas, target objects) and
`GET /api/me`; plus the lookups other handlers validate against."""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.emulator.context import Ctx, Reply, Route
from reconciler.emulator.errors import not_found
from reconciler.emulator.seed import CONNECTION_TYPES, SCHEMA_FIELDS, TARGET_OBJECTS
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


def bulk_schema(conn: dict[str, Any], schema_id: str) -> dict[str, Any] | None:
    """One source schema of a connection (``Schema``: id, name, fields), or None."""
    if schema_id not in bulk_schemas(conn):
        return None
    fields = SCHEMA_FIELDS.get(schema_id, [("id", "string")])
    return {"id": schema_id, "name": schema_id, "fields": [
        {"id": name, "name": name, "type": "number" if kind == "integer" else kind, "remote_type": kind,
         "is_primary_key": name.lower() == "id",
         "user_managed": False, "path": "", "values": []} for name, kind in fields]}


def target_objects(conn: dict[str, Any]) -> list[str] | None:
    """The objects a connection lists as model-sync targets (None: it does not list them)."""
    listed = TARGET_OBJECTS.get(conn["type"]["id"])
    return None if listed is None else list(listed)


def known_target_objects(store: Store, org_id: str, conn: dict[str, Any]) -> list[str] | None:
    """The objects a connection lists, and those syncs on it created (``target.create``); None when
    the connection does not list its objects."""
    listed = target_objects(conn)
    if listed is None:
        return None
    made = {str(s["target"]["object"]) for s in store.list_syncs("model", org_id, target_connection_id=conn["id"])
            if isinstance(s.get("target"), dict) and s["target"].get("object")}
    return listed + sorted(made - set(listed))


def has_target_object(store: Store, org_id: str, conn: dict[str, Any], obj: str) -> bool:
    """Whether ``obj`` is an object of the connection: one it lists (checked first: no listing of
    syncs then), one a sync on it created, or any object when it lists none."""
    listed = target_objects(conn)
    if listed is None or obj in listed:
        return True
    known = known_target_objects(store, org_id, conn)
    return known is None or obj in known


def _connection_or_404(ctx: Ctx) -> dict[str, Any]:
    conn = connection(ctx.store, ctx.org_id, ctx.params["id"])
    if conn is None:
        raise not_found("connection", ctx.params["id"])
    return conn


def get_bulk_source(ctx: Ctx) -> Reply:
    """``BulkSyncSource``: the schemas a connection offers to bulk syncs (fields unless ``include_fields=false``)."""
    conn = _connection_or_404(ctx)
    with_fields = ctx.query.get("include_fields", "true").lower() not in ("false", "0")
    schemas = [bulk_schema(conn, sid) for sid in bulk_schemas(conn)]
    if not with_fields:
        schemas = [{k: v for k, v in s.items() if k != "fields"} for s in schemas if s]
    return 200, {"data": {"schemas": schemas, "configuration": {},
                          "capabilities": {"supports_tracking_fields": True}}}


def get_source_schema(ctx: Ctx) -> Reply:
    conn = _connection_or_404(ctx)
    found = bulk_schema(conn, ctx.params["schema_id"])
    if found is None:
        raise not_found("schema", ctx.params["schema_id"])
    return 200, {"data": found}


def list_target_objects(ctx: Ctx) -> Reply:
    """``TargetObjectsResponseEnvelope``; ``data`` is null for a connection that lists no objects."""
    listed = known_target_objects(ctx.store, ctx.org_id, _connection_or_404(ctx))
    modes = [{"id": m, "requires_identity": m in ("update", "updateOrCreate", "remove"),
              "supports_per_field_mode": False, "supports_target_filters": False}
             for m in ("create", "update", "updateOrCreate", "remove")]
    data = None if listed is None else [{"id": o, "name": o, "modes": modes} for o in listed]
    return 200, {"data": data, "target_creation": {"supported": conn_creates(ctx), "properties": []}}


def conn_creates(ctx: Ctx) -> bool:
    """Whether the connection can create target objects (``target.create``)."""
    conn = connection(ctx.store, ctx.org_id, ctx.params["id"])
    return conn is not None and conn["type"]["id"] in ("hubspot", "postgresql", "s3")


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
    Route("GET", "/api/connections/{id}/bulksync/source", get_bulk_source),
    Route("GET", "/api/connections/{id}/schemas/{schema_id}", get_source_schema),
    Route("GET", "/api/connections/{id}/modelsync/targetobjects", list_target_objects),
    Route("GET", "/api/models", list_models),
    Route("GET", "/api/models/{id}", get_model),
    Route("GET", "/api/me", me),
]
