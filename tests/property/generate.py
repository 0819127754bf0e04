"""Valid create requests for the demo organisation, over every optional field of
``CreateSyncRequest`` and ``CreateBulkSyncRequest`` (enums and key sets read from the OpenAPI
file), and single out-of-band edits of any field.

A value is valid when the emulator (which validates like the API) accepts it; names are unique
per organisation. Strings avoid ``$`` (the ``${`` escape is tested elsewhere) and credential-like
configuration keys (export writes those as placeholders to set).
"""

from __future__ import annotations

import copy
import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hypothesis import strategies as st

from reconciler.emulator.seed import SCHEMA_FIELDS
from reconciler.planning import paths

from tests.support.emulator import (
    ACCOUNTS_MODEL,
    DEMO_ORG_ID,
    EVENTS_MODEL,
    HUBSPOT,
    S3,
    SALESFORCE,
    USERS_MODEL,
    WAREHOUSE,
)

OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "reference" / "polytomic-openapi.json").read_text())
SCHEMAS = OPENAPI["components"]["schemas"]


def enum(name: str) -> list[str]:
    return list(SCHEMAS[name]["enum"])


def properties(name: str) -> set[str]:
    return set(SCHEMAS[name]["properties"])


MODEL_FIELDS = {
    USERS_MODEL: ["id", "email", "first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value",
                  "created_at"],
    ACCOUNTS_MODEL: ["id", "name", "domain", "industry", "employee_count", "arr", "created_at"],
    EVENTS_MODEL: ["id", "user_id", "event_type", "occurred_at", "properties"],
}
#: the fields of each bulk source schema, as the emulator's catalogue lists them (bulksync/source)
BULK_SOURCES = {
    connection: {s: [name for name, _ in SCHEMA_FIELDS[s]] for s in schemas}
    for connection, schemas in ((WAREHOUSE, ("public.users", "public.accounts", "public.events", "public.orders")),
                                (SALESFORCE, ("Account", "Contact", "Lead", "Opportunity")),
                                (HUBSPOT, ("companies", "contacts", "deals")))
}
POLICIES = ["f0000000-0000-4000-8000-00000000000" + str(i) for i in range(1, 4)]
MODES_NEEDING_IDENTITY = ("update", "updateOrCreate", "remove")
LABELS = "ABCDEFGH"

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_.é中ß:#'\"\\/[]{}*&!|>%@`,?", min_size=1, max_size=12)
WORD = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda w: not any(s in w for s in ("pass", "secret", "token", "key", "cred")))
JSON_SCALAR = st.one_of(st.booleans(), st.integers(-1000, 10**6), TEXT,
                        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 3)))
JSON_VALUE = st.one_of(JSON_SCALAR, st.lists(TEXT, min_size=1, max_size=3))
FILTER_FUNCTIONS = enum("FilterFunction")
INSTANT = st.builds(lambda d, h, z: f"2024-{d // 28 + 1:02d}-{d % 28 + 1:02d}T{h:02d}:00:00{z}",
                    st.integers(0, 300), st.integers(0, 23), st.sampled_from(["Z", "+00:00", "+02:00"]))


