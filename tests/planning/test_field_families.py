"""A change made outside git is reported naming exactly that field, one test per field family;
and what the server adds or reorders never shows as a change."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.planning.helpers import (
    ACTIVE_FILTER,
    PLAN_FILTER,
    accounts_to_hubspot,
    bulk,
    bulk_def,
    changed_paths,
    create,
    get,
    model,
    only,
    plan,
    put,
    users_sync,
)
from tests.support.emulator import HUBSPOT, S3, USERS_MODEL, Emulator

OVERRIDE = {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "legacy",
            "override": "standard"}
RICH = users_sync(
    "Rich",
    filters=[PLAN_FILTER, ACTIVE_FILTER],
    overrides=[OVERRIDE],
    override_fields=[{"target": "LeadSource", "override_value": "git"}],
    active=True,
)


def _drift(emulator: Emulator, body: dict[str, Any], edit: dict[str, Any], kind: str = "ModelSync") -> tuple[list[str], Any]:
    """Create ``body`` live, check the plan is empty, apply ``edit`` live; the changed paths and the change."""
    sync_id = create(emulator, kind, body)
    d = model(body) if kind == "ModelSync" else bulk_def(body)
    assert only(plan(emulator, [d])).action == "no-op"
    put(emulator, kind, sync_id, edit)
    change = only(plan(emulator, [d]))
    assert change.action == "update"
    assert change.sync_id == sync_id
    return changed_paths(change), change


def _edited(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.update(copy.deepcopy(changes))
    return out


def _diff(change: Any, path: str) -> Any:
    return next(d for d in change.diffs if d.path == path)


# ---- model syncs ------------------------------------------------------------------------------


def test_schedule_family(emulator: Emulator) -> None:
    paths, change = _drift(emulator, RICH, _edited(RICH, schedule={"frequency": "daily", "hour": "7", "minute": "30"}))
    assert paths == ["schedule.hour"]
    assert (_diff(change, "schedule.hour").before, _diff(change, "schedule.hour").after) == ("7", "6")


def test_schedule_frequency(emulator: Emulator) -> None:
    paths, _ = _drift(emulator, RICH, _edited(RICH, schedule={"frequency": "manual"}))
    assert paths == ["schedule.frequency", "schedule.hour", "schedule.minute"]


def test_fields_family_changed_source(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["fields"][0]["source"]["field"] = "email"
    paths, change = _drift(emulator, RICH, edit)
    assert paths == ["fields[FirstName].source.field"]
    assert _diff(change, "fields[FirstName].source.field").before == "email"
    assert _diff(change, "fields[FirstName].source.field").after == "first_name"


def test_fields_family_added_in_the_ui(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["fields"].append({"source": {"model_id": USERS_MODEL, "field": "plan"}, "target": "Plan__c"})
    paths, change = _drift(emulator, RICH, edit)
    assert paths == ["fields[Plan__c]"]
    assert _diff(change, "fields[Plan__c]").after is None


def test_override_fields_family(emulator: Emulator) -> None:
    edit = _edited(RICH, override_fields=[{"target": "LeadSource", "override_value": "ui"}])
    paths, change = _drift(emulator, RICH, edit)
    assert paths == ["fields[LeadSource].override_value"]
    assert (_diff(change, paths[0]).before, _diff(change, paths[0]).after) == ("ui", "git")


def test_filters_family_value(emulator: Emulator) -> None:
    edit = _edited(RICH, filters=[{**PLAN_FILTER, "value": "free"}, ACTIVE_FILTER])
    paths, change = _drift(emulator, RICH, edit)
    assert paths == ["filters[plan].value"]
    assert (_diff(change, paths[0]).before, _diff(change, paths[0]).after) == ("free", "pro")


def test_filters_family_added_in_the_ui(emulator: Emulator) -> None:
    body = users_sync("No filters")
    paths, change = _drift(emulator, body, _edited(body, filters=[PLAN_FILTER]))
    assert paths == ["filters[plan]"]
    removed = _diff(change, "filters[plan]")
    assert removed.after is None and removed.before["value"] == "pro"


def test_overrides_family(emulator: Emulator) -> None:
    paths, _ = _drift(emulator, RICH, _edited(RICH, overrides=[{**OVERRIDE, "override": "basic"}]))
    assert paths == ["overrides[plan].override"]


def test_identity_family(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["identity"]["target"] = "Email__c"
    paths, _ = _drift(emulator, RICH, edit)
    assert paths == ["identity.target"]


def test_identity_remote_type_set_in_the_ui_is_not_drift_unless_the_file_sets_it(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["identity"]["remote_field_type_id"] = "string"  # what the server computes anyway
    sync_id = create(emulator, "ModelSync", RICH)
    put(emulator, "ModelSync", sync_id, edit)
    assert only(plan(emulator, [model(RICH)])).action == "no-op"
    pinned = _edited(RICH)
    pinned["identity"]["remote_field_type_id"] = "email"
    assert changed_paths(only(plan(emulator, [model(pinned)]))) == ["identity.remote_field_type_id"]


def test_target_family_object(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["target"]["object"] = "Lead"
    paths, _ = _drift(emulator, RICH, edit)
    assert paths == ["target.object"]


def test_target_family_configuration(emulator: Emulator) -> None:
    edit = _edited(RICH)
    edit["target"]["configuration"] = {"ingestion_api": "rest"}  # the default is "bulk"
    paths, change = _drift(emulator, RICH, edit)
    assert paths == ["target.configuration.ingestion_api"]
    assert _diff(change, paths[0]).before == "rest"


@pytest.mark.parametrize("flag", ["active", "sync_all_records", "skip_initial_backfill", "only_enrich_updates"])
def test_flags_family(emulator: Emulator, flag: str) -> None:
    edit = _edited(RICH, **{flag: not RICH.get(flag, False)})
    paths, change = _drift(emulator, RICH, edit)
    assert paths == [flag]
    assert _diff(change, flag).after is RICH.get(flag, False)


def test_mode_and_name_and_filter_logic(emulator: Emulator) -> None:
    body = _edited(RICH, filter_logic="A AND B")
    paths, _ = _drift(emulator, body, _edited(body, filter_logic="A OR B"))
    assert paths == ["filter_logic"]


def test_left_out_field_at_a_non_default_live_value_is_a_change(emulator: Emulator) -> None:
    sync_id = create(emulator, "ModelSync", _edited(RICH, sync_all_records=True, policies=[]))
    change = only(plan(emulator, [model(RICH)]))
    assert change.sync_id == sync_id and changed_paths(change) == ["sync_all_records"]
    assert (_diff(change, "sync_all_records").before, _diff(change, "sync_all_records").after) == (True, False)


# ---- zero false drift -------------------------------------------------------------------------


def test_server_computed_and_reordered_values_are_not_drift(emulator: Emulator) -> None:
    body = users_sync(
        "Computed",
        filters=[PLAN_FILTER, ACTIVE_FILTER],  # labels and field_ids computed by the server
        override_fields=[{"target": "LeadSource", "override_value": "git"}],  # merged into fields
        filter_logic="A AND B",
    )
    create(emulator, "ModelSync", body)
    shuffled = copy.deepcopy(body)
    shuffled["fields"].reverse()
    shuffled["filters"] = [PLAN_FILTER, ACTIVE_FILTER]
    shuffled["active"] = False  # explicit default
    shuffled["overrides"] = None  # null == missing == []
    shuffled["policies"] = []
    shuffled["schedule"] = {**body["schedule"], "day_of_week": None}
    assert only(plan(emulator, [model(shuffled)])).action == "no-op"


def test_write_only_target_create_and_passphrase_never_drift(emulator: Emulator) -> None:
    body = accounts_to_hubspot("Created target", encryption_passphrase="first-passphrase")
    sync_id = create(emulator, "ModelSync", body)
    live = get(emulator, "ModelSync", sync_id)
    assert "create" not in live["target"] and "encryption_passphrase" not in live
    other = _edited(body, encryption_passphrase="another-passphrase", target={"connection_id": HUBSPOT, "create": {"name": "x"}})
    change = only(plan(emulator, [model(other, sensitive=["encryption_passphrase"])]))
    assert change.action == "no-op" and change.diffs == ()


def test_write_only_values_are_shown_masked_when_an_update_sends_them_again(emulator: Emulator) -> None:
    body = accounts_to_hubspot("Resent", encryption_passphrase="pass-1234")
    create(emulator, "ModelSync", body)
    change = only(plan(emulator, [model(_edited(body, active=True), sensitive=["encryption_passphrase"])]))
    assert changed_paths(change) == ["active"]
    write_only = {d.path: d for d in change.diffs if d.write_only}
    assert set(write_only) == {"encryption_passphrase"}  # target.create is sent on create only
    assert write_only["encryption_passphrase"].sensitive
    assert change.body is not None and change.body["encryption_passphrase"] == "pass-1234"  # re-sent
    assert "create" not in change.body["target"] and change.body["target"]["object"]  # the live object kept


def test_target_configuration_defaults_are_not_drift(emulator: Emulator) -> None:
    s3_body = users_sync("To S3", mode="replace", target={"connection_id": S3, "object": "exports/users"})
    create(emulator, "ModelSync", s3_body)
    assert get(emulator, "ModelSync", create(emulator, "ModelSync", _edited(s3_body, name="probe")))["target"][
        "configuration"] == {"format": "csv"}
    assert only(plan(emulator, [model(s3_body)])).action == "no-op"


def test_labels_set_in_the_file_are_compared(emulator: Emulator) -> None:
    body = users_sync("Labelled", filters=[{**PLAN_FILTER, "label": "X"}], filter_logic="X")
    sync_id = create(emulator, "ModelSync", body)
    put(emulator, "ModelSync", sync_id, _edited(body, filters=[{**PLAN_FILTER, "label": "Y"}], filter_logic="Y"))
    assert changed_paths(only(plan(emulator, [model(body)]))) == ["filter_logic", "filters[plan].label"]


# ---- bulk syncs -------------------------------------------------------------------------------


def test_bulk_schedule_family(emulator: Emulator) -> None:
    body = bulk("Bulk schedule")
    paths, _ = _drift(emulator, body, _edited(body, default_schedule={"frequency": "daily", "hour": "3", "minute": "0"}), "BulkSync")
    assert paths == ["default_schedule.hour"]


def test_bulk_schemas_family(emulator: Emulator) -> None:
    body = bulk("Bulk schemas", schemas=["public.users", "public.accounts"])
    paths, change = _drift(emulator, body, _edited(body, schemas=["public.users"]), "BulkSync")
    assert paths == ["schemas[public.accounts]"]
    assert _diff(change, paths[0]).before is None


def test_bulk_schema_configuration(emulator: Emulator) -> None:
    body = bulk("Bulk schema config", schemas=[{"id": "public.users", "tracking_field": "updated_at"}])
    paths, _ = _drift(emulator, body, _edited(body, schemas=[{"id": "public.users", "tracking_field": "id"}]), "BulkSync")
    assert paths == ["schemas[public.users].tracking_field"]


def test_bulk_target_and_flags_family(emulator: Emulator) -> None:
    body = bulk("Bulk flags", active=True)
    edit = _edited(body, active=False, destination_configuration={"format": "csv"}, normalize_names="disabled")
    paths, _ = _drift(emulator, body, edit, "BulkSync")
    assert paths == ["active", "destination_configuration.format", "normalize_names"]


def test_bulk_defaults_and_additional_schedules_are_not_drift(emulator: Emulator) -> None:
    body = bulk("Bulk defaults", additional_schedules=[{"frequency": "hourly"}], schemas=["public.users"])
    create(emulator, "BulkSync", body)
    explicit = _edited(body, automatically_add_new_fields="all", normalize_names="enabled", source_configuration={},
                       concurrency_limit=None)
    assert only(plan(emulator, [bulk_def(explicit)])).action == "no-op"
    dropped = only(plan(emulator, [bulk_def(_edited(body, additional_schedules=[]))]))
    assert changed_paths(dropped) == ["additional_schedules[0]"]
    assert _diff(dropped, "additional_schedules[0]").before == {"frequency": "hourly"}


def test_bulk_schema_deselected_in_the_ui_is_drift_when_the_file_selects_all(emulator: Emulator) -> None:
    body = bulk("Bulk all schemas")  # no `schemas`: every schema of the source
    sync_id = create(emulator, "BulkSync", body)
    assert only(plan(emulator, [bulk_def(body)])).action == "no-op"
    put(emulator, "BulkSync", sync_id, _edited(body, schemas=["public.users", "public.events", "public.orders"]))
    change = only(plan(emulator, [bulk_def(body)]))
    assert changed_paths(change) == ["schemas[public.accounts]"]
    assert (_diff(change, "schemas[public.accounts]").before, _diff(change, "schemas[public.accounts]").after) == (
        None, {"id": "public.accounts"})
    assert change.body is not None and "schemas" not in change.body  # the API default selects them all again
