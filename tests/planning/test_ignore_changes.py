"""ignore_changes on the list-valued paths that interact with merged override_fields, filter
labels and filter_logic: the three bugs of issue 10, each reproduced through plan and apply."""

from __future__ import annotations

import copy

from tests.planning.helpers import PLAN_FILTER, USERS_MODEL, model, users_sync
from tests.property.harness import apply, changed, pending, plan
from tests.support.inprocess import InProcessEmulator

OVERRIDE = {"target": "LeadSource", "override_value": "reconciler"}
ACTIVE = {"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"}


def _live(emu: InProcessEmulator, sync_id: str) -> dict:
    return emu.data("GET", f"/api/syncs/{sync_id}")


def _overrides(live: dict) -> list[dict]:
    return sorted(({"target": f["target"], "override_value": f["override_value"]}
                   for f in live["fields"] if "override_value" in f), key=str)


def test_ignored_override_fields_are_kept_not_deleted(inprocess: InProcessEmulator) -> None:
    body = users_sync("Users", override_fields=[OVERRIDE])
    sync_id = inprocess.data("POST", "/api/syncs", json=body)["id"]
    ui = copy.deepcopy(body)
    ui["override_fields"] = [{"target": "LeadSource", "override_value": "ui"}]
    inprocess.data("PUT", f"/api/syncs/{sync_id}", json=ui)
    d = model({**body, "sync_all_records": True}, ignore=["override_fields"])
    update = plan(inprocess, [d])
    assert changed(update) == {"Users": ["sync_all_records"]}  # the UI's override value is not drift
    apply(inprocess, update)
    live = _live(inprocess, sync_id)
    assert _overrides(live) == [{"target": "LeadSource", "override_value": "ui"}]
    assert live["sync_all_records"] is True
    assert not pending(plan(inprocess, [d]))


def test_ignored_fields_with_override_fields_never_duplicate_them(inprocess: InProcessEmulator) -> None:
    body = users_sync("Users", override_fields=[OVERRIDE])
    sync_id = inprocess.data("POST", "/api/syncs", json=body)["id"]
    for flag in (True, False, True):
        d = model({**body, "sync_all_records": flag}, ignore=["fields"])
        update = plan(inprocess, [d])
        assert changed(update) == {"Users": ["sync_all_records"]}
        apply(inprocess, update)
        live = _live(inprocess, sync_id)
        assert _overrides(live) == [OVERRIDE]
        assert len(live["fields"]) == 3
        assert not pending(plan(inprocess, [d]))


def test_ignored_filters_with_labels_and_a_ui_cleared_filter_logic_apply(inprocess: InProcessEmulator) -> None:
    body = users_sync("Users", filters=[{**PLAN_FILTER, "label": "paid"}, {**ACTIVE, "label": "live"}],
                      filter_logic="paid AND live")
    sync_id = inprocess.data("POST", "/api/syncs", json=body)["id"]
    inprocess.data("PUT", f"/api/syncs/{sync_id}", json={**body, "filter_logic": ""})
    d = model(body, ignore=["filters"])
    update = plan(inprocess, [d])
    assert changed(update) == {"Users": ["filter_logic"]}
    apply(inprocess, update)  # was a 422 on every apply: the carried filters had lost their labels
    live = _live(inprocess, sync_id)
    assert live["filter_logic"] == "paid AND live"
    assert sorted(f["label"] for f in live["filters"]) == ["live", "paid"]
    assert not pending(plan(inprocess, [d]))


def test_ignored_filter_logic_keeps_the_live_logic_and_labels(inprocess: InProcessEmulator) -> None:
    body = users_sync("Users", filters=[{**PLAN_FILTER, "label": "paid"}, {**ACTIVE, "label": "live"}],
                      filter_logic="paid AND live")
    sync_id = inprocess.data("POST", "/api/syncs", json=body)["id"]
    inprocess.data("PUT", f"/api/syncs/{sync_id}", json={**body, "filter_logic": "paid OR live"})
    d = model({**body, "active": True}, ignore=["filter_logic"])
    update = plan(inprocess, [d])
    assert changed(update) == {"Users": ["active"]}
    apply(inprocess, update)
    assert _live(inprocess, sync_id)["filter_logic"] == "paid OR live"
    assert not pending(plan(inprocess, [d]))


def test_an_update_keeps_the_live_labels_of_filters_without_a_logic(inprocess: InProcessEmulator) -> None:
    """Found by the property test: the file's filters in another order than live relabelled them."""
    body = users_sync("Users", filters=[PLAN_FILTER, ACTIVE])
    sync_id = inprocess.data("POST", "/api/syncs", json=body)["id"]
    labels = {f["function"]: f["label"] for f in _live(inprocess, sync_id)["filters"]}
    d = model({**body, "filters": [ACTIVE, PLAN_FILTER], "active": True})
    update = plan(inprocess, [d])
    assert changed(update) == {"Users": ["active"]}
    apply(inprocess, update)
    assert {f["function"]: f["label"] for f in _live(inprocess, sync_id)["filters"]} == labels


def test_ignored_lists_with_override_entries_written_inside_fields(inprocess: InProcessEmulator) -> None:
    """As export writes them (the API returns override fields merged into fields): found by the property test."""
    merged = users_sync("Users")
    merged["fields"] = [*merged["fields"], OVERRIDE]
    sync_id = inprocess.data("POST", "/api/syncs", json=merged)["id"]
    for ignored in ("fields", "override_fields"):
        d = model({**merged, "active": ignored == "fields"}, ignore=[ignored], pinned=sync_id)
        update = plan(inprocess, [d])
        assert changed(update) == {"Users": ["active"]}, ignored
        apply(inprocess, update)
        assert _overrides(_live(inprocess, sync_id)) == [OVERRIDE] and len(_live(inprocess, sync_id)["fields"]) == 3
        assert not pending(plan(inprocess, [d]))
