"""Model syncs (`/api/syncs`): validation, server-computed fields, defaults, CRUD and listing."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from reconciler.emulator import catalog
from reconciler.emulator.context import Ctx, Reply, Route
from reconciler.emulator.errors import ApiError, invalid, not_found
from reconciler.emulator.pagination import decode_token, encode_token, parse_limit
from reconciler.emulator.store import Store
from reconciler.emulator.validation import (
    ACTIVATE_REQUEST,
    MODEL_SYNC_MODES,
    MODES_NEEDING_IDENTITY,
    SYNC_REQUEST,
    Problems,
    is_uuid,
    require,
    run_after_problems,
    schedule_problems,
)

KIND = "model"
WRITE_ONLY = ("encryption_passphrase",)
LIGHT_KEYS = ("active", "created_at", "created_by", "id", "mode", "model_ids", "name",
              "only_enrich_updates", "organization_id", "schedule", "skip_initial_backfill",
              "sync_all_records", "updated_at", "updated_by")
SCHEDULE_NULLABLE = ("day_of_month", "day_of_week", "hour", "job_id", "minute", "month",
                     "run_after_success_only")
LOGIC_WORDS = {"AND", "OR", "NOT"}


# -- presentation ------------------------------------------------------------------------------


def present(sync: dict[str, Any]) -> dict[str, Any]:
    """The stored sync as the API returns it (write-only values removed)."""
    out = {k: copy.deepcopy(v) for k, v in sync.items() if k not in WRITE_ONLY}
    target = out.get("target")
    if isinstance(target, dict):
        target.pop("create", None)
    return out


def light_item(sync: dict[str, Any]) -> dict[str, Any]:
    """The 2025-09-18 `ListSyncItem` of a stored sync."""
    out = {k: copy.deepcopy(sync[k]) for k in LIGHT_KEYS if k in sync}
    target = sync.get("target") or {}
    if "connection_id" in target:
        out["target_connection_id"] = target["connection_id"]
    if "object" in target:
        out["target_object"] = target["object"]
    return out


# -- building a sync from a request ------------------------------------------------------------


class _Resolver:
    """Model and field lookups in one organisation, collecting 422 problems."""

    def __init__(self, store: Store, org_id: str) -> None:
        self.store = store
        self.org_id = org_id
        self.problems: Problems = []
        self.model_ids: set[str] = set()
        self._models: dict[str, dict[str, Any] | None] = {}
        self._field_index: dict[str, tuple[str, dict[str, Any]]] | None = None

    def model(self, model_id: str) -> dict[str, Any] | None:
        if model_id not in self._models:
            self._models[model_id] = catalog.model(self.store, self.org_id, model_id)
        return self._models[model_id]

    def source(self, src: dict[str, Any], path: str) -> dict[str, Any] | None:
        """The model field a Source names; records a problem when it does not exist."""
        model = self.model(src["model_id"])
        if model is None:
            self.problems.append((f"{path}.model_id", f"model {src['model_id']} not found"))
            return None
        self.model_ids.add(model["id"])
        for fld in model["fields"]:
            if fld["name"] == src["field"]:
                return fld
        self.problems.append((f"{path}.field",
                              f"model {model['name']!r} has no field {src['field']!r}"))
        return None

    def field_by_id(self, field_id: str, path: str) -> dict[str, Any] | None:
        """The model field with this id, in any model of the organisation, or (what the OpenAPI
        file says `field_id` is) with this name in a model the sync's fields use."""
        if self._field_index is None:
            self._field_index = {}
            for model in self.store.list_catalog("models", self.org_id):
                for fld in model["fields"]:
                    self._field_index[fld["id"]] = (model["id"], fld)
        found = self._field_index.get(field_id)
        if found is None:
            found = next(((mid, fld) for mid in sorted(self.model_ids)
                          for fld in (self.model(mid) or {}).get("fields", []) if fld["name"] == field_id), None)
        if found is None:
            self.problems.append((path, f"no model field has id or name {field_id!r}"))
            return None
        self.model_ids.add(found[0])
        return found[1]


def _labels() -> Any:
    n = 0
    while True:
        n += 1
        label, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            label = chr(65 + r) + label
        yield label