def maybe(draw: st.DrawFn, body: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set ``key`` now and then (the optional fields are each left out about half the time)."""
    if draw(st.booleans()):
        body[key] = draw(strategy)


def source(model_id: str) -> st.SearchStrategy[dict[str, str]]:
    return st.sampled_from(MODEL_FIELDS[model_id]).map(lambda f: {"model_id": model_id, "field": f})


@st.composite
def schedule(draw: st.DrawFn, anchors: dict[str, list[str]], *, bulk: bool = False) -> dict[str, Any]:
    """A schedule the API accepts for its frequency, with the optional keys now and then.

    Bulk schedules never use ``runafter``/``dbtcloud``: the fields those need are not in the bulk
    request schemas, so a file (whose format is the request's) cannot hold them.
    """
    frequencies = [f for f in enum("ScheduleFrequency") if f != "runafter" or any(anchors.values())]
    if bulk:
        frequencies = [f for f in frequencies if f not in ("runafter", "dbtcloud")]
    out: dict[str, Any] = {"frequency": draw(st.sampled_from(frequencies))}
    hour, minute = st.integers(0, 23).map(str), st.integers(0, 59).map(str)
    frequency = out["frequency"]
    if frequency in ("daily", "weekly"):
        out["hour"], out["minute"] = draw(hour), draw(minute)
    elif frequency == "hourly":
        maybe(draw, out, "minute", minute)
    if frequency == "weekly":
        out["day_of_week"] = draw(st.sampled_from(["monday", "friday", "sunday"]))
    if frequency == "runafter":
        run_after: dict[str, list[str]] = {}
        for key in ("sync_ids", "bulk_sync_ids"):
            if anchors.get(key) and (draw(st.booleans()) or not run_after):
                run_after[key] = draw(st.lists(st.sampled_from(anchors[key]), min_size=1, unique=True))
        if not run_after:
            key = next(k for k in ("sync_ids", "bulk_sync_ids") if anchors.get(k))
            run_after[key] = [anchors[key][0]]
        out["run_after"] = run_after
        maybe(draw, out, "run_after_success_only", st.booleans())
    if frequency == "dbtcloud":
        out["connection_id"], out["job_id"] = WAREHOUSE, draw(st.integers(1, 9999))
    if frequency in ("custom", "builder", "multi"):
        maybe(draw, out, "day_of_month", st.integers(1, 28).map(str))
        maybe(draw, out, "month", st.integers(1, 12).map(str))
    return out


# ---- model syncs ----------------------------------------------------------------------------


@st.composite
def model_sync(draw: st.DrawFn, name: str, anchors: dict[str, list[str]]) -> dict[str, Any]:
    """A CreateSyncRequest: every optional key present now and then."""
    model_id = draw(st.sampled_from([USERS_MODEL, ACCOUNTS_MODEL]))
    targets = draw(st.lists(WORD, min_size=1, max_size=5, unique=True))
    fields = []
    for target in targets[: draw(st.integers(1, min(3, len(targets))))]:
        item: dict[str, Any] = {"source": draw(source(model_id)), "target": target}
        maybe(draw, item, "new", st.booleans())
        maybe(draw, item, "encryption_enabled", st.booleans())
        maybe(draw, item, "sync_mode", st.sampled_from(["create", "updateOrCreate"]))
        fields.append(item)
    body: dict[str, Any] = {"name": name, "mode": draw(st.sampled_from(enum("ModelsyncSyncTargetMode"))),
                            "schedule": draw(schedule(anchors)), "fields": fields,
                            "target": draw(target_of())}
    overrides_targets = [t for t in targets[len(fields):]]
    if overrides_targets and draw(st.booleans()):
        body["override_fields"] = [{"target": t, "override_value": draw(TEXT)}
                                   for t in overrides_targets[: draw(st.integers(1, len(overrides_targets)))]]
    if body["mode"] in MODES_NEEDING_IDENTITY or draw(st.booleans()):
        identity: dict[str, Any] = {"source": draw(source(model_id)), "target": draw(WORD),
                                    "function": draw(st.sampled_from(enum("SchemaIdentityFunction")))}
        maybe(draw, identity, "new_field", st.booleans())
        maybe(draw, identity, "remote_field_type_id", st.sampled_from(["text", "int8"]))
        body["identity"] = identity
    filters = draw(st.lists(filter_of(model_id), max_size=3))
    if filters or draw(st.booleans()):
        body["filters"] = filters
    if filters and draw(st.booleans()):
        labelled = draw(st.booleans())
        for i, f in enumerate(filters):
            if labelled:
                f["label"] = f"L{i}"
        labels = [f.get("label") or LABELS[i] for i, f in enumerate(filters)]
        body["filter_logic"] = f" {draw(st.sampled_from(['AND', 'OR']))} ".join(labels)
    maybe(draw, body, "overrides", st.lists(override_of(model_id), min_size=1, max_size=2))
    maybe(draw, body, "policies", st.lists(st.sampled_from(POLICIES), max_size=2, unique=True))
    for flag in ("active", "only_enrich_updates", "skip_initial_backfill", "sync_all_records"):
        maybe(draw, body, flag, st.booleans())
    maybe(draw, body, "encryption_passphrase", st.just("generated-passphrase"))
    maybe(draw, body, "organization_id", st.just(DEMO_ORG_ID))
    return body


#: objects the emulator's connections list (any object on the object store)
TARGET_OBJECTS = {SALESFORCE: ["Contact", "Lead"], HUBSPOT: ["contacts", "companies"], S3: ["exports/users"]}


@st.composite
def target_of(draw: st.DrawFn) -> dict[str, Any]:
    connection = draw(st.sampled_from([SALESFORCE, HUBSPOT, S3]))
    target: dict[str, Any] = {"connection_id": connection}
    if draw(st.integers(0, 4)) == 0:
        target["create"] = {"name": draw(WORD)}
    else:
        target["object"] = draw(st.sampled_from(TARGET_OBJECTS[connection]))  # the server 422s an unlisted object
    maybe(draw, target, "configuration", st.dictionaries(WORD, JSON_SCALAR, min_size=1, max_size=2))
    maybe(draw, target, "search_values", st.dictionaries(WORD, JSON_SCALAR, min_size=1, max_size=2))
    maybe(draw, target, "new_name", WORD)
    maybe(draw, target, "filter_logic", TEXT)
    return target


@st.composite
def filter_of(draw: st.DrawFn, model_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"function": draw(st.sampled_from(FILTER_FUNCTIONS))}
    way = draw(st.integers(0, 3))
    if way <= 1:
        out["field"] = draw(source(model_id))
        maybe(draw, out, "field_type", st.just("Model"))
    elif way == 2:
        out["field_id"] = draw(st.sampled_from(MODEL_FIELDS[model_id]))  # a field name, as the OpenAPI says
        maybe(draw, out, "field_type", st.just("Model"))
    else:
        out["field_id"], out["field_type"] = draw(WORD), "Target"
    maybe(draw, out, "value", JSON_VALUE)
    return out


@st.composite
def override_of(draw: st.DrawFn, model_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"function": draw(st.sampled_from(FILTER_FUNCTIONS)), "override": draw(JSON_SCALAR)}
    if draw(st.booleans()):
        out["field"] = draw(source(model_id))
    else:
        out["field_id"] = draw(st.sampled_from(MODEL_FIELDS[model_id]))
    maybe(draw, out, "value", JSON_SCALAR)
    return out


# ---- bulk syncs -----------------------------------------------------------------------------


@st.composite
def bulk_sync(draw: st.DrawFn, name: str, anchors: dict[str, list[str]]) -> dict[str, Any]:
    """A CreateBulkSyncRequest: every optional key present now and then, per-schema settings included."""
    src = draw(st.sampled_from(sorted(BULK_SOURCES)))
    available = BULK_SOURCES[src]
    body: dict[str, Any] = {
        "name": name, "mode": draw(st.sampled_from(enum("BulkSyncTargetMode"))), "source_connection_id": src,
        "destination_connection_id": draw(st.sampled_from([S3, WAREHOUSE])),
        "default_schedule": draw(schedule(anchors, bulk=True)),
        "destination_configuration": draw(st.dictionaries(WORD, JSON_SCALAR, max_size=2)),
    }
    maybe(draw, body, "active", st.booleans())
    maybe(draw, body, "additional_schedules", st.lists(additional_schedule(sorted(available), anchors), max_size=2))
    maybe(draw, body, "automatically_add_new_fields", st.sampled_from(enum("BulkDiscover")))
    maybe(draw, body, "automatically_add_new_objects", st.sampled_from(enum("BulkDiscover")))
    maybe(draw, body, "concurrency_limit", st.integers(1, 20))
    maybe(draw, body, "resync_concurrency_limit", st.integers(1, 20))
    maybe(draw, body, "data_cutoff_timestamp", INSTANT)
    maybe(draw, body, "disable_record_timestamps", st.booleans())
    maybe(draw, body, "normalize_names", st.sampled_from(enum("BulkNormalizeNames")))
    maybe(draw, body, "policies", st.lists(st.sampled_from(POLICIES), max_size=2, unique=True))
    maybe(draw, body, "source_configuration", st.dictionaries(WORD, JSON_SCALAR, max_size=2))
    maybe(draw, body, "organization_id", st.just(DEMO_ORG_ID))
    if draw(st.integers(0, 3)):
        chosen = draw(st.lists(st.sampled_from(sorted(available)), max_size=len(available), unique=True))
        body["schemas"] = [draw(schema_item(sid, available[sid])) for sid in chosen]
    return body


@st.composite
def additional_schedule(draw: st.DrawFn, schema_ids: list[str], anchors: dict[str, list[str]]) -> dict[str, Any]:
    out = draw(schedule(anchors, bulk=True))
    maybe(draw, out, "resync_mode", st.sampled_from(enum("BulkScheduleSyncMode")))
    maybe(draw, out, "selective_mode", st.sampled_from(enum("BulkSelectiveMode")))
    maybe(draw, out, "schemas", st.lists(st.sampled_from(schema_ids), min_size=1, max_size=2, unique=True))
    return out


@st.composite
def schema_item(draw: st.DrawFn, sid: str, fields: list[str]) -> Any:
    """A schema id, or a SchemaConfiguration with every optional key now and then."""
    if draw(st.booleans()):
        return sid
    out: dict[str, Any] = {"id": sid}
    maybe(draw, out, "enabled", st.booleans())
    maybe(draw, out, "partition_key", st.sampled_from(fields))
    maybe(draw, out, "tracking_field", st.sampled_from(fields))
    maybe(draw, out, "data_cutoff_timestamp", INSTANT)
    maybe(draw, out, "disable_data_cutoff", st.booleans())
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(fields), min_size=1, unique=True))
        out["fields"] = [draw(st.one_of(st.just(f), st.fixed_dictionaries(
            {"id": st.just(f)}, optional={"enabled": st.booleans(), "obfuscate": st.booleans()}))) for f in chosen]
    maybe(draw, out, "filters", st.lists(st.fixed_dictionaries(
        {"field_id": st.sampled_from(fields), "function": st.sampled_from(FILTER_FUNCTIONS)},
        optional={"value": JSON_VALUE}), min_size=1, max_size=2))
    return out


# ---- out-of-band edits ----------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One UI edit: the changed create request (or a schema endpoint call) and the path it touches."""

    path: str  # the field that must be named by the drift (a diff path starting with it)
    body: dict[str, Any] | None = None  # the full PUT body, or None for a schema call
    schema_call: tuple[str, str, dict[str, Any]] | None = None  # (method, path suffix, body)
    leaf: str | None = None  # the edited key inside `path`, which the diff path names (or its item)
    ignore: str | None = None  # the ignore_changes entry that covers the edit (default: path's top key)

    @property
    def ignore_path(self) -> str:
        return self.ignore or self.path.split(".")[0].split("[")[0]


# Keys whose values a UI edit may change freely (references, enums, ranges and labels excluded).
FREE_KEYS = {"override_value", "new_name", "value", "override", "target", "sync_mode", "partition_key",
             "tracking_field", "user_output_name"}
FIXED_KEYS = {"name", "mode", "frequency", "hour", "minute", "day_of_week", "day_of_month", "month", "source",
              "connection_id", "model_id", "field", "function", "label", "field_id", "field_type", "filter_logic",
              "organization_id", "policies", "run_after", "encryption_passphrase", "create", "id", "schemas",
              "source_connection_id", "destination_connection_id", "resync_mode", "selective_mode",
              "automatically_add_new_fields", "automatically_add_new_objects", "normalize_names",
              "data_cutoff_timestamp", "remote_field_type_id", "job_id", "enabled", "obfuscate"}


def _leaves(value: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """(path, key, value) of every leaf a UI edit may change."""
    out: list[tuple[str, str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key in FIXED_KEYS:
                continue
            if isinstance(item, (dict, list)):
                out += _leaves(item, sub)
            elif isinstance(item, bool) or isinstance(item, (int, float)) or (isinstance(item, str) and (
                    key in FREE_KEYS or ".configuration." in f".{sub}." or ".search_values." in f".{sub}."
                    or sub.startswith(("destination_configuration.", "source_configuration.")))):
                out.append((sub, key, item))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _leaves(item, f"{path}[{i}]")
    return out


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return f"{value}_ui"


@st.composite
def leaf_edit(draw: st.DrawFn, body: dict[str, Any]) -> Edit | None:
    """Any one free leaf of the request changed (None when the request has none)."""
    leaves = _leaves(body)
    if not leaves:
        return None
    where, key, value = draw(st.sampled_from(leaves))
    edited = copy.deepcopy(body)
    assert paths.put(edited, where, _changed(value))
    top = where.split(".")[0].split("[")[0]
    return Edit(path="fields" if top == "override_fields" else top, body=edited, leaf=key, ignore=top)


def _flip(value: Any) -> bool:
    return not bool(value)


@st.composite
def model_edit(draw: st.DrawFn, body: dict[str, Any]) -> Edit:
    """A change of one field of a model-sync request that the API accepts."""
    edits: list[Callable[[dict[str, Any]], str]] = []
    model_id = body["fields"][0]["source"]["model_id"]

    def flag(key: str) -> Callable[[dict[str, Any]], str]:
        def do(b: dict[str, Any]) -> str:
            b[key] = _flip(b.get(key))
            return key
        return do

    for key in ("active", "only_enrich_updates", "skip_initial_backfill", "sync_all_records"):
        edits.append(flag(key))

    def schedule_hour(b: dict[str, Any]) -> str:
        b["schedule"] = {"frequency": "daily", "hour": "23" if b["schedule"].get("hour") != "23" else "22",
                         "minute": "1"}
        return "schedule"

    def add_filter(b: dict[str, Any]) -> str:
        b["filters"] = list(b.get("filters") or []) + [
            {"field": {"model_id": model_id, "field": MODEL_FIELDS[model_id][1]}, "function": "IsNull"}]
        return "filters"

    def field_target(b: dict[str, Any]) -> str:
        b["fields"][0] = {**b["fields"][0], "target": b["fields"][0]["target"] + "_ui"}
        return "fields"

    def field_flag(b: dict[str, Any]) -> str:
        b["fields"][-1] = {**b["fields"][-1], "encryption_enabled": _flip(b["fields"][-1].get("encryption_enabled"))}
        return "fields"

    def policies(b: dict[str, Any]) -> str:
        have = list(b.get("policies") or [])
        b["policies"] = have[1:] if have else [POLICIES[2]]
        return "policies"

    def target_config(b: dict[str, Any]) -> str:
        b["target"] = {**b["target"], "configuration": {**(b["target"].get("configuration") or {}), "ui_edit": 1}}
        return "target.configuration"

    def override_value(b: dict[str, Any]) -> str:
        items = list(b.get("override_fields") or [])
        if items:
            items[0] = {**items[0], "override_value": items[0]["override_value"] + "x"}
        else:
            items = [{"target": "ui_override", "override_value": "ui"}]
        b["override_fields"] = items
        return "fields"

    def overrides(b: dict[str, Any]) -> str:
        items = list(b.get("overrides") or [])
        b["overrides"] = items[1:] if items else [{"field": {"model_id": model_id, "field": "id"},
                                                   "function": "IsNull", "override": "ui"}]
        return "overrides"

    def identity_function(b: dict[str, Any]) -> str:
        identity = b.get("identity")
        if not identity:
            b["identity"] = {"source": {"model_id": model_id, "field": "id"}, "target": "Id", "function": "Equality"}
            return "identity"
        functions = enum("SchemaIdentityFunction")
        b["identity"] = {**identity, "function": functions[(functions.index(identity["function"]) + 1) % len(functions)]}
        return "identity.function"

    def rename(b: dict[str, Any]) -> str:
        b["name"] = b["name"] + " (ui)"
        return "name"

    edits += [schedule_hour, add_filter, field_target, field_flag, policies, target_config, override_value,
              overrides, identity_function, rename]
    if draw(st.booleans()):
        generic = draw(leaf_edit(body))
        if generic is not None:
            return generic
    chosen = draw(st.sampled_from(edits))
    edited = copy.deepcopy(body)
    path = chosen(edited)
    return Edit(path=path, body=edited, ignore="override_fields" if chosen is override_value else None)


@st.composite
def bulk_edit(draw: st.DrawFn, body: dict[str, Any], live_schemas: list[dict[str, Any]]) -> Edit:
    """A change of one bulk-sync field, or of one per-schema setting through the schema endpoints."""
    enabled = [s for s in live_schemas if s.get("enabled")]
    options = ["active", "concurrency_limit", "normalize_names", "destination_configuration", "default_schedule",
               "schema_selection"]
    if enabled:
        options += ["schema_partition", "schema_obfuscation", "schema_field_off", "schema_filter", "schema_cutoff"]
    if draw(st.booleans()):
        generic = draw(leaf_edit(body))
        if generic is not None:
            return generic
    option = draw(st.sampled_from(options))
    edited = copy.deepcopy(body)
    if option == "active":
        edited["active"] = _flip(body.get("active"))
        return Edit("active", edited)
    if option == "concurrency_limit":
        edited["concurrency_limit"] = (body.get("concurrency_limit") or 0) + 1
        return Edit("concurrency_limit", edited)
    if option == "normalize_names":
        names = enum("BulkNormalizeNames")
        edited["normalize_names"] = names[(names.index(body.get("normalize_names") or "enabled") + 1) % len(names)]
        return Edit("normalize_names", edited)
    if option == "destination_configuration":
        edited["destination_configuration"] = {**body["destination_configuration"], "ui_edit": True}
        return Edit("destination_configuration", edited)
    if option == "default_schedule":
        edited["default_schedule"] = {"frequency": "manual"} if body["default_schedule"]["frequency"] != "manual" \
            else {"frequency": "continuous"}
        return Edit("default_schedule", edited)
    if option == "schema_selection":
        sid = draw(st.sampled_from([s["id"] for s in live_schemas])) if live_schemas else None
        if sid is None:
            edited["active"] = _flip(body.get("active"))
            return Edit("active", edited)
        selected = {s["id"] for s in enabled}
        flipped = not (sid in selected)
        return Edit("schemas", schema_call=("PATCH", "", {"schemas": [{"id": sid, "enabled": flipped}]}))
    schema = draw(st.sampled_from(enabled))
    full_fields = schema["fields"]
    keep = [{"id": f["id"], "enabled": f["enabled"], "obfuscated": f["obfuscated"]} for f in full_fields]
    prefix = f"schemas[{schema['id']}]"
    if option == "schema_partition":
        ids = [f["id"] for f in full_fields]
        value = next(i for i in ids + ["other"] if i != schema.get("partition_key"))
        return Edit(prefix, schema_call=("PATCH", "", {"schemas": [{"id": schema["id"], "fields": keep,
                                                                    "partition_key": value}]}))
    if option in ("schema_obfuscation", "schema_field_off"):
        on = [f for f in keep if f["enabled"]] or keep
        field = draw(st.sampled_from(on))
        if option == "schema_obfuscation":
            field["obfuscated"] = not field["obfuscated"]
            field["enabled"] = True
        else:
            field["enabled"] = not field["enabled"]
        return Edit(prefix, schema_call=("PATCH", "", {"schemas": [{"id": schema["id"], "fields": keep}]}))
    if option == "schema_filter":
        filters = list(schema.get("filters") or [])
        filters = filters[1:] if filters else [{"field_id": full_fields[0]["id"], "function": "IsNotNull"}]
        return Edit(prefix, schema_call=("PATCH", "", {"schemas": [{"id": schema["id"], "fields": keep,
                                                                    "filters": filters}]}))
    return Edit(prefix, schema_call=("PATCH", "", {"schemas": [{"id": schema["id"], "fields": keep,
                                                                "disable_data_cutoff": not schema.get("disable_data_cutoff")}]}))


def covered_keys() -> dict[str, set[str]]:
    """The optional request keys the strategies above set (checked against the OpenAPI file)."""
    return {
        "CreateSyncRequest": {"active", "encryption_passphrase", "fields", "filter_logic", "filters", "identity", "mode",
                              "name", "only_enrich_updates", "organization_id", "override_fields", "overrides",
                              "policies", "schedule", "skip_initial_backfill", "sync_all_records", "target"},
        "CreateBulkSyncRequest": {"active", "additional_schedules", "automatically_add_new_fields",
                                  "automatically_add_new_objects", "concurrency_limit", "data_cutoff_timestamp",
                                  "default_schedule", "destination_configuration", "destination_connection_id",
                                  "disable_record_timestamps", "mode", "name", "normalize_names", "organization_id",
                                  "policies", "resync_concurrency_limit", "schemas", "source_configuration",
                                  "source_connection_id"},
        "SchemaConfiguration": {"data_cutoff_timestamp", "disable_data_cutoff", "enabled", "fields", "filters", "id",
                                "partition_key", "tracking_field"},
        "Target": {"configuration", "connection_id", "create", "filter_logic", "new_name", "object", "search_values"},
        "SyncField": {"encryption_enabled", "new", "override_value", "source", "sync_mode", "target"},
        "Filter": {"field", "field_id", "field_type", "function", "label", "value"},
        "Override": {"field", "field_id", "function", "override", "value"},
        "Identity": {"function", "new_field", "remote_field_type_id", "source", "target"},
        "Schedule": {"connection_id", "day_of_month", "day_of_week", "frequency", "hour", "job_id", "minute", "month",
                     "run_after", "run_after_success_only"},
        "BulkSyncAdditionalScheduleRequest": {"day_of_month", "day_of_week", "frequency", "hour", "minute", "month",
                                              "resync_mode", "schemas", "selective_mode"},
        "FieldConfiguration": {"enabled", "id", "obfuscate"},
        "BulkFilter": {"field_id", "function", "value"},
    }
