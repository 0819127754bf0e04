"""Per-schema configuration of bulk syncs (2025-09-18): the stored shape, how create/update
requests and the schema endpoints change it, and the endpoints themselves.

- ``GET /api/bulk/syncs/{id}/schemas``: a light ``BulkSchemaListItem`` per source schema;
- ``GET/PUT /api/bulk/syncs/{id}/schemas/{schema_id}``: the full ``BulkSchema`` (fields, filters);
  ``PUT`` replaces one schema (what it omits is reset);
- ``PATCH /api/bulk/syncs/{id}/schemas``: patches the schemas it lists, leaves the rest alone.

Field lists follow one rule everywhere: no list (or ``[]``) enables every source field; a list
is the selection (fields not listed are disabled). Omitting ``fields`` enables all fields.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from reconciler.emulator.context import Ctx, Reply
from reconciler.emulator.errors import invalid, not_found
from reconciler.emulator.seed import SCHEMA_FIELDS
from reconciler.emulator.validation import (
    BULK_SCHEMA_PATCH,
    UPDATE_BULK_SCHEMA,
    Problems,
    require,
)

#: Columns of a source schema no model describes (SaaS objects, tables without a model).
GENERIC_FIELDS = ("id", "name", "created_at", "updated_at")
LIST_ITEM_KEYS = ("id", "enabled", "output_name", "user_output_name", "partition_key", "tracking_field",
                  "data_cutoff_timestamp", "disable_data_cutoff")


def output_name(schema_id: str) -> str:
    """The destination object name of a source schema (`public.users` → `public_users`)."""
    return schema_id.replace(".", "_").replace(" ", "_").lower()


def source_fields(ctx: Ctx, schema_id: str) -> list[str]:
    """The fields a source schema offers: those ``bulksync/source`` lists (one catalogue for the
    endpoint and for validation), else the columns of a model over that table, else a generic set."""
    if schema_id in SCHEMA_FIELDS:
        return [name for name, _ in SCHEMA_FIELDS[schema_id]]
    for model in ctx.store.list_catalog("models", ctx.org_id):
        if model.get("identifier") == schema_id:
            return [f["name"] for f in model.get("fields") or []]
    return list(GENERIC_FIELDS)


def fields_config(raw: list[Any] | None, available: list[str], path: str, problems: Problems, *,
                  obfuscate_key: str, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every source field with ``enabled``/``obfuscated``/``user_output_name`` from a request list.

    ``names`` are the user output names kept for fields the request does not name them for.
    """
    chosen = _by_id(raw, available, path, problems, "the schema has no field", "field")
    out = []
    for fid in available:
        config = chosen.get(fid, (0, None))[1]
        if not raw:
            enabled, obfuscated = True, False
        else:
            enabled = config is not None and config.get("enabled") is not False
            obfuscated = enabled and bool(config and config.get(obfuscate_key))  # only a synced field is
        user_name = (config or {}).get("user_output_name")
        out.append({"id": fid, "enabled": enabled, "obfuscated": obfuscated,
                    "user_output_name": names.get(fid, "") if user_name is None else user_name})
    return out


