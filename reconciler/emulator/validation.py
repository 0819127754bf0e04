"""Hand-written request validation: the emulator's own reading of the API's request schemas.

Deliberately independent of the client's `schemas/` folder. Every problem is reported with its
field path (`fields[0].source.model_id`). Unknown keys are rejected at every object level the
API defines (free-form maps such as `target.configuration` accept any key); `null` is accepted
only where the API's schema allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from reconciler.emulator.errors import invalid
from reconciler.emulator.store import Store

Problems = list[tuple[str, str]]

RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")

MODEL_SYNC_MODES = ["create", "update", "updateOrCreate", "replace", "append", "remove", "snapshot"]
MODES_NEEDING_IDENTITY = ("update", "updateOrCreate", "remove")
FREQUENCIES = ["manual", "continuous", "hourly", "daily", "weekly", "custom", "builder",
               "runafter", "multi", "dbtcloud"]
FILTER_FUNCTIONS = [
    "Equality", "Inequality", "IsNull", "IsNotNull", "True", "False", "OnOrAfter", "OnOrBefore",
    "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual", "StringContains",
    "StringStartsWith", "StringEndsWith", "StringDoesNotContain", "StringDoesNotStartWith",
    "StringDoesNotEndWith", "StringOneOf", "StringNotOneOf", "Between", "ArrayContains",
    "ArrayDoesNotContain", "InTheLast", "RelativeOnOrBefore", "RelativeOnOrAfter", "StringLike",
    "StringNotLike", "StringMatchesTrimmed"]
IDENTITY_FUNCTIONS = ["Equality", "ISubstring", "OneOf", "DomainMatch", "HostnameMatch"]
FILTER_FIELD_TYPES = ["Model", "Target"]
BULK_MODES = ["snapshot", "replicate"]
BULK_DISCOVER = ["all", "onlyIncremental", "onlyNonIncremental", "none"]
BULK_NORMALIZE = ["enabled", "disabled", "legacy"]
BULK_RESYNC_MODES = ["normal", "refetch", "resync", "rebuild"]
BULK_SELECTIVE_MODES = ["none", "incrementalFields", "nonincrementalFields"]


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_datetime(value: Any) -> bool:
    """An RFC 3339 date-time with an offset (what the API's ``format: date-time`` means)."""
    if not isinstance(value, str) or not RFC3339_RE.match(value):
        return False
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return False
    return parsed.tzinfo is not None


# -- a tiny schema language -------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One schema node: `kind` is str|bool|int|any|array|object|map|oneof."""

    kind: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    fmt: str | None = None
    item: Spec | None = None
    props: dict[str, Spec] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    options: tuple[Spec, ...] = ()


def Str(*, nullable: bool = False, enum: list[str] | None = None, fmt: str | None = None) -> Spec:  # noqa: N802
    return Spec("str", nullable=nullable, enum=tuple(enum) if enum else None, fmt=fmt)


def Bool(*, nullable: bool = False) -> Spec:  # noqa: N802
    return Spec("bool", nullable=nullable)


def Int(*, nullable: bool = False) -> Spec:  # noqa: N802
    return Spec("int", nullable=nullable)


ANY = Spec("any", nullable=True)
UUID = Str(fmt="uuid")


def Arr(item: Spec, *, nullable: bool = False) -> Spec:  # noqa: N802
    return Spec("array", nullable=nullable, item=item)


def Obj(props: dict[str, Spec], required: tuple[str, ...] = (), *, nullable: bool = False) -> Spec:  # noqa: N802
    return Spec("object", nullable=nullable, props=props, required=frozenset(required))


def Map(value: Spec, *, nullable: bool = False) -> Spec:  # noqa: N802
    return Spec("map", nullable=nullable, item=value)


def OneOf(*options: Spec) -> Spec:  # noqa: N802
    return Spec("oneof", options=options)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_TYPE_NAMES = {"str": "a string", "bool": "a boolean", "int": "an integer", "array": "an array",
               "object": "an object", "map": "an object"}


def check(value: Any, spec: Spec, path: str = "") -> Problems:
    """Every problem of `value` against `spec`, with field paths."""
    if value is None:
        if spec.nullable or spec.kind == "any":
            return []
        return [(path, f"must be {_TYPE_NAMES.get(spec.kind, 'a value')}, not null")]
    if spec.kind == "any":
        return []
    if spec.kind == "oneof":
        return _check_one_of(value, spec, path)
    if not _type_ok(value, spec):
        return [(path, f"must be {_TYPE_NAMES[spec.kind]}")]
    checker = _CHECKERS.get(spec.kind)
    return checker(value, spec, path) if checker is not None else []


def _check_one_of(value: Any, spec: Spec, path: str) -> Problems:
    for option in spec.options:
        if _type_ok(value, option):
            return check(value, option, path)
    return [(path, "must be " + " or ".join(_TYPE_NAMES[o.kind] for o in spec.options))]


def _check_str(value: str, spec: Spec, path: str) -> Problems:
    if spec.enum is not None and value not in spec.enum:
        return [(path, f"must be one of: {', '.join(spec.enum)} (got {value!r})")]
    if spec.fmt == "uuid" and not is_uuid(value):
        return [(path, f"must be a UUID (got {value!r})")]
    if spec.fmt == "date-time" and not is_datetime(value):
        return [(path, f"must be an RFC 3339 date-time (got {value!r})")]
    return []


def _check_array(value: list[Any], spec: Spec, path: str) -> Problems:
    assert spec.item is not None
    problems: Problems = []
    for i, item in enumerate(value):
        problems += check(item, spec.item, f"{path}[{i}]")
    return problems


def _check_map(value: dict[str, Any], spec: Spec, path: str) -> Problems:
    assert spec.item is not None
    problems: Problems = []
    for key, item in value.items():
        problems += check(item, spec.item, _join(path, key))
    return problems


def _check_object(value: dict[str, Any], spec: Spec, path: str) -> Problems:
    problems: Problems = [(_join(path, key), "is required") for key in sorted(spec.required - value.keys())]
    for key, item in value.items():
        sub = spec.props.get(key)
        if sub is None:
            problems.append((_join(path, key), "unknown field"))
        else:
            problems += check(item, sub, _join(path, key))
    return problems


_CHECKERS: dict[str, Callable[[Any, Spec, str], Problems]] = {
    "str": _check_str, "array": _check_array, "map": _check_map, "object": _check_object,
}


def _type_ok(value: Any, spec: Spec) -> bool:
    kind = spec.kind
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind in ("object", "map"):
        return isinstance(value, dict)
    return True


def require(value: Any, spec: Spec) -> None:
    """Raise the API's 400 when `value` does not match `spec`."""
    problems = check(value, spec)
    if problems:
        raise invalid(problems, 400)


# -- the request schemas -----------------------------------------------------------------------

SOURCE = Obj({"field": Str(), "model_id": UUID}, ("field", "model_id"))
SYNC_FIELD = Obj({"encryption_enabled": Bool(), "new": Bool(), "override_value": Str(),
                  "source": SOURCE, "sync_mode": Str(), "target": Str()}, ("target",))
FILTER = Obj({"field": SOURCE, "field_id": Str(), "field_type": Str(enum=FILTER_FIELD_TYPES),
              "function": Str(enum=FILTER_FUNCTIONS), "label": Str(), "value": ANY}, ("function",))
IDENTITY = Obj({"function": Str(enum=IDENTITY_FUNCTIONS), "new_field": Bool(),
                "remote_field_type_id": Str(nullable=True), "source": SOURCE, "target": Str()},
               ("function", "source", "target"))
OVERRIDE = Obj({"field": SOURCE, "field_id": Str(), "function": Str(enum=FILTER_FUNCTIONS),
                "override": ANY, "value": ANY})
RUN_AFTER = Obj({"bulk_sync_ids": Arr(UUID), "sync_ids": Arr(UUID)})
SCHEDULE = Obj({"connection_id": UUID, "day_of_month": Str(nullable=True),
                "day_of_week": Str(nullable=True), "frequency": Str(enum=FREQUENCIES),
                "hour": Str(nullable=True), "job_id": Int(nullable=True),
                "minute": Str(nullable=True), "month": Str(nullable=True), "run_after": RUN_AFTER,
                "run_after_success_only": Bool(nullable=True)})
TARGET = Obj({"configuration": Map(ANY), "connection_id": UUID, "create": Map(Str()),
              "filter_logic": Str(), "new_name": Str(), "object": Str(),
              "search_values": Map(ANY)}, ("connection_id",))

#: CreateSyncRequest and UpdateSyncRequest (identical in 2025-09-18).
SYNC_REQUEST = Obj({
    "active": Bool(), "encryption_passphrase": Str(), "fields": Arr(SYNC_FIELD),
    "filter_logic": Str(), "filters": Arr(FILTER, nullable=True), "identity": IDENTITY,
    "mode": Str(enum=MODEL_SYNC_MODES), "name": Str(), "only_enrich_updates": Bool(),
    "organization_id": Str(nullable=True, fmt="uuid"),
    "override_fields": Arr(SYNC_FIELD, nullable=True), "overrides": Arr(OVERRIDE, nullable=True),
    "policies": Arr(UUID, nullable=True), "schedule": SCHEDULE, "skip_initial_backfill": Bool(),
    "sync_all_records": Bool(), "target": TARGET,
}, ("fields", "mode", "name", "schedule", "target"))

ACTIVATE_REQUEST = Obj({"active": Bool()}, ("active",))
START_REQUEST = Obj({"identities": Arr(Str(), nullable=True), "resync": Bool(), "test": Bool()})

_SCHEDULE_TIMES = {"day_of_month": Str(), "day_of_week": Str(), "frequency": Str(enum=FREQUENCIES),
                   "hour": Str(), "id": UUID, "minute": Str(), "month": Str()}
# What `runafter` and `dbtcloud` schedules need (the bulk request schemas do not list them, but the
# frequencies are documented for bulk syncs too): accepted, never required of a bulk schedule.
_SCHEDULE_TRIGGERS = {"connection_id": UUID, "job_id": Int(nullable=True), "run_after": RUN_AFTER,
                      "run_after_success_only": Bool(nullable=True)}
BULK_DEFAULT_SCHEDULE = Obj({**_SCHEDULE_TIMES, **_SCHEDULE_TRIGGERS}, ("frequency",))
BULK_ADDITIONAL_SCHEDULE = Obj({**_SCHEDULE_TIMES, **_SCHEDULE_TRIGGERS, "resync_mode": Str(enum=BULK_RESYNC_MODES),
                                "schemas": Arr(Str()),
                                "selective_mode": Str(enum=BULK_SELECTIVE_MODES)}, ("frequency",))
FIELD_CONFIGURATION = Obj({"enabled": Bool(nullable=True), "id": Str(),
                           "obfuscate": Bool(nullable=True)})
BULK_FILTER = Obj({"field_id": Str(), "function": Str(enum=FILTER_FUNCTIONS), "value": ANY},
                  ("function",))
SCHEMA_CONFIGURATION = Obj({
    "data_cutoff_timestamp": Str(nullable=True, fmt="date-time"),
    "disable_data_cutoff": Bool(nullable=True), "enabled": Bool(nullable=True),
    "fields": Arr(OneOf(Str(), FIELD_CONFIGURATION)), "filters": Arr(BULK_FILTER), "id": Str(),
    "partition_key": Str(nullable=True), "tracking_field": Str(nullable=True)})
UPDATE_BULK_FIELD = Obj({"enabled": Bool(), "id": Str(), "obfuscated": Bool(), "user_output_name": Str()})
#: UpdateBulkSchema (`PUT /api/bulk/syncs/{id}/schemas/{schema_id}`).
UPDATE_BULK_SCHEMA = Obj({
    "data_cutoff_timestamp": Str(nullable=True, fmt="date-time"), "disable_data_cutoff": Bool(),
    "enabled": Bool(), "fields": Arr(UPDATE_BULK_FIELD, nullable=True),
    "filters": Arr(BULK_FILTER, nullable=True), "partition_key": Str(), "tracking_field": Str(),
    "user_output_name": Str()})
BULK_FIELD = Obj({"enabled": Bool(), "id": Str(), "obfuscated": Bool(), "output_name": Str(),
                  "user_output_name": Str()})
#: UpdateBulkSyncSchemasRequest (`PATCH /api/bulk/syncs/{id}/schemas`): BulkSchema items.
BULK_SCHEMA_PATCH = Obj({"schemas": Arr(Obj({
    "data_cutoff_timestamp": Str(nullable=True, fmt="date-time"), "disable_data_cutoff": Bool(),
    "enabled": Bool(), "fields": Arr(BULK_FIELD), "filters": Arr(BULK_FILTER), "id": Str(),
    "output_name": Str(), "partition_key": Str(), "tracking_field": Str(), "user_output_name": Str()}),
    nullable=True)})

#: CreateBulkSyncRequest and UpdateBulkSyncRequest (identical in 2025-09-18).
BULK_SYNC_REQUEST = Obj({
    "active": Bool(nullable=True),
    "additional_schedules": Arr(BULK_ADDITIONAL_SCHEDULE, nullable=True),
    "automatically_add_new_fields": Str(enum=BULK_DISCOVER),
    "automatically_add_new_objects": Str(enum=BULK_DISCOVER),
    "concurrency_limit": Int(nullable=True),
    "data_cutoff_timestamp": Str(nullable=True, fmt="date-time"),
    "default_schedule": BULK_DEFAULT_SCHEDULE, "destination_configuration": Map(ANY),
    "destination_connection_id": UUID, "disable_record_timestamps": Bool(nullable=True),
    "mode": Str(enum=BULK_MODES), "name": Str(), "normalize_names": Str(enum=BULK_NORMALIZE),
    "organization_id": Str(nullable=True, fmt="uuid"), "policies": Arr(UUID, nullable=True),
    "resync_concurrency_limit": Int(nullable=True),
    "schemas": Arr(OneOf(Str(), SCHEMA_CONFIGURATION), nullable=True),
    "source_configuration": Map(ANY, nullable=True), "source_connection_id": UUID,
}, ("default_schedule", "destination_configuration", "destination_connection_id", "mode", "name",
    "source_connection_id"))


# -- schedule rules shared by model and bulk syncs ------------------------------------------------

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


_REQUIRED_BY_FREQUENCY = {"daily": ("hour", "minute"), "weekly": ("hour", "minute", "day_of_week"),
                          "dbtcloud": ("connection_id", "job_id")}


def schedule_problems(schedule: dict[str, Any], path: str) -> Problems:
    """Semantic (422) problems of a schedule: the fields each frequency needs, value ranges."""
    frequency = schedule.get("frequency")
    problems: Problems = [(_join(path, key), f"is required when frequency is {frequency!r}")
                          for key in _REQUIRED_BY_FREQUENCY.get(str(frequency), ())
                          if schedule.get(key) in (None, "")]
    if frequency == "runafter":
        run_after = schedule.get("run_after") or {}
        if not (run_after.get("sync_ids") or run_after.get("bulk_sync_ids")):
            problems.append((_join(path, "run_after"),
                             "needs at least one of sync_ids or bulk_sync_ids when frequency is 'runafter'"))
    if frequency in ("hourly", "daily", "weekly"):
        problems += _time_problems(schedule, path)
    day = schedule.get("day_of_week")
    if day not in (None, "") and day.lower() not in _DAYS:
        problems.append((_join(path, "day_of_week"), f"must be a day name such as 'monday' (got {day!r})"))
    return problems


def _time_problems(schedule: dict[str, Any], path: str) -> Problems:
    """``hour`` and ``minute``, where given: whole numbers in range, written as strings."""
    problems: Problems = []
    for key, low, high in (("hour", 0, 23), ("minute", 0, 59)):
        value = schedule.get(key)
        if value in (None, ""):
            continue
        if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
            problems.append((_join(path, key), f"must be a number from {low} to {high} (got {value!r})"))
    return problems


def run_after_problems(store: Store, org_id: str, schedule: dict[str, Any], path: str,
                       self_id: str | None) -> Problems:
    """Each `run_after` id must be a model sync / bulk sync of the organisation, not the sync itself."""
    problems: Problems = []
    run_after = schedule.get("run_after") or {}
    for key, kind, what in (("sync_ids", "model", "model sync"), ("bulk_sync_ids", "bulk", "bulk sync")):
        ids = run_after.get(key) or []
        if not ids:
            continue
        known = store.sync_ids(kind, org_id)
        for i, sid in enumerate(ids):
            if sid == self_id:
                problems.append((f"{path}.run_after.{key}[{i}]", "a sync cannot run after itself"))
            elif sid not in known:
                problems.append((f"{path}.run_after.{key}[{i}]", f"{what} {sid} not found"))
    return problems
