"""Normalisation: what the server adds, reorders or hides must never show as a change.

Two projections of one sync, both plain dicts:

- :func:`request_body_from_live` projects a live object (``GET`` shape) onto the create request,
  leaving out server-computed values and defaults; ``export`` writes it, and planning right after
  an export is empty.
- :func:`view` turns a create-request body (the file's, or the live projection) into the
  comparable form: API defaults filled in, write-only values removed, ``override_fields`` merged
  into ``fields`` (as the server returns them), null / missing / empty treated alike.
  :func:`align_live` then drops from the live view what the server computes and the file does not
  set (``filters[].label``, ``identity.remote_field_type_id``, ``target.configuration`` defaults, ...).
  Unordered lists (``fields``, ``filters``, ``overrides``, bulk ``schemas``, ...) are compared as
  multisets by :mod:`reconciler.planning.diff`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from datetime import datetime
from typing import Any

from reconciler.definitions.model import Kind
from reconciler.planning import paths
from reconciler.definitions.semantic import label_sequence

MODEL_REQUEST_KEYS = (
    "active", "encryption_passphrase", "fields", "filter_logic", "filters", "identity", "mode", "name",
    "only_enrich_updates", "organization_id", "override_fields", "overrides", "policies", "schedule",
    "skip_initial_backfill", "sync_all_records", "target",
)
BULK_REQUEST_KEYS = (
    "active", "additional_schedules", "automatically_add_new_fields", "automatically_add_new_objects",
    "concurrency_limit", "data_cutoff_timestamp", "default_schedule", "destination_configuration",
    "destination_connection_id", "disable_record_timestamps", "mode", "name", "normalize_names",
    "organization_id", "policies", "resync_concurrency_limit", "schemas", "source_configuration",
    "source_connection_id",
)
# Values the server stores when a request leaves the key out (update is a full replacement).
MODEL_DEFAULTS: dict[str, Any] = {
    "active": False, "only_enrich_updates": False, "skip_initial_backfill": False, "sync_all_records": False,
    "filter_logic": "", "filters": [], "overrides": [], "policies": [],
}
BULK_DEFAULTS: dict[str, Any] = {
    "active": False, "additional_schedules": [], "automatically_add_new_fields": "all",
    "automatically_add_new_objects": "all", "concurrency_limit": None, "resync_concurrency_limit": None,
    "data_cutoff_timestamp": None, "disable_record_timestamps": False, "normalize_names": "enabled",
    "policies": [], "source_configuration": {},
}
FIELD_DEFAULTS: dict[str, Any] = {"new": False, "encryption_enabled": False}
SCHEDULE_DEFAULTS: dict[str, Any] = {"frequency": "manual"}
BULK_SCHEDULE_KEYS = ("connection_id", "day_of_month", "day_of_week", "frequency", "hour", "job_id", "minute", "month",
                      "run_after", "run_after_success_only")
BULK_ADDITIONAL_KEYS = (*BULK_SCHEDULE_KEYS, "resync_mode", "schemas", "selective_mode")
SCHEMA_CONFIG_KEYS = ("partition_key", "tracking_field", "data_cutoff_timestamp", "disable_data_cutoff")
# target.configuration defaults per connection type (merged under the request's keys by the server).
TARGET_CONFIGURATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "salesforce": {"ingestion_api": "bulk"},
    "s3": {"format": "csv"},
}
# Values that cannot be read back.
WRITE_ONLY_PATHS: dict[Kind, tuple[str, ...]] = {
    "ModelSync": ("encryption_passphrase", "target.create"),
    "BulkSync": (),
}


def is_empty(value: Any) -> bool:
    """null, missing and empty list/object are the same thing."""
    return value is None or value == [] or value == {}


def clean(value: Any) -> Any:
    """Recursively drop empty values from mappings (lists keep their items)."""
    if isinstance(value, Mapping):
        return {k: clean(v) for k, v in value.items() if not is_empty(v)}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


# ---- comparable views ---------------------------------------------------------------------


def view(kind: Kind, body: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable form of a create-request body: defaults in, write-only out, empties dropped."""
    return _model_view(body) if kind == "ModelSync" else _bulk_view(body)


