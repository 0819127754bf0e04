"""Adversarial cases on the emulator: changes made outside git that must be reported, and
configurations whose update must converge (apply, then plan is empty)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import PruneScope
from reconciler.errors import PlanError
from reconciler.planning.saved import load_plan, save_plan
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
from tests.support.emulator import SALESFORCE, USERS_MODEL, Emulator



def _edited(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.update(copy.deepcopy(changes))
    return out


def _diff(change: Any, path: str) -> Any:
    return next(d for d in change.diffs if d.path == path)


# ---- filter labels implied by position -------------------------------------------------------


def test_filters_reordered_in_the_ui_under_a_filter_logic_is_drift(emulator: Emulator) -> None:
    # The file's unlabeled filters get A, B in file order; "A AND NOT B" means plan=pro and not active.
    body = users_sync("Logic", filters=[PLAN_FILTER, ACTIVE_FILTER], filter_logic="A AND NOT B")
    sync_id = create(emulator, "ModelSync", body)
    assert only(plan(emulator, [model(body)])).action == "no-op"
    # Reordered in the UI: now A is is_active and B is plan: the opposite condition, same text.
    put(emulator, "ModelSync", sync_id, _edited(body, filters=[ACTIVE_FILTER, PLAN_FILTER]))
    change = only(plan(emulator, [model(body)]))
    assert change.action == "update"
    assert changed_paths(change) == ["filters[is_active].label", "filters[plan].label"]
    assert (_diff(change, "filters[plan].label").before, _diff(change, "filters[plan].label").after) == ("B", "A")
    put(emulator, "ModelSync", sync_id, change.body)  # what apply sends
    assert only(plan(emulator, [model(body)])).action == "no-op"


def test_implied_labels_skip_the_explicit_ones_and_order_without_logic_does_not_matter(emulator: Emulator) -> None:
    events = {"field": {"model_id": USERS_MODEL, "field": "email"}, "function": "IsNotNull"}
    body = users_sync("Mixed labels", filters=[PLAN_FILTER, {**ACTIVE_FILTER, "label": "A"}, events],
                      filter_logic="A OR (B AND C)")
    sync_id = create(emulator, "ModelSync", body)
    assert [f["label"] for f in get(emulator, "ModelSync", sync_id)["filters"]] == ["B", "A", "C"]
    assert only(plan(emulator, [model(body)])).action == "no-op"
    shuffled = _edited(body, filters=[events, {**ACTIVE_FILTER, "label": "A"}, PLAN_FILTER])
    assert changed_paths(only(plan(emulator, [model(shuffled)]))) == ["filters[email].label", "filters[plan].label"]
    no_logic = users_sync("No logic", filters=[PLAN_FILTER, ACTIVE_FILTER])
    create(emulator, "ModelSync", no_logic)
    reordered = _edited(no_logic, filters=[ACTIVE_FILTER, PLAN_FILTER])
    assert only(plan(emulator, [model(reordered)])).action == "no-op"


# ---- value types -------------------------------------------------------------------------------


def test_a_boolean_changed_to_a_number_is_drift(emulator: Emulator) -> None:
    body = users_sync("Typed", filters=[{**PLAN_FILTER, "value": True}])
    sync_id = create(emulator, "ModelSync", body)
    assert only(plan(emulator, [model(body)])).action == "no-op"
    put(emulator, "ModelSync", sync_id, _edited(body, filters=[{**PLAN_FILTER, "value": 1}]))
    change = only(plan(emulator, [model(body)]))
    assert changed_paths(change) == ["filters[plan].value"]
    assert (_diff(change, "filters[plan].value").before, _diff(change, "filters[plan].value").after) == (1, True)
    zero = users_sync("Zero", filters=[{**PLAN_FILTER, "value": 0}])
    create(emulator, "ModelSync", _edited(zero, filters=[{**PLAN_FILTER, "value": False}]))
    assert changed_paths(only(plan(emulator, [model(zero)]))) == ["filters[plan].value"]
    number = users_sync("Number", filters=[{**PLAN_FILTER, "value": 10}])
    create(emulator, "ModelSync", _edited(number, filters=[{**PLAN_FILTER, "value": 10.0}]))
    assert only(plan(emulator, [model(number)])).action == "no-op"  # one JSON number


# ---- ignore_changes and write-only values ------------------------------------------------------


def test_ignoring_target_object_of_a_created_target_gives_a_valid_update(emulator: Emulator) -> None:
    body = accounts_to_hubspot("Created object")
    sync_id = create(emulator, "ModelSync", body)
    d = model(_edited(body, sync_all_records=True), ignore=["target.object"])
    change = only(plan(emulator, [d]))
    assert changed_paths(change) == ["sync_all_records"]
    assert change.body is not None
    assert change.body["target"] == {"connection_id": body["target"]["connection_id"], "object": "acme_accounts"}
    assert put(emulator, "ModelSync", sync_id, change.body)["target"]["object"] == "acme_accounts"
    assert only(plan(emulator, [d])).action == "no-op"


def test_ignoring_a_write_only_value_keeps_sending_the_files_value(emulator: Emulator) -> None:
    body = users_sync("Encrypted", encryption_passphrase="keep-this-passphrase")
    create(emulator, "ModelSync", body)
    d = model(_edited(body, active=True), ignore=["encryption_passphrase"], sensitive=["encryption_passphrase"])
    change = only(plan(emulator, [d]))
    assert changed_paths(change) == ["active"]
    # Update is a full replacement: leaving the passphrase out would remove it from the live sync.
    assert change.body is not None and change.body["encryption_passphrase"] == "keep-this-passphrase"
    assert [s.path for s in change.secrets] == ["encryption_passphrase"]  # a saved plan re-derives it


# ---- timestamps --------------------------------------------------------------------------------


def test_data_cutoff_timestamps_compare_as_instants(emulator: Emulator) -> None:
    body = bulk("Cutoff", data_cutoff_timestamp="2025-01-01T00:00:00Z",
                schemas=[{"id": "public.users", "data_cutoff_timestamp": "2025-03-01T12:00:00Z"}])
    sync_id = create(emulator, "BulkSync", body)
    same = _edited(body, data_cutoff_timestamp="2025-01-01T00:00:00+00:00",
                   schemas=[{"id": "public.users", "data_cutoff_timestamp": "2025-03-01T13:00:00.000+01:00"}])
    put(emulator, "BulkSync", sync_id, same)
    assert only(plan(emulator, [bulk_def(body)])).action == "no-op"
    moved = _edited(body, data_cutoff_timestamp="2025-01-01T00:00:01Z",
                    schemas=[{"id": "public.users", "data_cutoff_timestamp": "2025-03-01T12:00:00+01:00"}])
    put(emulator, "BulkSync", sync_id, moved)
    change = only(plan(emulator, [bulk_def(body)]))
    assert changed_paths(change) == ["data_cutoff_timestamp", "schemas[public.users].data_cutoff_timestamp"]
    assert (_diff(change, "data_cutoff_timestamp").before, _diff(change, "data_cutoff_timestamp").after) == (
        "2025-01-01T00:00:01Z", "2025-01-01T00:00:00Z")


def test_ignored_path_into_a_list_item_follows_the_item_not_the_position(emulator: Emulator) -> None:
    # `filters[0].value` is the file's first filter; the UI reordered the live filters and changed that value.
    body = users_sync("Ignore item", filters=[PLAN_FILTER, ACTIVE_FILTER])
    sync_id = create(emulator, "ModelSync", body)
    put(emulator, "ModelSync", sync_id, _edited(body, filters=[ACTIVE_FILTER, {**PLAN_FILTER, "value": "free"}],
                                                fields=list(reversed(body["fields"]))))
    d = model(_edited(body, sync_all_records=True), ignore=["filters[0].value", "fields[0].source.field"])
    change = only(plan(emulator, [d]))
    assert changed_paths(change) == ["sync_all_records"]
    assert change.body is not None
    # the live labels are kept (the server would otherwise relabel the filters by their new positions)
    assert change.body["filters"] == [{**PLAN_FILTER, "value": "free", "label": "B"}, {**ACTIVE_FILTER, "label": "A"}]
    assert change.body["fields"] == body["fields"]  # FirstName keeps first_name, LastName last_name
    put(emulator, "ModelSync", sync_id, change.body)
    assert only(plan(emulator, [d])).action == "no-op"


def test_ignored_override_field_value_is_carried_from_the_merged_live_fields(emulator: Emulator) -> None:
    body = users_sync("Ignore override", override_fields=[{"target": "LeadSource", "override_value": "git"}])
    sync_id = create(emulator, "ModelSync", body)
    put(emulator, "ModelSync", sync_id, _edited(body, override_fields=[{"target": "LeadSource", "override_value": "ui"}]))
    d = model(body, ignore=["override_fields[0].override_value"])
    assert only(plan(emulator, [d])).action == "no-op"
    change = only(plan(emulator, [model(_edited(body, active=True), ignore=["override_fields[0].override_value"])]))
    assert changed_paths(change) == ["active"]
    assert change.body is not None and change.body["override_fields"] == [{"target": "LeadSource", "override_value": "ui"}]


def test_ignored_list_item_key_without_a_live_namesake_keeps_its_position(emulator: Emulator) -> None:
    body = users_sync("Ignore target")
    sync_id = create(emulator, "ModelSync", body)
    renamed = copy.deepcopy(body)
    renamed["fields"][0]["target"] = "GivenName"  # renamed in the UI, same position
    put(emulator, "ModelSync", sync_id, renamed)
    d = model(body, ignore=["fields[0].target"])
    assert only(plan(emulator, [d])).action == "no-op"


def test_a_live_target_configuration_that_is_not_a_map_is_a_change_not_a_crash(emulator: Emulator) -> None:
    body = users_sync("Corrupt configuration")
    stored = _edited(body, target={**body["target"], "configuration": ["bulk"]})  # stored by hand, invalid
    emulator.seed(model_syncs=[stored])
    change = only(plan(emulator, [model(body)]))
    assert changed_paths(change) == ["target.configuration"]
    assert (change.diffs[0].before, change.diffs[0].after) == (["bulk"], None)


def test_a_reference_to_the_old_name_of_a_sync_renamed_by_the_plan_is_a_problem(emulator: Emulator) -> None:
    sync_id = create(emulator, "ModelSync", users_sync("Old upstream"))
    upstream = model(users_sync("New upstream"), pinned=sync_id)
    by_old = users_sync("Downstream", schedule={"frequency": "runafter", "run_after": {"sync_ids": ["${sync:Old upstream}"]}})
    result = plan(emulator, [upstream, model(by_old)])
    # after apply renames it, "Old upstream" names nothing: the reference would stop resolving
    assert [p.message for p in result.problems] == ["${sync:Old upstream}: no live ModelSync is named 'Old upstream' (did you mean 'New upstream'?)"]
    by_new = users_sync("Downstream", schedule={"frequency": "runafter", "run_after": {"sync_ids": ["${sync:New upstream}"]}})
    result = plan(emulator, [upstream, model(by_new)])
    assert not result.problems
    downstream = next(c for c in result.changes if c.name == "Downstream")
    assert downstream.body is not None and downstream.body["schedule"]["run_after"] == {"sync_ids": [sync_id]}


def test_an_id_pinned_with_the_wrong_kind_is_a_problem_and_never_pruned(emulator: Emulator) -> None:
    bulk_id = create(emulator, "BulkSync", bulk("Loaded by bulk"))
    result = plan(emulator, [model(users_sync("Loaded by bulk"), pinned=bulk_id)], prune=PruneScope(all=True))
    assert [c.action for c in result.changes] == []  # nothing deleted
    assert result.unmanaged == ()
    assert [p.message for p in result.problems] == [
        f"pinned id {bulk_id} matches no live ModelSync (it is a BulkSync: check `kind`)"]


def test_a_secret_carried_over_from_live_by_ignore_changes_is_not_written_to_a_saved_plan(
        emulator: Emulator, tmp_path: Path) -> None:
    token = "tok-3f9a-secret-value"
    body = users_sync("Carried secret", target={"connection_id": SALESFORCE,
                                                "object": "Contact", "configuration": {"api_token": token}})
    create(emulator, "ModelSync", body)
    d = model(_edited(body, active=True), ignore=["target.configuration"], sensitive=["target.configuration.api_token"],
              templates={"target.configuration.api_token": "${env:TOKEN}"})
    change = only(plan(emulator, [d]))
    assert changed_paths(change) == ["active"]
    assert change.body is not None and change.body["target"]["configuration"] == {"api_token": token, "ingestion_api": "bulk"}
    saved = tmp_path / "plan.json"
    save_plan(plan(emulator, [d]), saved)
    assert token not in saved.read_text()
    loaded = load_plan(saved, {"TOKEN": token})
    assert loaded.changes[0].body == change.body


def test_another_live_value_carried_at_a_sensitive_path_is_never_saved(emulator: Emulator, tmp_path: Path) -> None:
    old_token = "old-token-77c1-rotated"
    body = users_sync("Rotated", target={"connection_id": SALESFORCE,
                                         "object": "Contact", "configuration": {"api_token": old_token}})
    create(emulator, "ModelSync", body)
    wanted = _edited(body, active=True, target={**body["target"], "configuration": {"api_token": "new-token-9d2e"}})
    d = model(wanted, ignore=["target.configuration"], sensitive=["target.configuration.api_token"],
              templates={"target.configuration.api_token": "${env:TOKEN}"})
    result = plan(emulator, [d])
    change = only(result)
    assert change.body is not None and change.body["target"]["configuration"]["api_token"] == old_token
    with pytest.raises(PlanError, match=r"target\.configuration\.api_token.*run apply without --plan"):
        save_plan(result, tmp_path / "plan.json")
    assert not (tmp_path / "plan.json").exists()


def test_prune_never_deletes_a_sync_a_definition_refers_to(emulator: Emulator) -> None:
    upstream = create(emulator, "BulkSync", bulk("tmp-loader"))
    other = create(emulator, "ModelSync", users_sync("tmp-unused"))
    downstream = users_sync("Downstream", schedule={"frequency": "runafter",
                                                     "run_after": {"bulk_sync_ids": ["${bulk_sync:tmp-loader}"]}})
    result = plan(emulator, [model(downstream)], prune=PruneScope(name_prefix="tmp-"))
    assert [(c.kind, c.name, c.action, c.sync_id) for c in result.changes] == [
        ("ModelSync", "Downstream", "create", None), ("ModelSync", "tmp-unused", "delete", other)]
    assert [(p.kind, p.name, p.message) for p in result.problems] == [
        ("BulkSync", "tmp-loader", f'not deleted (prune): {upstream} is referred to by ModelSync "Downstream"; '
                                   "declare it in a file or stop referring to it")]
    assert [(u.kind, u.name) for u in result.unmanaged] == [("BulkSync", "tmp-loader")]