def _by_id(raw: list[Any] | None, available: list[str], path: str, problems: Problems, unknown: str,
           what: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """``id -> (index, configuration)`` of a request list of ids or objects with an ``id``."""
    chosen: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, item in enumerate(raw or []):
        config = {"id": item} if isinstance(item, str) else dict(item)
        key = config.get("id")
        if not key:
            problems.append((f"{path}[{i}].id", "is required"))
        elif key not in available:
            problems.append((f"{path}[{i}]", f"{unknown} {key!r} (available: {', '.join(available) or 'none'})"))
        elif key in chosen:
            problems.append((f"{path}[{i}]", f"{what} {key!r} is listed more than once"))
        else:
            chosen[key] = (i, config)
    return chosen


def filters_config(raw: list[Any] | None, available: list[str], path: str, problems: Problems) -> list[dict[str, Any]]:
    """Row filters as stored; each ``field_id`` must be a field of the schema."""
    out = []
    for i, item in enumerate(raw or []):
        field_id = item.get("field_id")
        if field_id is not None and field_id not in available:
            problems.append((f"{path}[{i}].field_id", f"the schema has no field {field_id!r} "
                                                      f"(available: {', '.join(available)})"))
        out.append(copy.deepcopy(item))
    return out


def schema_entry(ctx: Ctx, sid: str, config: Mapping[str, Any] | None, enabled: bool, path: str,
                 problems: Problems, previous: Mapping[str, Any] | None, *, obfuscate_key: str,
                 keep_names: bool) -> dict[str, Any]:
    """One stored schema from a request's configuration of it (None: no configuration)."""
    config = config or {}
    available = source_fields(ctx, sid)
    before = previous or {}
    names = {f["id"]: f.get("user_output_name") or "" for f in before.get("fields") or []} if keep_names else {}
    user_output = config.get("user_output_name")
    if user_output is None:
        user_output = before.get("user_output_name", "") if keep_names else ""
    return {
        "id": sid, "enabled": enabled,
        "user_output_name": user_output,
        "partition_key": config.get("partition_key") or "",
        "tracking_field": config.get("tracking_field") or "",
        "data_cutoff_timestamp": config.get("data_cutoff_timestamp"),
        "disable_data_cutoff": bool(config.get("disable_data_cutoff")),
        "fields": fields_config(config.get("fields"), available, f"{path}.fields", problems,
                                obfuscate_key=obfuscate_key, names=names),
        "filters": filters_config(config.get("filters"), available, f"{path}.filters", problems),
    }


def selection(ctx: Ctx, raw: list[Any] | None, available: list[str], problems: Problems,
              previous: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Every source schema from a bulk-sync create/update ``schemas`` value (omitted = all selected,
    with default settings).

    The request type cannot name user output names, so an update keeps them; a schema a list
    leaves out is not selected and keeps its settings.
    """
    chosen = _by_id(raw, available, "schemas", problems, "the source connection has no schema", "schema")
    before = {s["id"]: s for s in previous or []}
    out = []
    for sid in available:
        index, config = chosen.get(sid, (None, None))
        if raw is not None and config is None and sid in before:
            out.append({**before[sid], "enabled": False})
            continue
        enabled = raw is None or (config is not None and config.get("enabled") is not False)
        out.append(schema_entry(ctx, sid, config, enabled, f"schemas[{index}]", problems, before.get(sid),
                                obfuscate_key="obfuscate", keep_names=True))
    return out


# ---- answers ------------------------------------------------------------------------------


def list_item(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A stored schema as a ``BulkSchemaListItem``."""
    full = full_schema(schema)
    return {k: full[k] for k in LIST_ITEM_KEYS}


def full_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A stored schema as a ``BulkSchema`` (older stored shapes read with their defaults)."""
    fields = [{"id": f["id"], "enabled": bool(f.get("enabled")), "obfuscated": bool(f.get("obfuscated")),
               "output_name": output_name(f["id"]), "user_output_name": f.get("user_output_name") or ""}
              for f in schema.get("fields") or [] if isinstance(f, Mapping) and "enabled" in f]
    return {
        "id": schema["id"], "enabled": bool(schema.get("enabled")), "output_name": output_name(schema["id"]),
        "user_output_name": schema.get("user_output_name") or "",
        "partition_key": schema.get("partition_key") or "", "tracking_field": schema.get("tracking_field") or "",
        "data_cutoff_timestamp": schema.get("data_cutoff_timestamp"),
        "disable_data_cutoff": bool(schema.get("disable_data_cutoff")),
        "fields": fields, "filters": copy.deepcopy(schema.get("filters") or []),
    }


# ---- endpoints ----------------------------------------------------------------------------


def _stored(ctx: Ctx, sync: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    extra = ctx.store.get_sync_extra(sync["id"])
    return extra, list(extra.get("schemas") or [])


def _save(ctx: Ctx, kind: str, sync: dict[str, Any], extra: dict[str, Any], schemas: list[dict[str, Any]]) -> None:
    """Store a changed schema list; the sync's ``updated_at`` moves like on every change."""
    sync = {**sync, "updated_at": ctx.store.now(), "updated_by": ctx.actor}
    ctx.store.put_sync(kind, ctx.org_id, sync, {**extra, "schemas": schemas})


def list_schemas(ctx: Ctx, sync: dict[str, Any]) -> Reply:
    _, schemas = _stored(ctx, sync)
    return 200, {"data": [list_item(s) for s in schemas]}


def get_schema(ctx: Ctx, sync: dict[str, Any]) -> Reply:
    _, schemas = _stored(ctx, sync)
    for schema in schemas:
        if schema["id"] == ctx.params["schema_id"]:
            return 200, {"data": full_schema(schema)}
    raise not_found("schema", ctx.params["schema_id"])


def put_schema(ctx: Ctx, kind: str, sync: dict[str, Any]) -> Reply:
    """Replace one schema's configuration; what the body omits is reset (fields: all enabled)."""
    body = ctx.json_object()
    require(body, UPDATE_BULK_SCHEMA)
    extra, schemas = _stored(ctx, sync)
    index = next((i for i, s in enumerate(schemas) if s["id"] == ctx.params["schema_id"]), None)
    if index is None:
        raise not_found("schema", ctx.params["schema_id"])
    problems: Problems = []
    enabled = body.get("enabled") is not False
    schemas[index] = schema_entry(ctx, schemas[index]["id"], body, enabled, "", problems, schemas[index],
                                  obfuscate_key="obfuscated", keep_names=False)
    if problems:
        raise invalid([(p.lstrip("."), m) for p, m in problems], 422)
    _save(ctx, kind, sync, extra, schemas)
    return 200, {"data": full_schema(schemas[index])}


def patch_schemas(ctx: Ctx, kind: str, sync: dict[str, Any]) -> Reply:
    """Patch the schemas listed (matched by id); within each, omitting ``fields`` enables all fields."""
    body = ctx.json_object()
    require(body, BULK_SCHEMA_PATCH)
    extra, schemas = _stored(ctx, sync)
    by_id = {s["id"]: i for i, s in enumerate(schemas)}
    problems: Problems = []
    patched: list[int] = []
    for i, item in enumerate(body.get("schemas") or []):
        path = f"schemas[{i}]"
        index = by_id.get(item.get("id"))
        if index is None:
            problems.append((f"{path}.id", f"the sync has no schema {item.get('id')!r}"))
            continue
        if index in patched:
            problems.append((path, f"schema {item['id']!r} is listed more than once"))
            continue
        current = schemas[index]
        merged = {k: current.get(k) for k in ("user_output_name", "partition_key", "tracking_field",
                                              "data_cutoff_timestamp", "disable_data_cutoff", "filters")}
        merged.update({k: v for k, v in item.items() if k not in ("id", "enabled", "output_name")})
        enabled = current["enabled"] if item.get("enabled") is None else bool(item["enabled"])
        schemas[index] = schema_entry(ctx, current["id"], merged, enabled, path, problems, current,
                                      obfuscate_key="obfuscated", keep_names=True)
        patched.append(index)
    if problems:
        raise invalid(problems, 422)
    _save(ctx, kind, sync, extra, schemas)
    return 200, {"data": [full_schema(schemas[i]) for i in patched]}
