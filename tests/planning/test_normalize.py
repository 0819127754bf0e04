"""Normalisation and field-level diffs, in process (no network)."""

from __future__ import annotations

from reconciler.planning.diff import diff_views
from reconciler.planning.align import align_live
from reconciler.planning.liveread import request_body_from_live
from reconciler.planning.views import view
from reconciler.planning.secrets import Secret, mark
from tests.planning.helpers import bulk, create, get, model, plan, users_sync
from tests.support.emulator import SALESFORCE, USERS_MODEL, Emulator


def _paths(kind: str, live: dict, desired: dict) -> list[tuple[str, object, object]]:
    return [(d.path, d.before, d.after) for d in diff_views(kind, view(kind, live), view(kind, desired))]  # type: ignore[arg-type]


def test_defaults_and_empties_are_equal() -> None:
    body = users_sync("A")
    explicit = users_sync("A", active=False, filters=None, overrides=[], policies=None, filter_logic="",
                          override_fields=[], sync_all_records=False)
    explicit["fields"][0]["new"] = False
    assert view("ModelSync", body) == view("ModelSync", explicit)
    assert view("BulkSync", bulk("B")) == view("BulkSync", bulk("B", normalize_names="enabled", policies=[],
                                                                     source_configuration=None))


def test_override_fields_merge_into_fields_in_any_order() -> None:
    split = users_sync("A", override_fields=[{"target": "LeadSource", "override_value": "git"}])
    merged = users_sync("A")
    merged["fields"] = [{"target": "LeadSource", "override_value": "git"}, *reversed(merged["fields"])]
    assert _paths("ModelSync", merged, split) == []


def test_list_items_are_paired_by_key() -> None:
    live = users_sync("A")
    desired = users_sync("A")
    desired["fields"][1]["source"]["field"] = "email"
    desired["fields"].append({"source": {"model_id": USERS_MODEL, "field": "plan"}, "target": "Plan"})
    assert _paths("ModelSync", live, desired) == [
        ("fields[LastName].source.field", "last_name", "email"),
        ("fields[Plan]", None, {"encryption_enabled": False, "new": False, "target": "Plan",
                                "source": {"model_id": USERS_MODEL, "field": "plan"}}),
    ]


def test_duplicate_keys_fall_back_to_whole_items() -> None:
    one = {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Inequality", "value": "free"}
    two = {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Inequality", "value": "trial"}
    live = users_sync("A", filters=[one, two])
    desired = users_sync("A", filters=[one, {**two, "value": "basic"}])
    paths = [p for p, _, _ in _paths("ModelSync", live, desired)]
    assert paths == ["filters[plan].value"]  # the unchanged twin is matched exactly first
    desired = users_sync("A", filters=[{**one, "value": "x"}, {**two, "value": "y"}])
    assert sorted(p for p, _, _ in _paths("ModelSync", live, desired)) == ["filters[plan]"] * 4


def test_sensitive_values_are_masked_in_diffs_and_never_in_paths() -> None:
    spec = users_sync("A", filters=[{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                                     "value": "s3cr3t-value"}])
    spec["fields"][0]["target"] = "token-target-secret"
    desired = mark(spec, {"filters[0].value", "fields[0].target"})
    assert isinstance(desired["filters"][0]["value"], Secret)
    live = users_sync("A", filters=[{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                                     "value": "old-value"}])
    diffs = diff_views("ModelSync", view("ModelSync", live), view("ModelSync", desired))
    text = repr(diffs)
    assert "s3cr3t-value" not in text and "token-target-secret" not in text and "old-value" not in text
    value = next(d for d in diffs if d.path == "filters[plan].value")
    assert value.sensitive and (value.before, value.after) == ("(sensitive)", "(sensitive)")
    added = next(d for d in diffs if d.path == "fields[(sensitive)]" and d.after is not None)
    assert added.after["target"] == "(sensitive)"


def test_alignment_drops_only_what_the_file_does_not_set() -> None:
    live_view = view("ModelSync", {**users_sync("A"), "target": {"connection_id": SALESFORCE, "object": "Contact",
                                                                 "configuration": {"ingestion_api": "bulk", "x": 1}},
                                   "organization_id": "org"})
    aligned = align_live("ModelSync", users_sync("A"), live_view, configuration_defaults={"ingestion_api": "bulk"})
    assert aligned["target"]["configuration"] == {"x": 1}
    assert "organization_id" not in aligned


def test_request_body_from_live_round_trips_through_the_api(emulator: Emulator) -> None:
    body = users_sync("Exported", active=True,
                      filters=[{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "pro"},
                               {"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"}],
                      filter_logic="A OR B", override_fields=[{"target": "LeadSource", "override_value": "git"}])
    sync_id = create(emulator, "ModelSync", body)
    live = get(emulator, "ModelSync", sync_id)
    projected = request_body_from_live("ModelSync", live)
    for computed in ("id", "created_at", "updated_at", "model_ids", "organization_id", "created_by"):
        assert computed not in projected
    assert "field_id" not in projected["filters"][0] and projected["filters"][0]["label"] == "A"
    assert all("new" not in f for f in projected["fields"])
    assert plan(emulator, [model(projected)]).changes[0].action == "no-op"
    # The projection is itself a valid create request that plans as no change.
    other = create(emulator, "ModelSync", {**projected, "name": "Exported copy"})
    assert plan(emulator, [model({**projected, "name": "Exported copy"})]).changes[0].sync_id == other


def test_bulk_projection_keeps_the_schema_selection(emulator: Emulator) -> None:
    sync_id = create(emulator, "BulkSync", bulk("Bulk export", schemas=["public.users", {"id": "public.events",
                                                                                      "tracking_field": "occurred_at"}]))
    live = get(emulator, "BulkSync", sync_id)
    schemas = emulator.api("GET", f"/api/bulk/syncs/{sync_id}/schemas").json()["data"]
    projected = request_body_from_live("BulkSync", {**live, "schemas": schemas})
    assert projected["schemas"] == ["public.users", {"id": "public.events", "tracking_field": "occurred_at"}]
    assert "default_schedule" in projected and "id" not in projected["default_schedule"]
    every = create(emulator, "BulkSync", bulk("All schemas"))
    all_live = {**get(emulator, "BulkSync", every),
                "schemas": emulator.api("GET", f"/api/bulk/syncs/{every}/schemas").json()["data"]}
    assert "schemas" not in request_body_from_live("BulkSync", all_live)  # the default: all selected
