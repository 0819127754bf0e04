"""Alignment of a live view to the file: what the server computes and the file does not set is
dropped from the live view, and equal values written another way are written the file's way
(``filters[].label``, ``identity.remote_field_type_id``, ``target.configuration`` defaults, a bulk
sync's schema fields and cutoff instants, ...)."""

from __future__ import annotations

from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from datetime import datetime
from typing import Any

from reconciler import kinds
from reconciler.planning.views import selected_schemas

# target.configuration defaults per connection type (merged under the request's keys by the server).
TARGET_CONFIGURATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "salesforce": {"ingestion_api": "bulk"},
    "s3": {"format": "csv"},
}


def align_schemas(desired_view: Mapping[str, Any],
                  live_view: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
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
        schemas.append(item if match is None else _over_live_fields(item, match.get("fields")))
    desired["schemas"] = schemas
    return desired, live


def _over_live_fields(item: Mapping[str, Any], known: Any) -> dict[str, Any]:
    """A desired schema with its ``fields`` expanded over the live schema's ``known`` fields."""
    out = dict(item)
    if not isinstance(known, Mapping):
        out.pop("fields", None)
        return out
    wanted = out.get("fields")
    off = {"enabled": False, "obfuscated": False}
    if not isinstance(wanted, Mapping):
        out["fields"] = {f: {"enabled": True, "obfuscated": False} for f in known}
    else:
        expanded = {f: wanted.get(f, off) for f in known}
        expanded.update({f: v for f, v in wanted.items() if f not in known and v != off})
        out["fields"] = expanded
    return out


def default_schemas(kind: str, body: Mapping[str, Any], live: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The selection a bulk-sync body without ``schemas`` asks for: every schema the source offers.

    Known from the live schema listing when the body keeps the live source connection; None when
    it cannot be known (another source, or no listing read).
    """
    if not kinds.get(kind).schema_selection or body.get("schemas") is not None:
        return None
    if not isinstance(live.get("schemas"), list):
        return None
    if body.get("source_connection_id") != live.get("source_connection_id"):
        return None
    return selected_schemas([s["id"] for s in live["schemas"] if isinstance(s, Mapping) and s.get("id")])


def align_live(
    kind: str,
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
        out["target"] = _aligned_target(target, want_target, configuration_defaults or {})
    return out


def _aligned_target(target: Mapping[str, Any], want_target: Mapping[str, Any],
                    configuration_defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The live target without the object a ``create`` made and the configuration defaults the file does not set."""
    out = dict(target)
    if "object" not in want_target and "create" in want_target:
        out.pop("object", None)
    if not isinstance(out.get("configuration"), (Mapping, type(None))):
        return out  # not a map (stored by hand): compared as it is
    config = dict(out.get("configuration") or {})
    wanted_config = want_target.get("configuration")
    wanted_config = wanted_config if isinstance(wanted_config, Mapping) else {}
    for key, value in configuration_defaults.items():
        if key not in wanted_config and config.get(key) == value:
            config.pop(key)
    if config:
        out["configuration"] = config
    else:
        out.pop("configuration", None)
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


def align_timestamps(kind: str, desired_view: Mapping[str, Any], live_view: Mapping[str, Any]) -> dict[str, Any]:
    """The live view with each ``data_cutoff_timestamp`` naming the same instant as the file's written
    the file's way (``2025-01-01T00:00:00Z`` is ``2025-01-01T00:00:00+00:00``)."""
    out = dict(live_view)
    if not kinds.get(kind).schema_selection:
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
