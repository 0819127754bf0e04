"""Bulk syncs (`/api/bulk/syncs`): validation, defaults, schedules with server ids, schema
selection, CRUD and listing (2025-09-18 shapes)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from reconciler.emulator import bulk_schemas, catalog
from reconciler.emulator.context import Ctx, Reply, Route
from reconciler.emulator.errors import ApiError, invalid, not_found
from reconciler.emulator.model_syncs import set_active
from reconciler.emulator.validation import (
    BULK_SYNC_REQUEST,
    Problems,
    is_uuid,
    require,
    run_after_problems,
    schedule_problems,
)

KIND = "bulk"
SCHEDULE_TIME_KEYS = ("connection_id", "day_of_month", "day_of_week", "frequency", "hour", "job_id", "minute",
                      "month", "run_after", "run_after_success_only")
ADDITIONAL_KEYS = (*SCHEDULE_TIME_KEYS, "resync_mode", "schemas", "selective_mode")
DEFAULTS: dict[str, Any] = {
    "active": False, "additional_schedules": [], "automatically_add_new_fields": "all",
    "automatically_add_new_objects": "all", "concurrency_limit": None,
    "resync_concurrency_limit": None, "data_cutoff_timestamp": None,
    "disable_record_timestamps": False, "normalize_names": "enabled", "policies": [],
    "source_configuration": {},
}


def _schedule(raw: dict[str, Any], keys: tuple[str, ...], previous: dict[str, Any] | None,
              ctx: Ctx, now: str) -> dict[str, Any]:
    """A schedule as returned: the given keys, a server id, created_/updated_ fields."""
    out = {k: copy.deepcopy(raw[k]) for k in keys if k in raw}
    if previous is not None:
        same = {k: previous[k] for k in keys if k in previous} == out
        out["id"] = previous["id"]
        out["created_at"] = previous["created_at"]
        out["created_by"] = previous["created_by"]
        out["updated_at"] = previous["updated_at"] if same else now
        out["updated_by"] = previous["updated_by"] if same else ctx.actor
    else:
        out.update(id=str(uuid.uuid4()), created_at=now, created_by=ctx.actor,
                   updated_at=now, updated_by=ctx.actor)
    return out


def build(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate a create/update request; return the sync to store and its schema selection."""
    require(body, BULK_SYNC_REQUEST)
    source = catalog.connection(ctx.store, ctx.org_id, body["source_connection_id"])
    available = catalog.bulk_schemas(source) if source else []
    previous_additional = {s["id"]: s for s in (previous or {}).get("additional_schedules") or []}
    problems = _request_problems(ctx, body, previous, source is not None)
    problems += _schedules_problems(ctx, body, previous, previous_additional,
                                    available if source is not None else None)
    before = ctx.store.get_sync_extra(previous["id"]).get("schemas") if previous else None
    selection = bulk_schemas.selection(ctx, body.get("schemas"), available, problems, before) if source else []
    if problems:
        raise invalid(problems, 422)
    return _stored(ctx, body, previous, previous_additional), {"schemas": selection}


def _request_problems(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None,
                      source_found: bool) -> Problems:
    """The name, organisation and connections of a request."""
    problems: Problems = []
    if body["name"].strip() == "":
        problems.append(("name", "must not be empty"))
    org_id = body.get("organization_id")
    if org_id is not None and org_id != ctx.org_id:
        problems.append(("organization_id", f"organization {org_id} not found"))
    if not source_found:
        problems.append(("source_connection_id", f"connection {body['source_connection_id']} not found"))
    if catalog.connection(ctx.store, ctx.org_id, body["destination_connection_id"]) is None:
        problems.append(("destination_connection_id",
                         f"connection {body['destination_connection_id']} not found"))
    return problems


def _schedules_problems(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None,
                        previous_additional: dict[str, Any], available: list[str] | None) -> Problems:
    """The default and additional schedules; ``available`` is None when the source is unknown."""
    self_id = previous["id"] if previous else None
    problems = schedule_problems(body["default_schedule"], "default_schedule")
    problems += run_after_problems(ctx.store, ctx.org_id, body["default_schedule"], "default_schedule", self_id)
    for i, item in enumerate(body.get("additional_schedules") or []):
        where = f"additional_schedules[{i}]"
        problems += schedule_problems(item, where)
        problems += run_after_problems(ctx.store, ctx.org_id, item, where, self_id)
        if "id" in item and item["id"] not in previous_additional:
            problems.append((f"{where}.id", f"schedule {item['id']} is not a schedule of this sync"))
        for j, sid in enumerate(item.get("schemas") or []):
            if available is not None and sid not in available:
                problems.append((f"{where}.schemas[{j}]", f"the source connection has no schema {sid!r}"))
    return problems


