"""The writer against the real emulator over HTTP, with hand-built changes and server-side faults."""

from __future__ import annotations

import pytest

from typing import Any

from reconciler.apply import apply_plan
from reconciler.apply.keys import KEY_PATTERN
from reconciler.planning.model import Change, Plan, fingerprint
from tests.apply.helpers import (
    FAST_TIMEOUT, LATENCY_MS, api_body, bulk_sync, client_for, create_live, live_names, model_sync, writes,
)
from tests.support.emulator import Emulator


def create_change(doc: dict[str, Any], **kw: Any) -> Change:
    return Change(kind=doc["kind"], name=doc["name"], action="create", body=api_body(doc), **kw)


def run(emulator: Emulator, *changes: Change, timeout: float = 10.0, parallelism: int = 4) -> dict[str, Any]:
    client = client_for(emulator, timeout=timeout)
    with client:
        result = apply_plan(client, Plan(changes=tuple(changes)), parallelism=parallelism, policy=client.retry)
    return {o.name: o for o in result.outcomes}


def write_requests(emulator: Emulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests()["requests"] if r["method"] != "GET"]


def test_every_write_carries_the_same_key_on_retry(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 500, "times": 2})
    out = run(emulator, create_change(model_sync("Keyed")))
    assert out["Keyed"].status == "done"
    keys = [r["idempotency_key"] for r in write_requests(emulator)]
    assert len(keys) == 3 and len(set(keys)) == 1 and KEY_PATTERN.match(keys[0])
    assert live_names(emulator)[("ModelSync", "Keyed")] == 1


def test_validation_error_is_reported_with_server_message_and_not_retried(emulator: Emulator) -> None:
    doc = model_sync("Bad field", fields=("no_such_field",))
    out = run(emulator, create_change(doc))
    assert out["Bad field"].status == "failed"
    assert "422" in out["Bad field"].message and "no_such_field" in out["Bad field"].message
    assert writes(emulator) == 1


def test_replayed_create_of_a_since_deleted_sync_is_not_success(emulator: Emulator) -> None:
    change = create_change(model_sync("Phoenix"))
    first = run(emulator, change)["Phoenix"]
    assert first.status == "done"
    assert emulator.api("DELETE", f"/api/syncs/{first.sync_id}").status_code in (200, 204)
    emulator.clear_requests()
    second = run(emulator, change)["Phoenix"]  # same change, same key: the server replays the old id
    assert second.status == "done" and second.sync_id != first.sync_id
    assert emulator.api("GET", f"/api/syncs/{second.sync_id}").status_code == 200
    assert live_names(emulator)[("ModelSync", "Phoenix")] == 1
    keys = [r["idempotency_key"] for r in write_requests(emulator)]
    assert len(keys) == 2 and keys[0] != keys[1]  # the replay, then a fresh derived key


def test_create_whose_name_several_live_syncs_hold_fails_without_sending(emulator: Emulator) -> None:
    doc = model_sync("Twin")
    create_live(emulator, doc)
    create_live(emulator, doc)
    emulator.clear_requests()
    out = run(emulator, create_change(doc))  # planned before the two appeared
    assert out["Twin"].status == "failed" and "keep one" in out["Twin"].message
    assert writes(emulator) == 0  # read first: nothing is sent
    assert live_names(emulator)[("ModelSync", "Twin")] == 2


def test_ambiguous_create_adopts_the_sync_that_was_made(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 0})
    out = run(emulator, create_change(model_sync("Adopted")))
    assert out["Adopted"].status == "done" and out["Adopted"].sync_id
    assert writes(emulator) == 1
    assert live_names(emulator)[("ModelSync", "Adopted")] == 1


def test_timeout_create_waits_out_the_in_flight_request(emulator: Emulator) -> None:
    # The first POST outlives the client's timeout; resends get 409 while it is in flight.
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "latency", "latency_ms": LATENCY_MS,
                         "times": 1})
    out = run(emulator, create_change(model_sync("Slow")), timeout=FAST_TIMEOUT)
    assert out["Slow"].status == "done", out["Slow"].message
    assert live_names(emulator)[("ModelSync", "Slow")] == 1


