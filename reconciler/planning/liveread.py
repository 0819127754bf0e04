"""Read-side cleaning: a live object (``GET`` shape) projected onto the create request.

:func:`request_body_from_live` leaves out server-computed values and defaults (``export`` writes
it, and planning right after an export is empty); :func:`live_request` keeps computed values, for
comparison. The per-kind shape is the kind's ``request_from_live`` hook (:mod:`reconciler.kinds`).
"""

from __future__ import annotations

from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from typing import Any, Callable

from reconciler import kinds
from reconciler.kinds.base import SyncKind
from reconciler.planning.views import (BULK_ADDITIONAL_KEYS, BULK_SCHEDULE_KEYS, FIELD_DEFAULTS, SCHEMA_CONFIG_KEYS,
                                       is_empty)


def request_body_from_live(kind: str, live: Mapping[str, Any]) -> dict[str, Any]:
    """Project a live object (GET shape; a bulk sync may carry ``schemas`` from the schemas endpoint)
    onto the create request, leaving out server-computed values and defaults."""
    spec = kinds.get(kind)
    return spec.request_from_live(spec, live)


def live_request(kind: str, live: Mapping[str, Any]) -> dict[str, Any]:
    """The live object as a request body keeping computed values (for comparison)."""
    spec = kinds.get(kind)
    out = {k: live[k] for k in spec.request_keys if k in live}
    if spec.schema_selection and "schemas" in live:
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


def _drop_defaults(spec: SyncKind, body: dict[str, Any], is_default: Callable[[Any, Any], bool]) -> None:
    """Leave out (in place) what no request sets: the organisation, secrets, and values equal to the defaults."""
    body.pop("organization_id", None)
    for key in spec.always_sensitive:
        body.pop(key, None)
    for key, default in spec.defaults.items():
        if key in body and is_default(body[key], default):
            del body[key]


def model_request(spec: SyncKind, live: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: live[k] for k in spec.request_keys if k in live}
    _drop_defaults(spec, body, lambda value, default: value == default or is_empty(value))
    if isinstance(body.get("fields"), list):
        body["fields"] = [_without_defaults(f, FIELD_DEFAULTS) for f in body["fields"]]
    if isinstance(body.get("filters"), list):
        keep_labels = bool(str(live.get("filter_logic") or "").strip())
        body["filters"] = [request_filter(f, keep_labels) for f in body["filters"]]
    _model_settings(body)
    return body


def _model_settings(body: dict[str, Any]) -> None:
    """Schedule, identity and target of a model-sync request body without unset values or defaults (in place)."""
    if isinstance(body.get("schedule"), Mapping):
        body["schedule"] = {k: v for k, v in body["schedule"].items() if v is not None}
    if isinstance(body.get("identity"), Mapping):
        body["identity"] = _without_defaults(body["identity"], {"new_field": False})
    if isinstance(body.get("target"), Mapping):
        body["target"] = {k: v for k, v in body["target"].items() if k != "create" and not is_empty(v)}


def request_filter(item: Any, keep_label: bool) -> Any:
    """A live filter as a request item: computed ``field_type``/``field_id`` (and the label) left out."""
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


def bulk_request(spec: SyncKind, live: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: live[k] for k in spec.request_keys if k in live and k != "schemas"}
    _drop_defaults(spec, body, lambda value, default: value == default or value is None)
    if isinstance(body.get("default_schedule"), Mapping):
        body["default_schedule"] = _set_keys(body["default_schedule"], BULK_SCHEDULE_KEYS)
    if isinstance(body.get("additional_schedules"), list):
        body["additional_schedules"] = [_set_keys(s, BULK_ADDITIONAL_KEYS) if isinstance(s, Mapping) else s
                                        for s in body["additional_schedules"]]
    schemas = _selection(live.get("schemas"))
    if schemas is not None:
        body["schemas"] = schemas
    return body


def _set_keys(item: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """The request ``keys`` of ``item`` that are set."""
    return {k: v for k, v in item.items() if k in keys and v is not None}


def _selection(listing: Any) -> list[Any] | None:
    """The ``schemas`` request value of a live schema listing; None when every schema is selected
    with default settings (what a request without ``schemas`` asks for) or nothing was read."""
    if not isinstance(listing, list):
        return None
    items = [s for s in listing if isinstance(s, Mapping) and s.get("id")]
    if all(s.get("enabled") for s in items) and not any(_schema_config(s) for s in items):
        return None
    return [({"id": s["id"], **_schema_config(s)} if _schema_config(s) else s["id"]) for s in items if s.get("enabled")]
def _field_selection(fields: list[Mapping[str, Any]]) -> list[Any]:
    """A live schema's fields as a request's field list: the enabled ones (obfuscated ones as
    objects), or every field disabled when none is enabled."""
    enabled = [f for f in fields if f.get("enabled")]
    return ([f["id"] if not f.get("obfuscated") else {"id": f["id"], "obfuscate": True} for f in enabled]
            or [{"id": f["id"], "enabled": False} for f in fields])


def _schema_config(item: Mapping[str, Any]) -> dict[str, Any]:
    """A live schema's non-default settings as request keys (``fields`` only when not all enabled)."""
    out = {k: item[k] for k in SCHEMA_CONFIG_KEYS if item.get(k) not in (None, "", False)}
    fields = [f for f in item.get("fields") or [] if isinstance(f, Mapping) and isinstance(f.get("id"), str)]
    if any(not f.get("enabled") or f.get("obfuscated") for f in fields):
        out["fields"] = _field_selection(fields)
    if item.get("filters"):
        out["filters"] = [dict(f) for f in item["filters"] if isinstance(f, Mapping)]
    return out