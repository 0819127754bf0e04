"""Identity (pinned id, else exact name per kind; never a guess) and ${...} references."""

from __future__ import annotations

from tests.planning.helpers import bulk, bulk_def, changed_paths, create, model, plan, users_sync
from tests.support.emulator import HUBSPOT, SALESFORCE, USERS_MODEL, Emulator


def test_several_live_syncs_with_a_managed_name_is_an_error_listing_the_ids(emulator: Emulator) -> None:
    first = create(emulator, "ModelSync", users_sync("Twin"))
    second = create(emulator, "ModelSync", users_sync("Twin"))
    create(emulator, "BulkSync", bulk("Twin"))  # another kind: not a namesake
    result = plan(emulator, [model(users_sync("Twin")), model(users_sync("Other")), bulk_def(bulk("Twin"))])
    assert [(p.kind, p.name) for p in result.problems] == [("ModelSync", "Twin")]
    message = result.problems[0].message
    assert first in message and second in message and "pin" in message
    assert [(c.kind, c.name, c.action) for c in result.changes] == [("BulkSync", "Twin", "no-op"),
                                                                    ("ModelSync", "Other", "create")]
    assert result.unmanaged == ()  # the namesakes are not unmanaged (and never pruned)


def test_pinned_id_wins_over_the_name_and_a_rename_is_an_update(emulator: Emulator) -> None:
    sync_id = create(emulator, "ModelSync", users_sync("Old name"))
    create(emulator, "ModelSync", users_sync("New name"))  # a namesake of the new name does not matter
    change = next(c for c in plan(emulator, [model(users_sync("New name"), pinned=sync_id)]).changes)
    assert (change.action, change.sync_id, changed_paths(change)) == ("update", sync_id, ["name"])
    assert (change.diffs[0].before, change.diffs[0].after) == ("Old name", "New name")


def test_pinned_id_that_does_not_exist_is_an_error_not_a_create(emulator: Emulator) -> None:
    missing = "11111111-2222-4333-8444-555555555555"
    result = plan(emulator, [model(users_sync("Pinned"), pinned=missing)])
    assert result.changes == ()
    assert len(result.problems) == 1 and missing in result.problems[0].message


def test_unmanaged_syncs_are_listed_per_kind(emulator: Emulator) -> None:
    model_id = create(emulator, "ModelSync", users_sync("Nobody's"))
    bulk_id = create(emulator, "BulkSync", bulk("Nobody's bulk"))
    result = plan(emulator, [model(users_sync("Mine"))])
    assert [(u.kind, u.name, u.sync_id) for u in result.unmanaged] == [
        ("BulkSync", "Nobody's bulk", bulk_id), ("ModelSync", "Nobody's", model_id)]
    assert result.summary.line() == "Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged, 2 unmanaged."


def test_connection_and_model_references_resolve_to_ids(emulator: Emulator) -> None:
    body = users_sync("Refs")
    body["target"]["connection_id"] = "${connection:Salesforce CRM}"
    body["fields"][0]["source"]["model_id"] = "${model:Users}"
    change = plan(emulator, [model(body)]).changes[0]
    assert change.action == "create"
    assert change.body is not None
    assert change.body["target"]["connection_id"] == SALESFORCE
    assert change.body["fields"][0]["source"]["model_id"] == USERS_MODEL
    create(emulator, "ModelSync", change.body)
    emulator.clear_requests()
    assert plan(emulator, [model(body)]).changes[0].action == "no-op"
    counts = emulator.requests()["counts"]
    assert counts["GET /api/connections"] == 1 and counts["GET /api/models"] == 1


def test_unknown_or_ambiguous_references_are_problems(emulator: Emulator) -> None:
    body = users_sync("Bad refs")
    body["target"]["connection_id"] = "${connection:Nope}"
    body["fields"][0]["source"]["model_id"] = "${model:Users}"
    result = plan(emulator, [model(body), model(users_sync("Fine"))])
    assert [c.name for c in result.changes] == ["Fine"]
    assert [p.message for p in result.problems] == ["${connection:Nope}: no live connection is named 'Nope'"]


def test_sync_references_to_created_syncs_become_dependencies(emulator: Emulator) -> None:
    live_id = create(emulator, "BulkSync", bulk("Loaded"))
    chained = users_sync("Second", schedule={"frequency": "runafter",
                                             "run_after": {"sync_ids": ["${sync:First}"], "bulk_sync_ids": ["${bulk_sync:Loaded}"]}})
    result = plan(emulator, [model(users_sync("First")), model(chained), bulk_def(bulk("Loaded"))])
    second = next(c for c in result.changes if c.name == "Second")
    assert second.depends_on == ("ModelSync/First",)
    assert second.body is not None
    assert second.body["schedule"]["run_after"] == {"sync_ids": ["${sync:First}"], "bulk_sync_ids": [live_id]}
    missing = users_sync("Third", schedule={"frequency": "runafter", "run_after": {"sync_ids": ["${sync:Ghost}"]}})
    problems = plan(emulator, [model(missing)]).problems
    assert [p.message for p in problems] == ["${sync:Ghost}: no live ModelSync is named 'Ghost'"]


def test_references_to_live_syncs_compare_as_ids(emulator: Emulator) -> None:
    first = create(emulator, "ModelSync", users_sync("Upstream", target={"connection_id": HUBSPOT, "object": "contacts"}))
    body = users_sync("Downstream", schedule={"frequency": "runafter", "run_after": {"sync_ids": [first]}})
    create(emulator, "ModelSync", body)
    by_ref = users_sync("Downstream", schedule={"frequency": "runafter", "run_after": {"sync_ids": ["${sync:Upstream}"]}})
    result = plan(emulator, [model(by_ref)])
    assert [(c.name, c.action) for c in result.changes] == [("Downstream", "no-op")]


def test_one_id_pinned_twice_is_an_error_for_both(emulator: Emulator) -> None:
    sync_id = create(emulator, "ModelSync", users_sync("Shared"))
    result = plan(emulator, [model(users_sync("One"), pinned=sync_id), model(users_sync("Two"), pinned=sync_id)])
    assert result.changes == ()
    assert sorted(p.name for p in result.problems) == ["One", "Two"]
    assert all(sync_id in p.message for p in result.problems)


def test_ignore_changes_are_not_compared_and_carried_over_from_live(emulator: Emulator) -> None:
    body = users_sync("Ignoring", active=True)
    sync_id = create(emulator, "ModelSync", body)
    edited = {**body, "schedule": {"frequency": "hourly", "minute": "5"}, "active": False}
    edited["target"] = {**body["target"], "configuration": {"ingestion_api": "rest"}}
    emulator.api("PUT", f"/api/syncs/{sync_id}", json=edited)
    ignoring = model(users_sync("Ignoring", active=True, sync_all_records=True),
                     ignore=["schedule", "target.configuration"])
    change = plan(emulator, [ignoring]).changes[0]
    assert (change.action, changed_paths(change)) == ("update", ["active", "sync_all_records"])
    assert change.body is not None
    assert change.body["schedule"] == {"frequency": "hourly", "minute": "5"}  # preserved from live
    assert change.body["target"]["configuration"] == {"ingestion_api": "rest"}
    assert change.body["active"] is True and change.body["sync_all_records"] is True