def _model_view(body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: body[k] for k in MODEL_REQUEST_KEYS if k in body}
    out.pop("encryption_passphrase", None)
    out.pop("override_fields", None)
    for key, default in MODEL_DEFAULTS.items():
        if out.get(key) is None:
            out[key] = default
    out["policies"] = sorted(str(p) for p in out["policies"] or [])
    fields = list(body.get("fields") or []) + list(body.get("override_fields") or [])
    out["fields"] = [{**FIELD_DEFAULTS, **item} if isinstance(item, Mapping) else item for item in fields]
    out["filters"] = [_filter_type(f) for f in out["filters"] or []]
    if str(out.get("filter_logic") or "").strip():
        out["filters"] = implied_labels(out["filters"])
    schedule = body.get("schedule")
    if isinstance(schedule, Mapping):
        sched = {**SCHEDULE_DEFAULTS, **schedule}
        if sched.get("frequency") is None:
            sched["frequency"] = "manual"
        out["schedule"] = _sorted_run_after(sched)
    target = body.get("target")
    if isinstance(target, Mapping):
        out["target"] = {k: v for k, v in target.items() if k != "create"}
    identity = body.get("identity")
    if isinstance(identity, Mapping):
        out["identity"] = {**identity, "new_field": False if identity.get("new_field") is None else identity["new_field"]}
    return clean(out)


def _sorted_run_after(schedule: dict[str, Any]) -> dict[str, Any]:
    """A schedule with its ``run_after`` id lists sorted (their order means nothing)."""
    run_after = schedule.get("run_after")
    if isinstance(run_after, Mapping):
        schedule = {**schedule, "run_after": {k: sorted(v, key=str) if isinstance(v, list) else v
                                              for k, v in run_after.items()}}
    return schedule


def implied_labels(filters: list[Any]) -> list[Any]:
    """Filters with the label the server gives each unlabeled one: the first label no filter of
    the sync uses, in list order. ``filter_logic`` names filters by label, so under a logic an
    unlabeled filter's position is part of its meaning (reordering the filters in the UI swaps
    the labels and changes the condition while ``filter_logic`` reads the same)."""
    used = {f["label"] for f in filters if isinstance(f, Mapping) and f.get("label") is not None}
    fresh = (label for label in label_sequence() if label not in used)
    return [{**f, "label": next(fresh)} if isinstance(f, Mapping) and f.get("label") is None else f
            for f in filters]


def _filter_type(item: Any) -> Any:
    if isinstance(item, Mapping) and item.get("field_type") is None:
        return {**item, "field_type": "Model"}
    return item


def _bulk_view(body: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: body[k] for k in BULK_REQUEST_KEYS if k in body}
    for key, default in BULK_DEFAULTS.items():
        if out.get(key) is None:
            out[key] = default
    out["policies"] = sorted(str(p) for p in out["policies"] or [])
    schedule = body.get("default_schedule")
    if isinstance(schedule, Mapping):
        out["default_schedule"] = _sorted_run_after({k: schedule[k] for k in BULK_SCHEDULE_KEYS if k in schedule})
    out["additional_schedules"] = [_additional(s) for s in out["additional_schedules"] or []]
    if body.get("schemas") is not None:
        out["schemas"] = selected_schemas(body["schemas"])
    return clean(out)