def _stored(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None,
            previous_additional: dict[str, Any]) -> dict[str, Any]:
    """The sync as stored: defaults filled in, schedules with server ids, audit fields."""
    now = ctx.store.now()
    sync: dict[str, Any] = {"id": previous["id"] if previous else str(uuid.uuid4()),
                            "organization_id": ctx.org_id, "name": body["name"], "mode": body["mode"]}
    for key, default in DEFAULTS.items():
        value = body.get(key)
        sync[key] = copy.deepcopy(default) if value is None else copy.deepcopy(value)
    sync["default_schedule"] = _schedule(body["default_schedule"], SCHEDULE_TIME_KEYS,
                                         (previous or {}).get("default_schedule"), ctx, now)
    sync["additional_schedules"] = [
        _schedule(item, ADDITIONAL_KEYS, previous_additional.get(item.get("id", "")), ctx, now)
        for item in body.get("additional_schedules") or []]
    sync["source_connection_id"] = body["source_connection_id"]
    sync["destination_connection_id"] = body["destination_connection_id"]
    sync["destination_configuration"] = copy.deepcopy(body["destination_configuration"])
    sync["created_at"] = previous["created_at"] if previous else now
    sync["created_by"] = previous["created_by"] if previous else ctx.actor
    sync["updated_at"] = now
    sync["updated_by"] = ctx.actor
    return sync


def normalize_seeded(ctx: Ctx, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A bulk sync from `/_emulator/seed`: defaults applied, nothing validated."""
    clean = {k: v for k, v in body.items() if k != "id"}
    try:
        sync, extra = build(ctx, clean, None)
    except ApiError:
        now = ctx.store.now()
        sync = {**copy.deepcopy(DEFAULTS), "mode": "snapshot", "destination_configuration": {},
                **copy.deepcopy(clean), "organization_id": ctx.org_id, "id": str(uuid.uuid4()),
                "created_at": now, "created_by": ctx.actor, "updated_at": now, "updated_by": ctx.actor}
        sync.pop("schemas", None)
        extra = {"schemas": []}
    if isinstance(body.get("id"), str):
        sync["id"] = body["id"]
    return sync, extra


def _load(ctx: Ctx) -> dict[str, Any]:
    sync_id = ctx.params["id"]
    sync = ctx.store.get_sync(KIND, ctx.org_id, sync_id) if is_uuid(sync_id) else None
    if sync is None:
        raise not_found("bulk sync", sync_id)
    return sync


def list_bulk(ctx: Ctx) -> Reply:
    raw = ctx.query.get("active")
    active = None
    if raw:
        if raw.lower() not in ("true", "false", "1", "0"):
            raise invalid([("active", f"must be true or false (got {raw!r})")], 400)
        active = raw.lower() in ("true", "1")
    return 200, {"data": ctx.store.list_syncs(KIND, ctx.org_id, active=active)}


def create_bulk(ctx: Ctx) -> Reply:
    sync, extra = build(ctx, ctx.json_object(), None)
    ctx.store.put_sync(KIND, ctx.org_id, sync, extra)
    return 200, {"data": sync}


def get_bulk(ctx: Ctx) -> Reply:
    return 200, {"data": _load(ctx)}


def update_bulk(ctx: Ctx) -> Reply:
    previous = _load(ctx)
    sync, extra = build(ctx, ctx.json_object(), previous)
    ctx.store.put_sync(KIND, ctx.org_id, sync, extra)
    return 200, {"data": sync}


def delete_bulk(ctx: Ctx) -> Reply:
    sync = _load(ctx)
    ctx.store.delete_sync(KIND, ctx.org_id, sync["id"])
    return 200, None


def activate_bulk(ctx: Ctx) -> Reply:
    return set_active(ctx, KIND, _load(ctx))


def list_schemas(ctx: Ctx) -> Reply:
    return bulk_schemas.list_schemas(ctx, _load(ctx))


def get_schema(ctx: Ctx) -> Reply:
    return bulk_schemas.get_schema(ctx, _load(ctx))


def put_schema(ctx: Ctx) -> Reply:
    return bulk_schemas.put_schema(ctx, KIND, _load(ctx))


def patch_schemas(ctx: Ctx) -> Reply:
    return bulk_schemas.patch_schemas(ctx, KIND, _load(ctx))


ROUTES = [
    Route("GET", "/api/bulk/syncs", list_bulk),
    Route("POST", "/api/bulk/syncs", create_bulk),
    Route("GET", "/api/bulk/syncs/{id}", get_bulk),
    Route("PUT", "/api/bulk/syncs/{id}", update_bulk),
    Route("DELETE", "/api/bulk/syncs/{id}", delete_bulk),
    Route("POST", "/api/bulk/syncs/{id}/activate", activate_bulk),
    Route("GET", "/api/bulk/syncs/{id}/schemas", list_schemas),
    Route("PATCH", "/api/bulk/syncs/{id}/schemas", patch_schemas),
    Route("GET", "/api/bulk/syncs/{id}/schemas/{schema_id}", get_schema),
    Route("PUT", "/api/bulk/syncs/{id}/schemas/{schema_id}", put_schema),
]