def _filters(raw: list[dict[str, Any]], res: _Resolver) -> list[dict[str, Any]]:
    given = [f["label"] for f in raw if "label" in f]
    for label in sorted({x for x in given if given.count(x) > 1}):
        res.problems.append(("filters", f"label {label!r} is used by more than one filter"))
    used = set(given)
    fresh = (label for label in _labels() if label not in used)
    out = []
    for i, item in enumerate(raw):
        path = f"filters[{i}]"
        f = copy.deepcopy(item)
        f.setdefault("field_type", "Model")
        if "field" in item:
            fld = res.source(item["field"], f"{path}.field")
            if fld is not None and "field_id" not in item:
                f["field_id"] = fld["id"]
        elif "field_id" in item:
            if f["field_type"] == "Model":
                res.field_by_id(item["field_id"], f"{path}.field_id")
        else:
            res.problems.append((path, "needs either field or field_id"))
        if "label" not in item:
            f["label"] = next(fresh)
        out.append(f)
    return out


def _check_filter_logic(logic: str, filters: list[dict[str, Any]], res: _Resolver) -> None:
    labels = {f["label"] for f in filters}
    for word in re.findall(r"[A-Za-z0-9_]+", logic):
        if word.upper() in LOGIC_WORDS:
            continue
        if word not in labels:
            known = ", ".join(sorted(labels)) or "none"
            res.problems.append(("filter_logic", f"names label {word!r}, which no filter has (labels: {known})"))


def _fields(raw: list[dict[str, Any]], name: str, res: _Resolver, *,
            override: bool) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(raw):
        path = f"{name}[{i}]"
        f = copy.deepcopy(item)
        if "source" in item:
            res.source(item["source"], f"{path}.source")
        elif "override_value" not in item:
            res.problems.append((path, "needs a source or an override_value"))
        if override and "override_value" not in item:
            res.problems.append((f"{path}.override_value", "is required in override_fields"))
        f.setdefault("new", False)
        f.setdefault("encryption_enabled", False)
        out.append(f)
    return out


def _overrides(raw: list[dict[str, Any]], res: _Resolver) -> list[dict[str, Any]]:
    for i, item in enumerate(raw):
        path = f"overrides[{i}]"
        if "field_id" in item:
            res.field_by_id(item["field_id"], f"{path}.field_id")
        elif "field" in item:
            res.source(item["field"], f"{path}.field")
        else:
            res.problems.append((path, "needs either field or field_id"))
    return copy.deepcopy(raw)


def _schedule(raw: dict[str, Any], ctx: Ctx, self_id: str | None, res: _Resolver) -> dict[str, Any]:
    res.problems.extend(schedule_problems(raw, "schedule"))
    out = copy.deepcopy(raw)
    out.setdefault("frequency", "manual")
    for key in SCHEDULE_NULLABLE:
        out.setdefault(key, None)
    res.problems.extend(run_after_problems(ctx.store, ctx.org_id, raw, "schedule", self_id))
    return out


def _target(raw: dict[str, Any], name: str, res: _Resolver, ctx: Ctx) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    conn = catalog.connection(ctx.store, ctx.org_id, raw["connection_id"])
    if conn is None:
        res.problems.append(("target.connection_id", f"connection {raw['connection_id']} not found"))
    _check_target_object(raw, conn, res, ctx)
    if "create" in raw and "object" not in raw:
        out["object"] = raw["create"].get("name") or name
    defaults = catalog.target_defaults(conn) if conn else {}
    out["configuration"] = {**defaults, **(raw.get("configuration") or {})}
    return out


def _check_target_object(raw: dict[str, Any], conn: dict[str, Any] | None, res: _Resolver, ctx: Ctx) -> None:
    """``object`` (an existing one the connection has) or ``create``, exactly one of them."""
    has_object, has_create = "object" in raw, "create" in raw
    if has_object and has_create:
        res.problems.append(("target", "give either object or create, not both"))
    elif not has_object and not has_create:
        res.problems.append(("target", "needs either object (an existing object) or create (a new one)"))
    elif has_object and raw["object"] == "":
        res.problems.append(("target.object", "must not be empty"))
    elif has_object and conn is not None:
        if not catalog.has_target_object(ctx.store, ctx.org_id, conn, raw["object"]):
            res.problems.append(("target.object", f"the connection has no object {raw['object']!r}"))