def _additional(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = _sorted_run_after({k: item[k] for k in BULK_ADDITIONAL_KEYS if k in item})
    if isinstance(out.get("schemas"), list):
        out["schemas"] = sorted(out["schemas"])
    return out


def selected_schemas(items: Any) -> list[dict[str, Any]]:
    """A bulk ``schemas`` request value as the selected schemas with their configuration.

    ``fields`` become a mapping ``field id -> {enabled, obfuscated}`` of the fields listed (no list,
    or an empty one, means every field enabled: :func:`align_schemas` expands it against the live
    schema); ``filters`` are sorted (their order means nothing).
    """
    out = []
    for item in items or []:
        config = {"id": item} if isinstance(item, str) else dict(item) if isinstance(item, Mapping) else {}
        if config.get("enabled") is False or not config.get("id"):
            continue
        entry: dict[str, Any] = {"id": config["id"]}
        for key in SCHEMA_CONFIG_KEYS:
            value = config.get(key)
            if value not in (None, "", False):
                entry[key] = value
        fields = config.get("fields")
        if isinstance(fields, list) and fields:
            entry["fields"] = _field_settings(fields)
        if isinstance(config.get("filters"), list) and config["filters"]:
            entry["filters"] = sorted(config["filters"], key=_sort_key)
        out.append(entry)
    return out


def _field_settings(fields: list[Any]) -> dict[str, Any]:
    """``field id -> {enabled, obfuscated}`` from a request's field list (strings or FieldConfiguration)."""
    out: dict[str, Any] = {}
    for item in fields:
        config = {"id": item} if isinstance(item, str) else item if isinstance(item, Mapping) else {}
        if not isinstance(config.get("id"), str):
            continue
        enabled = config.get("enabled") is not False
        out[config["id"]] = {"enabled": enabled, "obfuscated": enabled and bool(config.get("obfuscate"))}
    return out


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def align_schemas(desired_view: Mapping[str, Any], live_view: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both views with each schema's ``fields`` over the live schema's fields: a file without a
    field list enables them all, a list disables the fields it does not name. Where the live
    fields are unknown (not read), fields are not compared."""
    desired, live = dict(desired_view), dict(live_view)
    have = {s["id"]: s for s in live.get("schemas") or [] if isinstance(s, Mapping) and "id" in s}
    if not isinstance(desired.get("schemas"), list):
        return desired, live
    schemas = []
    for item in desired["schemas"]:
        match = have.get(item.get("id")) if isinstance(item, Mapping) else None
        if match is None:
            schemas.append(item)
            continue
        item = dict(item)
        known = match.get("fields")
        if not isinstance(known, Mapping):
            item.pop("fields", None)
        else:
            wanted = item.get("fields")
            off = {"enabled": False, "obfuscated": False}
            if not isinstance(wanted, Mapping):
                item["fields"] = {f: {"enabled": True, "obfuscated": False} for f in known}
            else:
                expanded = {f: wanted.get(f, off) for f in known}
                expanded.update({f: v for f, v in wanted.items() if f not in known and v != off})
                item["fields"] = expanded
        schemas.append(item)
    desired["schemas"] = schemas
    return desired, live


def default_schemas(kind: Kind, body: Mapping[str, Any], live: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The selection a bulk-sync body without ``schemas`` asks for: every schema the source offers.

    Known from the live schema listing when the body keeps the live source connection; None when
    it cannot be known (another source, or no listing read).
    """
    if kind != "BulkSync" or body.get("schemas") is not None or not isinstance(live.get("schemas"), list):
        return None
    if body.get("source_connection_id") != live.get("source_connection_id"):
        return None
    return selected_schemas([s["id"] for s in live["schemas"] if isinstance(s, Mapping) and s.get("id")])


def align_live(
    kind: Kind,
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    configuration_defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The live view without what the server computes and the file (``desired`` request body) does not set."""
    out = dict(live)
    if "organization_id" not in desired:
        out.pop("organization_id", None)
    identity, want_identity = out.get("identity"), desired.get("identity")
    if isinstance(identity, Mapping) and isinstance(want_identity, Mapping):
        identity = dict(identity)
        if "remote_field_type_id" not in want_identity:
            identity.pop("remote_field_type_id", None)
        out["identity"] = identity
    target, want_target = out.get("target"), desired.get("target")
    if isinstance(target, Mapping) and isinstance(want_target, Mapping):
        target = dict(target)
        if "object" not in want_target and "create" in want_target:
            target.pop("object", None)
        if not isinstance(target.get("configuration"), (Mapping, type(None))):
            out["target"] = target  # not a map (stored by hand): compared as it is
            return out
        config = dict(target.get("configuration") or {})
        wanted_config = want_target.get("configuration")
        wanted_config = wanted_config if isinstance(wanted_config, Mapping) else {}
        for key, value in (configuration_defaults or {}).items():
            if key not in wanted_config and config.get(key) == value:
                config.pop(key)
        if config:
            target["configuration"] = config
        else:
            target.pop("configuration", None)
        out["target"] = target
    return out


def _instant(value: Any) -> datetime | None:
    """A date-time string as an aware datetime (``Z`` and ``+00:00`` alike); None when it is not one."""
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    text = value[:-1] + "+00:00" if value.endswith("z") else value  # (`Z` is read as it is)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _same_instant(a: Any, b: Any) -> bool:
    left, right = _instant(a), _instant(b)
    return left is not None and right is not None and left == right


def align_timestamps(kind: Kind, desired_view: Mapping[str, Any], live_view: Mapping[str, Any]) -> dict[str, Any]:
    """The live view with each ``data_cutoff_timestamp`` naming the same instant as the file's written
    the file's way (``2025-01-01T00:00:00Z`` is ``2025-01-01T00:00:00+00:00``)."""
    out = dict(live_view)
    if kind != "BulkSync":
        return out
    key = "data_cutoff_timestamp"
    if _same_instant(out.get(key), desired_view.get(key)):
        out[key] = desired_view[key]
    wanted = {s.get("id"): s for s in desired_view.get("schemas") or [] if isinstance(s, Mapping)}
    if isinstance(out.get("schemas"), list):
        schemas = []
        for item in out["schemas"]:
            want = wanted.get(item.get("id")) if isinstance(item, Mapping) else None
            if want is not None and _same_instant(item.get(key), want.get(key)):
                item = {**item, key: want[key]}
            schemas.append(item)
        out["schemas"] = schemas
    return out


def align_filter(live: Mapping[str, Any], desired: Mapping[str, Any] | None) -> dict[str, Any]:
    """A live filter without the label / field_id the server computed where the file's filter has none."""
    out = dict(live)
    if desired is None:
        return out
    if "label" not in desired:
        out.pop("label", None)
    if "field" in desired and "field_id" not in desired:
        out.pop("field_id", None)
    return out


# ---- ignore_changes -----------------------------------------------------------------------


def _is_override(item: Any) -> bool:
    return isinstance(item, Mapping) and "override_value" in item


def carry(kind: Kind, body: dict[str, Any], live: Mapping[str, Any], path: str, live_path: str) -> None:
    """Put the live value of an ignored ``path`` (read at ``live_path``) into the update body, in place.

    The API returns ``override_fields`` merged into ``fields`` (and a file may write them there
    too): ignoring ``fields`` carries the live fields and keeps the file's override entries,
    ignoring ``override_fields`` carries the live overrides and drops the file's, so that they
    are neither deleted nor sent twice.
    """
    listed = body.get("fields") if isinstance(body.get("fields"), list) else []
    value = carried_value(kind, live, live_path)
    if kind == "ModelSync" and path == "fields":
        value = (value or []) + [f for f in listed if _is_override(f)]
    if kind == "ModelSync" and path == "override_fields" and listed:
        body["fields"] = [f for f in listed if not _is_override(f)]
    if value is None:
        paths.remove(body, path)
    else:
        paths.put(body, path, value)


def carried_value(kind: Kind, live: Mapping[str, Any], path: str) -> Any:
    """The live value an ignored ``path`` keeps in the update body (None: the key is left out).

    In a model sync, ``fields`` and ``override_fields`` are each only their own entries of the
    merged live ``fields``. Carried filters keep their labels, which a ``filter_logic`` names.
    """
    current = request_body_from_live(kind, live)
    if kind == "ModelSync" and path in ("fields", "override_fields"):
        wanted = path == "override_fields"
        items = [f for f in current.get("fields") or [] if _is_override(f) == wanted]
        return items or None
    if kind == "ModelSync" and path == "filters" and isinstance(live.get("filters"), list):
        return [_request_filter(f, True) for f in live["filters"]] or None
    return paths.get(current, path, paths.get(live_request(kind, live), path))


def drop_ignored(kind: Kind, view_: dict[str, Any], path: str) -> None:
    """Remove an ignored ``path`` from a comparable view (in place); in a model-sync view the
    override fields live inside ``fields``, so ignoring either list drops only its entries."""
    if kind == "ModelSync" and path in ("fields", "override_fields") and isinstance(view_.get("fields"), list):
        keep_overrides = path == "fields"
        view_["fields"] = [f for f in view_["fields"] if _is_override(f) == keep_overrides]
        return
    paths.remove(view_, path)


def with_live_labels(kind: Kind, body: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The update body with each unlabeled filter given the label of the same live filter.

    Without a ``filter_logic`` a label means nothing to the filters, so the file need not say
    it; but the server labels unlabeled filters by position, so an update sending the filters in
    another order would relabel them. (Under a logic, labels are the file's business: an
    unlabeled filter's position is its label.)
    """
    filters, live_filters = body.get("filters"), live.get("filters")
    if kind != "ModelSync" or str(body.get("filter_logic") or "").strip():
        return body
    if not isinstance(filters, list) or not isinstance(live_filters, list):
        return body
    pool = [(_sort_key(_request_filter(f, False)), f.get("label")) for f in live_filters if isinstance(f, Mapping)]
    used = {f.get("label") for f in filters if isinstance(f, Mapping)}
    out = []
    for item in filters:
        if isinstance(item, Mapping) and item.get("label") is None:
            wanted = _sort_key(_request_filter(item, False))
            found = next((i for i, (k, label) in enumerate(pool) if k == wanted and label and label not in used), None)
            if found is not None:
                label = pool.pop(found)[1]
                used.add(label)
                item = {**item, "label": label}
        out.append(item)
    return {**body, "filters": out}


def with_schedule_ids(kind: Kind, body: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The update body with each additional schedule the live sync already has (same settings)
    naming that schedule's id, so that an update keeps it rather than replacing it by a new one."""
    wanted, have = body.get("additional_schedules"), live.get("additional_schedules")
    if kind != "BulkSync" or not isinstance(wanted, list) or not isinstance(have, list):
        return body
    pool = [(_sort_key(_additional(s)), s.get("id")) for s in have if isinstance(s, Mapping) and s.get("id")]
    out = []
    for item in wanted:
        if isinstance(item, Mapping) and "id" not in item:
            found = next((i for i, (k, _) in enumerate(pool) if k == _sort_key(_additional(item))), None)
            if found is not None:
                item = {**item, "id": pool.pop(found)[1]}
        out.append(item)
    return {**body, "additional_schedules": out}


# ---- live object -> request body ----------------------------------------------------------


def request_body_from_live(kind: Kind, live: Mapping[str, Any]) -> dict[str, Any]:
    """Project a live object (GET shape; a bulk sync may carry ``schemas`` from the schemas endpoint)
    onto the create request, leaving out server-computed values and defaults."""
    return _model_request(live) if kind == "ModelSync" else _bulk_request(live)


def live_request(kind: Kind, live: Mapping[str, Any]) -> dict[str, Any]:
    """The live object as a request body keeping computed values (for comparison)."""
    keys = MODEL_REQUEST_KEYS if kind == "ModelSync" else BULK_REQUEST_KEYS
    out = {k: live[k] for k in keys if k in live}
    if kind == "BulkSync":
        if "schemas" in live:
            out["schemas"] = [_live_schema(s) for s in live["schemas"] or []
                              if isinstance(s, Mapping) and s.get("enabled") and s.get("id")]
    return out


def _live_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A selected live schema as a request item keeping every field's settings (when they were read)."""
    out: dict[str, Any] = {"id": schema["id"], **{k: schema[k] for k in SCHEMA_CONFIG_KEYS if k in schema}}
    if isinstance(schema.get("fields"), list):
        out["fields"] = [{"id": f["id"], "enabled": bool(f.get("enabled")), "obfuscate": bool(f.get("obfuscated"))}
                         for f in schema["fields"] if isinstance(f, Mapping) and isinstance(f.get("id"), str)]
    if schema.get("filters"):
        out["filters"] = list(schema["filters"])
    return out


def _model_request(live: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: live[k] for k in MODEL_REQUEST_KEYS if k in live}
    body.pop("organization_id", None)
    body.pop("encryption_passphrase", None)
    for key, default in MODEL_DEFAULTS.items():
        if key in body and (body[key] == default or is_empty(body[key])):
            del body[key]
    keep_labels = bool(str(live.get("filter_logic") or "").strip())
    if isinstance(body.get("fields"), list):
        body["fields"] = [_without_defaults(f, FIELD_DEFAULTS) for f in body["fields"]]
    if isinstance(body.get("filters"), list):
        body["filters"] = [_request_filter(f, keep_labels) for f in body["filters"]]
    if isinstance(body.get("schedule"), Mapping):
        body["schedule"] = {k: v for k, v in body["schedule"].items() if v is not None}
    if isinstance(body.get("identity"), Mapping):
        body["identity"] = _without_defaults(body["identity"], {"new_field": False})
    if isinstance(body.get("target"), Mapping):
        target = {k: v for k, v in body["target"].items() if k != "create" and not is_empty(v)}
        body["target"] = target
    return body


def _request_filter(item: Any, keep_label: bool) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = dict(item)
    if out.get("field_type") == "Model":
        out.pop("field_type")
    if "field" in out:
        out.pop("field_id", None)
    if not keep_label:
        out.pop("label", None)
    return out


def _without_defaults(item: Any, defaults: Mapping[str, Any]) -> Any:
    if not isinstance(item, Mapping):
        return item
    return {k: v for k, v in item.items() if not (k in defaults and v == defaults[k])}


def _bulk_request(live: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: live[k] for k in BULK_REQUEST_KEYS if k in live and k != "schemas"}
    body.pop("organization_id", None)
    for key, default in BULK_DEFAULTS.items():
        if key in body and (body[key] == default or body[key] is None):
            del body[key]
    if isinstance(body.get("default_schedule"), Mapping):
        body["default_schedule"] = {k: v for k, v in body["default_schedule"].items() if k in BULK_SCHEDULE_KEYS and v is not None}
    if isinstance(body.get("additional_schedules"), list):
        body["additional_schedules"] = [
            {k: v for k, v in s.items() if k in BULK_ADDITIONAL_KEYS and v is not None} if isinstance(s, Mapping) else s
            for s in body["additional_schedules"]
        ]
    listing = live.get("schemas")
    if isinstance(listing, list):
        items = [s for s in listing if isinstance(s, Mapping) and s.get("id")]
        if not all(s.get("enabled") for s in items) or any(_schema_config(s) for s in items):
            body["schemas"] = [
                ({"id": s["id"], **_schema_config(s)} if _schema_config(s) else s["id"])
                for s in items if s.get("enabled")
            ]
    return body


def _schema_config(item: Mapping[str, Any]) -> dict[str, Any]:
    """A live schema's non-default settings as request keys (``fields`` only when not all enabled)."""
    out = {k: item[k] for k in SCHEMA_CONFIG_KEYS if item.get(k) not in (None, "", False)}
    fields = [f for f in item.get("fields") or [] if isinstance(f, Mapping) and isinstance(f.get("id"), str)]
    if any(not f.get("enabled") or f.get("obfuscated") for f in fields):
        enabled = [f for f in fields if f.get("enabled")]
        out["fields"] = ([f["id"] if not f.get("obfuscated") else {"id": f["id"], "obfuscate": True} for f in enabled]
                         or [{"id": f["id"], "enabled": False} for f in fields])
    if item.get("filters"):
        out["filters"] = [dict(f) for f in item["filters"] if isinstance(f, Mapping)]
    return out
