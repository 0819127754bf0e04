"""Comparable views: a create-request body in the form two bodies are compared in.

:func:`view` fills in the API defaults, removes write-only values, merges ``override_fields`` into
``fields`` (as the server returns them), sorts what has no order and drops empty values (null,
missing and empty list are alike). The per-kind shape is the kind's ``view`` hook
(:mod:`reconciler.kinds`); the unordered lists are compared as multisets by
:mod:`reconciler.planning.diff`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler import kinds
from reconciler.definitions.semantic import label_sequence
from reconciler.kinds.base import SyncKind

FIELD_DEFAULTS: dict[str, Any] = {"new": False, "encryption_enabled": False}
SCHEDULE_DEFAULTS: dict[str, Any] = {"frequency": "manual"}
BULK_SCHEDULE_KEYS = ("connection_id", "day_of_month", "day_of_week", "frequency", "hour", "job_id", "minute", "month",
                      "run_after", "run_after_success_only")
BULK_ADDITIONAL_KEYS = (*BULK_SCHEDULE_KEYS, "resync_mode", "schemas", "selective_mode")
SCHEMA_CONFIG_KEYS = ("partition_key", "tracking_field", "data_cutoff_timestamp", "disable_data_cutoff")


def is_empty(value: Any) -> bool:
    """null, missing and empty list/object are the same thing."""
    return value is None or value == [] or value == {}


# Walked values are JSON/YAML data, plain dicts and lists: isinstance(x, dict) costs a fraction of an ABC check.
def clean(value: Any) -> Any:
    """Recursively drop empty values from mappings (lists keep their items)."""
    if isinstance(value, dict):
        return {k: clean(v) if isinstance(v, (dict, list)) else v for k, v in value.items()
                if v is not None and v != [] and v != {}}  # (is_empty, spelled out: the hottest loop of a plan)
    if isinstance(value, list):
        return [clean(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def view(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable form of a create-request body: defaults in, write-only out, empties dropped."""
    spec = kinds.get(kind)
    return spec.view(spec, body)


def _with_defaults(spec: SyncKind, body: Mapping[str, Any]) -> dict[str, Any]:
    """The request keys of ``body`` with the kind's defaults where a key is missing or null."""
    out: dict[str, Any] = {k: body[k] for k in spec.request_keys if k in body}
    for key, default in spec.defaults.items():
        if out.get(key) is None:
            out[key] = default
    out["policies"] = sorted(str(p) for p in out["policies"] or [])
    return out


def model_view(spec: SyncKind, body: Mapping[str, Any]) -> dict[str, Any]:
    out = _with_defaults(spec, body)
    for key in spec.always_sensitive:
        out.pop(key, None)
    out.pop("override_fields", None)
    fields = list(body.get("fields") or []) + list(body.get("override_fields") or [])
    out["fields"] = [{**FIELD_DEFAULTS, **item} if isinstance(item, Mapping) else item for item in fields]
    out["filters"] = _model_filters(out)
    schedule = body.get("schedule")
    if isinstance(schedule, Mapping):
        out["schedule"] = _model_schedule(schedule)
    target = body.get("target")
    if isinstance(target, Mapping):
        out["target"] = {k: v for k, v in target.items() if k != "create"}
    identity = body.get("identity")
    if isinstance(identity, Mapping):
        new_field = identity.get("new_field")
        out["identity"] = {**identity, "new_field": False if new_field is None else new_field}
    return clean(out)
def _model_filters(out: Mapping[str, Any]) -> list[Any]:
    """The filters with their default ``field_type``, labeled as the server labels them under a logic."""
    filters = [_filter_type(f) for f in out["filters"] or []]
    return implied_labels(filters) if str(out.get("filter_logic") or "").strip() else filters


def _model_schedule(schedule: Mapping[str, Any]) -> dict[str, Any]:
    sched = {**SCHEDULE_DEFAULTS, **schedule}
    if sched.get("frequency") is None:
        sched["frequency"] = "manual"
    return _sorted_run_after(sched)


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


def bulk_view(spec: SyncKind, body: Mapping[str, Any]) -> dict[str, Any]:
    out = _with_defaults(spec, body)
    schedule = body.get("default_schedule")
    if isinstance(schedule, Mapping):
        out["default_schedule"] = _sorted_run_after({k: schedule[k] for k in BULK_SCHEDULE_KEYS if k in schedule})
    out["additional_schedules"] = [schedule_item(s) for s in out["additional_schedules"] or []]
    if body.get("schemas") is not None:
        out["schemas"] = selected_schemas(body["schemas"])
    return clean(out)
def schedule_item(item: Any) -> Any:
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
            entry["filters"] = sorted(config["filters"], key=sort_key)
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


def sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