def test_dependent_create_gets_the_new_id(emulator: Emulator) -> None:
    first = model_sync("Upstream")
    second = model_sync("Downstream", frequency="runafter")
    second["schedule"]["run_after"] = {"sync_ids": ["${sync:Upstream}"]}
    bulk = bulk_sync("Lake")
    third = model_sync("After lake", frequency="runafter")
    third["schedule"]["run_after"] = {"bulk_sync_ids": ["${bulk_sync:Lake}"]}
    # as the planner makes them: each reference to a sync the plan creates is a dependency
    out = run(emulator, create_change(second, depends_on=("ModelSync/Upstream",)), create_change(first),
              create_change(third, depends_on=("BulkSync/Lake",)), create_change(bulk))
    assert all(o.status == "done" for o in out.values()), {k: o.message for k, o in out.items()}
    live = emulator.api("GET", f"/api/syncs/{out['Downstream'].sync_id}").json()["data"]
    assert live["schedule"]["run_after"]["sync_ids"] == [out["Upstream"].sync_id]
    live = emulator.api("GET", f"/api/syncs/{out['After lake'].sync_id}").json()["data"]
    assert live["schedule"]["run_after"]["bulk_sync_ids"] == [out["Lake"].sync_id]


def test_dependents_of_a_failed_create_are_skipped(emulator: Emulator) -> None:
    bad = model_sync("Broken", fields=("nope",))
    child = model_sync("Child", frequency="runafter")
    child["schedule"]["run_after"] = {"sync_ids": ["${sync:Broken}"]}
    out = run(emulator, create_change(bad), create_change(child, depends_on=("ModelSync/Broken",)),
              create_change(model_sync("Independent")))
    assert out["Broken"].status == "failed"
    assert out["Child"].status == "skipped" and "ModelSync/Broken failed" in out["Child"].message
    assert out["Independent"].status == "done"


def test_update_and_delete_of_missing_syncs(emulator: Emulator) -> None:
    sync_id = create_live(emulator, model_sync("Gone"))
    live = emulator.api("GET", f"/api/syncs/{sync_id}").json()["data"]
    emulator.api("DELETE", f"/api/syncs/{sync_id}")
    upd = Change(kind="ModelSync", name="Gone", action="update", sync_id=sync_id, fingerprint=fingerprint(live),
                 body=api_body(model_sync("Gone", frequency="hourly")))
    out = run(emulator, upd)
    assert out["Gone"].status == "failed" and "no longer exists" in out["Gone"].message
    dele = Change(kind="ModelSync", name="Gone", action="delete", sync_id=sync_id, fingerprint=fingerprint(live))
    out = run(emulator, dele)
    assert out["Gone"].status == "done"


@pytest.mark.e2e  # a dropped connection over a socket
def test_bulk_sync_create_update_delete_with_faults(emulator: Emulator) -> None:
    keep_id = create_live(emulator, bulk_sync("Bulk keep"))
    doomed_id = create_live(emulator, bulk_sync("Bulk doomed"))
    keep = emulator.api("GET", f"/api/bulk/syncs/{keep_id}").json()["data"]
    doomed = emulator.api("GET", f"/api/bulk/syncs/{doomed_id}").json()["data"]
    emulator.add_faults(
        {"method": "POST", "path": "/api/bulk/syncs", "action": "after_commit", "status": 502},
        {"method": "PUT", "path": "/api/bulk/syncs/*", "action": "drop", "times": 1},
        {"method": "DELETE", "path": "/api/bulk/syncs/*", "action": "after_commit", "status": 500},
    )
    out = run(
        emulator,
        create_change(bulk_sync("Bulk new")),
        Change(kind="BulkSync", name="Bulk keep", action="update", sync_id=keep_id, fingerprint=fingerprint(keep),
               body=api_body(bulk_sync("Bulk keep", frequency="hourly"))),
        Change(kind="BulkSync", name="Bulk doomed", action="delete", sync_id=doomed_id,
               fingerprint=fingerprint(doomed)),
    )
    assert {k: o.status for k, o in out.items()} == {"Bulk new": "done", "Bulk keep": "done", "Bulk doomed": "done"}
    names = live_names(emulator)
    assert names[("BulkSync", "Bulk new")] == 1 and names[("BulkSync", "Bulk keep")] == 1
    assert names[("BulkSync", "Bulk doomed")] == 0
    live = emulator.api("GET", f"/api/bulk/syncs/{keep_id}").json()["data"]
    assert live["default_schedule"]["frequency"] == "hourly"
