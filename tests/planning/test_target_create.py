"""target.create is sent on create only: updates keep the live target.object, and the plan says,
for each such sync, which object it writes to so the file can pin it."""

from __future__ import annotations

from reconciler.render.json_plan import plan_json
from reconciler.render.text import render_plan
from tests.planning.helpers import accounts_to_hubspot, model
from tests.property.harness import apply, changed, pending, plan
from tests.support.inprocess import InProcessEmulator


def test_updates_keep_the_live_object_and_the_plan_names_it(inprocess: InProcessEmulator) -> None:
    body = accounts_to_hubspot("Accounts")
    first = plan(inprocess, [model(body)])
    assert not first.hints  # nothing live yet: the create sends target.create
    apply(inprocess, first)
    live = inprocess.data("GET", f"/api/syncs/{inprocess.data('GET', '/api/syncs')[0]['id']}")
    made = live["target"]["object"]
    assert made
    again = plan(inprocess, [model(body)])
    assert not pending(again)
    [hint] = again.hints
    assert hint.name == "Accounts" and "target.object" in hint.message and repr(made) in hint.message
    assert "Hint:" in render_plan(again) and made in render_plan(again)
    assert plan_json(again)["hints"][0]["name"] == "Accounts"
    update = plan(inprocess, [model({**body, "active": True})])
    assert changed(update) == {"Accounts": ["active"]}
    change = update.changes[0]
    assert change.body is not None and change.body["target"].get("object") == made
    assert "create" not in change.body["target"] and not any(d.path == "target.create" for d in change.diffs)
    apply(inprocess, update)
    after = inprocess.data("GET", f"/api/syncs/{live['id']}")
    assert after["target"]["object"] == made and after["active"] is True


def test_a_ui_change_of_the_object_keeps_the_new_object_and_the_hint_names_it(inprocess: InProcessEmulator) -> None:
    body = accounts_to_hubspot("Accounts")
    apply(inprocess, plan(inprocess, [model(body)]))
    sync_id = inprocess.data("GET", "/api/syncs")[0]["id"]
    ui = {**body, "target": {"connection_id": body["target"]["connection_id"], "object": "companies"}}
    inprocess.data("PUT", f"/api/syncs/{sync_id}", json=ui)
    seen = plan(inprocess, [model(body)])
    assert [h.message for h in seen.hints if "'companies'" in h.message]
    apply(inprocess, plan(inprocess, [model({**body, "active": True})]))
    assert inprocess.data("GET", f"/api/syncs/{sync_id}")["target"]["object"] == "companies"