def build(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a create/update request and return the sync to store (full replacement)."""
    # A mode only responses name (`enrich`) is kept by an update of a sync that has it, as the UI does.
    keeps_mode = previous is not None and body.get("mode") == previous.get("mode") not in MODEL_SYNC_MODES
    require({**body, "mode": "create"} if keeps_mode else body, SYNC_REQUEST)
    res = _Resolver(ctx.store, ctx.org_id)
    if body.get("name", "").strip() == "":
        res.problems.append(("name", "must not be empty"))
    org_id = body.get("organization_id")
    if org_id is not None and org_id != ctx.org_id:
        res.problems.append(("organization_id", f"organization {org_id} not found"))
    sync_id = previous["id"] if previous else str(uuid.uuid4())
    target = _target(body["target"], body["name"], res, ctx)
    fields = _fields(body["fields"], "fields", res, override=False)
    fields += _fields(body.get("override_fields") or [], "override_fields", res, override=True)
    filters = _filters(body.get("filters") or [], res)
    filter_logic = body.get("filter_logic", "")
    if filter_logic.strip():
        _check_filter_logic(filter_logic, filters, res)
    identity = _identity(body, res)
    overrides = _overrides(body.get("overrides") or [], res)
    schedule = _schedule(body["schedule"], ctx, previous["id"] if previous else None, res)
    if res.problems:
        raise invalid(res.problems, 422)
    sync = _stored(ctx, body, previous, sync_id, res)
    sync.update(target=target, fields=fields, filters=filters, filter_logic=filter_logic, overrides=overrides,
                schedule=schedule)
    if identity is not None:
        sync["identity"] = identity
    if "encryption_passphrase" in body:
        sync["encryption_passphrase"] = body["encryption_passphrase"]
    return sync


def _identity(body: dict[str, Any], res: _Resolver) -> dict[str, Any] | None:
    """The identity as stored (its field's type filled in), or None; required by some modes."""
    identity = None
    if "identity" in body:
        identity = copy.deepcopy(body["identity"])
        fld = res.source(body["identity"]["source"], "identity.source")
        if "remote_field_type_id" not in identity:
            identity["remote_field_type_id"] = fld["type"] if fld else None
        identity.setdefault("new_field", False)
    if body["mode"] in MODES_NEEDING_IDENTITY and identity is None:
        res.problems.append(("identity", f"is required when mode is {body['mode']!r}"))
    return identity


def _stored(ctx: Ctx, body: dict[str, Any], previous: dict[str, Any] | None, sync_id: str,
            res: _Resolver) -> dict[str, Any]:
    """The sync's own settings and audit fields, in the order the API returns them."""
    now = ctx.store.now()
    return {
        "id": sync_id,
        "organization_id": ctx.org_id,
        "name": body["name"],
        "mode": body["mode"],
        "active": body.get("active", False),
        "only_enrich_updates": body.get("only_enrich_updates", False),
        "skip_initial_backfill": body.get("skip_initial_backfill", False),
        "sync_all_records": body.get("sync_all_records", False),
        "target": None, "fields": None, "filters": None, "filter_logic": None, "overrides": None,  # set by build
        "policies": list(body.get("policies") or []),
        "schedule": None,
        "model_ids": sorted(res.model_ids),
        "created_at": previous["created_at"] if previous else now,
        "created_by": previous["created_by"] if previous else ctx.actor,
        "updated_at": now,
        "updated_by": ctx.actor,
    }


def normalize_seeded(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    """A sync from `/_emulator/seed`: defaults and computed fields applied, nothing validated."""
    clean = {k: v for k, v in body.items() if k != "id"}
    try:
        if clean.get("mode") not in MODEL_SYNC_MODES:  # a response-only mode (`enrich`) the UI can set
            sync = {**build(ctx, {**clean, "mode": "create"}, None), "mode": clean.get("mode")}
        else:
            sync = build(ctx, clean, None)
    except ApiError:
        now = ctx.store.now()
        sync = {"active": False, "only_enrich_updates": False, "skip_initial_backfill": False,
                "sync_all_records": False, "filters": [], "overrides": [], "policies": [],
                "filter_logic": "", "fields": [], "model_ids": [], **copy.deepcopy(clean),
                "organization_id": ctx.org_id, "id": str(uuid.uuid4()), "created_at": now,
                "created_by": ctx.actor, "updated_at": now, "updated_by": ctx.actor}
        sync["fields"] = list(sync.get("fields") or []) + list(sync.pop("override_fields", None) or [])
    if isinstance(body.get("id"), str):
        sync["id"] = body["id"]
    return sync


# -- handlers ------------------------------------------------------------------------------------


def _load(ctx: Ctx) -> dict[str, Any]:
    sync_id = ctx.params["id"]
    sync = ctx.store.get_sync(KIND, ctx.org_id, sync_id) if is_uuid(sync_id) else None
    if sync is None:
        raise not_found("sync", sync_id)
    return sync


def _bool_param(ctx: Ctx, name: str) -> bool | None:
    raw = ctx.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise invalid([(name, f"must be true or false (got {raw!r})")], 400)


def list_syncs(ctx: Ctx) -> Reply:
    active = _bool_param(ctx, "active")
    mode = ctx.query.get("mode") or None
    if mode is not None and mode not in MODEL_SYNC_MODES:
        raise invalid([("mode", f"must be one of: {', '.join(MODEL_SYNC_MODES)} (got {mode!r})")], 400)
    target_connection_id = ctx.query.get("target_connection_id") or None
    if target_connection_id is not None and not is_uuid(target_connection_id):
        raise invalid([("target_connection_id", f"must be a UUID (got {target_connection_id!r})")], 400)
    limit = parse_limit(ctx.query.get("limit"))
    token = ctx.query.get("page_token")
    secret = ctx.store.secret()
    after = decode_token(secret, token) if token else None
    rows = ctx.store.list_syncs(KIND, ctx.org_id, active=active, mode=mode,
                                target_connection_id=target_connection_id, after=after,
                                limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    items = [present(s) if ctx.settings.list_items == "full" else light_item(s) for s in page]
    body: dict[str, Any] = {"data": items, "pagination": {}}
    if more:
        last = page[-1]
        body["pagination"]["next_page_token"] = encode_token(secret, last["updated_at"], last["id"])
    return 200, body


def create_sync(ctx: Ctx) -> Reply:
    sync = build(ctx, ctx.json_object(), None)
    ctx.store.put_sync(KIND, ctx.org_id, sync)
    return 200, {"data": present(sync)}


def get_sync(ctx: Ctx) -> Reply:
    return 200, {"data": present(_load(ctx))}


def update_sync(ctx: Ctx) -> Reply:
    previous = _load(ctx)
    sync = build(ctx, ctx.json_object(), previous)
    ctx.store.put_sync(KIND, ctx.org_id, sync)
    return 200, {"data": present(sync)}


def delete_sync(ctx: Ctx) -> Reply:
    sync = _load(ctx)
    ctx.store.delete_sync(KIND, ctx.org_id, sync["id"])
    return 200, None


def set_active(ctx: Ctx, kind: str, sync: dict[str, Any]) -> Reply:
    """`POST .../activate` for either kind: toggles `active` alone, bumps `updated_at`."""
    body = ctx.json_object()
    require(body, ACTIVATE_REQUEST)
    sync["active"] = body["active"]
    sync["updated_at"] = ctx.store.now()
    sync["updated_by"] = ctx.actor
    ctx.store.put_sync(kind, ctx.org_id, sync, ctx.store.get_sync_extra(sync["id"]))
    return 200, {"data": {"id": sync["id"], "active": sync["active"]}}


def activate_sync(ctx: Ctx) -> Reply:
    return set_active(ctx, KIND, _load(ctx))


ROUTES = [
    Route("GET", "/api/syncs", list_syncs, version_required=True),
    Route("POST", "/api/syncs", create_sync, version_required=True),
    Route("GET", "/api/syncs/{id}", get_sync, version_required=True),
    Route("PUT", "/api/syncs/{id}", update_sync, version_required=True),
    Route("PATCH", "/api/syncs/{id}", update_sync, version_required=True),
    Route("DELETE", "/api/syncs/{id}", delete_sync, version_required=True),
    Route("POST", "/api/syncs/{id}/activate", activate_sync, version_required=True),
]
