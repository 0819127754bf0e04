"""`updated_at` moves on every change of a sync (the read cache relies on it): every write route
on one sync either leaves what a reader sees as it was, or moves `updated_at` forward in the
object, its list item and the listing order."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from reconciler.emulator.app import ROUTES
from tests.emulator.helpers import sync_body
from tests.support.emulator import S3, WAREHOUSE, Emulator

BULK = {"name": "Stamp bulk", "mode": "replicate", "source_connection_id": WAREHOUSE, "destination_connection_id": S3,
        "default_schedule": {"frequency": "daily", "hour": "2", "minute": "0"},
        "destination_configuration": {"format": "parquet"}, "schemas": [{"id": "public.users"}]}


def _model_update(sync: dict[str, Any]) -> dict[str, Any]:
    return sync_body(name=sync["name"], schedule={"frequency": "hourly"})


#: (method, route) -> (kind, the request body for the sync as it is). Every write route on one sync is here.
WRITES: dict[tuple[str, str], tuple[str, Callable[[dict[str, Any]], Any]]] = {
    ("PUT", "/api/syncs/{id}"): ("model", _model_update),
    ("PATCH", "/api/syncs/{id}"): ("model", _model_update),
    ("POST", "/api/syncs/{id}/activate"): ("model", lambda s: {"active": not s["active"]}),
    ("POST", "/api/syncs/{id}/executions"): ("model", lambda s: {}),
    ("POST", "/api/syncs/{id}/cancel"): ("model", lambda s: None),
    ("PUT", "/api/bulk/syncs/{id}"): ("bulk", lambda s: {**BULK, "schemas": [{"id": "public.accounts"}]}),
    ("POST", "/api/bulk/syncs/{id}/activate"): ("bulk", lambda s: {"active": not s["active"]}),
    ("POST", "/api/bulk/syncs/{id}/executions"): ("bulk", lambda s: {}),
    ("POST", "/api/bulk/syncs/{id}/cancel"): ("bulk", lambda s: None),
    ("PUT", "/api/bulk/syncs/{id}/schemas/{schema_id}"): ("bulk", lambda s: {"disable_data_cutoff": True}),
    ("PATCH", "/api/bulk/syncs/{id}/schemas"): ("bulk", lambda s: {"schemas": [{"id": SCHEMA_ID,
                                                                                  "disable_data_cutoff": True}]}),
}
SCHEMA_ID = "public.users"  # the schema BULK selects
_BASE = {"model": "/api/syncs", "bulk": "/api/bulk/syncs"}


def _one_sync_writes() -> set[tuple[str, str]]:
    return {(r.method, r.template) for r in ROUTES
            if r.method != "GET" and r.template.startswith(("/api/syncs/{id}", "/api/bulk/syncs/{id}"))
            and not (r.method == "DELETE" and r.template.endswith("{id}"))}


def test_every_write_route_on_a_sync_is_covered() -> None:
    missing = _one_sync_writes() - set(WRITES)
    assert not missing, (f"new write route(s) {sorted(missing)}: add them to WRITES; the read cache needs "
                         "updated_at to move whenever they change what a GET returns")


def _seen(emulator: Emulator, kind: str, sync_id: str) -> dict[str, Any]:
    """Everything a reader can see of one sync: the object, its list item, its schemas."""
    obj = emulator.api("GET", f"{_BASE[kind]}/{sync_id}").json()["data"]
    listed = [s for s in emulator.api("GET", _BASE[kind], params={"limit": 50}).json()["data"] if s["id"] == sync_id]
    out = {"object": obj, "item": listed[0] if listed else None}
    if kind == "bulk":
        out["schemas"] = emulator.api("GET", f"/api/bulk/syncs/{sync_id}/schemas").json()["data"]
        out["full_schemas"] = [emulator.api("GET", f"/api/bulk/syncs/{sync_id}/schemas/{s['id']}").json()["data"]
                               for s in out["schemas"]]
    return out


@pytest.mark.parametrize(("method", "route"), sorted(WRITES))
def test_a_write_either_changes_nothing_or_moves_updated_at(emulator: Emulator, method: str, route: str) -> None:
    kind, make_body = WRITES[(method, route)]
    if kind == "model":
        sync_id = emulator.api("POST", "/api/syncs", json=sync_body(name="Stamp")).json()["data"]["id"]
    else:
        sync_id = emulator.api("POST", "/api/bulk/syncs", json=BULK).json()["data"]["id"]
    emulator.settings(execution_running_after=5, execution_completed_after=10)
    if route.endswith("/cancel"):
        assert emulator.api("POST", f"{_BASE[kind]}/{sync_id}/executions", json={}).status_code == 200
    before = _seen(emulator, kind, sync_id)
    body = make_body(before["object"])
    url = route.replace("{id}", sync_id).replace("{schema_id}", SCHEMA_ID)
    r = emulator.api(method, url, **({} if body is None else {"json": body}))
    assert r.status_code == 200, r.text
    after = _seen(emulator, kind, sync_id)
    stamp_before, stamp_after = before["object"]["updated_at"], after["object"]["updated_at"]
    assert after["item"]["updated_at"] == stamp_after
    if after == before:
        return  # (starting or cancelling an execution changes no field of the sync)
    assert stamp_after > stamp_before, f"{method} {route} changed the sync but not its updated_at"
    newest = emulator.api("GET", _BASE[kind], params={"limit": 1}).json()["data"]
    if kind == "model":
        assert newest[0]["id"] == sync_id  # the listing is ordered by updated_at: it moved to the front


def test_updates_that_change_something_are_really_exercised(emulator: Emulator) -> None:
    """The parametrized test above must see real changes for the update routes, not only no-ops."""
    sync_id = emulator.api("POST", "/api/bulk/syncs", json=BULK).json()["data"]["id"]
    before = _seen(emulator, "bulk", sync_id)
    assert emulator.api("PUT", f"/api/bulk/syncs/{sync_id}", json=WRITES[("PUT", "/api/bulk/syncs/{id}")][1]({})
                        ).status_code == 200
    after = _seen(emulator, "bulk", sync_id)
    assert after["schemas"] != before["schemas"]  # only the per-schema selection changed...
    assert after["object"]["updated_at"] > before["object"]["updated_at"]  # ...and updated_at moved
