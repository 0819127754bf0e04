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

from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from datetime import datetime
from typing import Any

from reconciler.definitions.model import Kind
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
BULK_SCHEDULE_KEYS = ("day_of_month", "day_of_week", "frequency", "hour", "minute", "month")
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
    out["filters"] = [{"field_type": "Model", **item} if isinstance(item, Mapping) else item for item in out["filters"] or []]
    out["filters"] = [_filter_type(f) for f in out["filters"]]
    if str(out.get("filter_logic") or "").strip():
        out["filters"] = implied_labels(out["filters"])
    schedule = body.get("schedule")
    if isinstance(schedule, Mapping):
        sched = {**SCHEDULE_DEFAULTS, **schedule}
        if sched.get("frequency") is None:
            sched["frequency"] = "manual"
        run_after = sched.get("run_after")
        if isinstance(run_after, Mapping):
            sched["run_after"] = {k: sorted(v) if isinstance(v, list) else v for k, v in run_after.items()}
        out["schedule"] = sched
    target = body.get("target")
    if isinstance(target, Mapping):
        out["target"] = {k: v for k, v in target.items() if k != "create"}
        config = target.get("configuration")
        out["target"]["configuration"] = dict(config) if isinstance(config, Mapping) else config  # not a map: edited by hand
    identity = body.get("identity")
    if isinstance(identity, Mapping):
        out["identity"] = {"new_field": False, **identity}
        if out["identity"].get("new_field") is None:
            out["identity"]["new_field"] = False
    return clean(out)


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
        out["default_schedule"] = {k: schedule[k] for k in BULK_SCHEDULE_KEYS if k in schedule}
    out["additional_schedules"] = [_additional(s) for s in out["additional_schedules"] or []]
    if body.get("schemas") is not None:
        out["schemas"] = selected_schemas(body["schemas"])
    else:
        out.pop("schemas", None)
    return clean(out)


def _additional(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = {k: item[k] for k in BULK_ADDITIONAL_KEYS if k in item}
    if isinstance(out.get("schemas"), list):
        out["schemas"] = sorted(out["schemas"])
    return out


def selected_schemas(items: Any) -> list[dict[str, Any]]:
    """A bulk ``schemas`` request value as the selected schemas with their readable configuration.

    Per-schema ``fields``/``filters`` cannot be read back and are not compared.
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
        out.append(entry)
    return out


def live_schemas(listing: Any) -> list[dict[str, Any]]:
    """The selected schemas from ``GET /api/bulk/syncs/{id}/schemas`` items."""
    return selected_schemas([item for item in listing or [] if isinstance(item, Mapping) and item.get("enabled")])


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
    if kind == "BulkSync":
        return out
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
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
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
            out["schemas"] = [
                {"id": s["id"], **{k: s[k] for k in SCHEMA_CONFIG_KEYS if k in s}}
                for s in live["schemas"] or [] if isinstance(s, Mapping) and s.get("enabled") and s.get("id")
            ]
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
    if isinstance(listing, list) and listing:
        items = [s for s in listing if isinstance(s, Mapping) and s.get("id")]
        if not all(s.get("enabled") for s in items) or any(_schema_config(s) for s in items):
            body["schemas"] = [
                ({"id": s["id"], **_schema_config(s)} if _schema_config(s) else s["id"])
                for s in items if s.get("enabled")
            ]
    return body


def _schema_config(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in SCHEMA_CONFIG_KEYS if item.get(k) not in (None, "", False)}
