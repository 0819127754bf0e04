"""`Idempotency-Key`: first outcome replayed (errors included), 409 while in flight, per organisation,
and the committed result replayed after a failure injected after the commit."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.emulator.helpers import data_of, error_of, sync_body
from tests.support.emulator import OTHER_ORG_KEY, Emulator


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def stored(emulator: Emulator) -> list[dict]:
    return emulator.api("GET", "/api/syncs").json()["data"]


def test_create_is_replayed(emulator: Emulator) -> None:
    first = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("create-users-1"))
    second = emulator.api("POST", "/api/syncs", json=sync_body(name="different body"),
                          headers=keyed("create-users-1"))
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["X-Polytomic-Version"] == "2025-09-18"
    assert len(stored(emulator)) == 1


def test_errors_are_replayed_too(emulator: Emulator) -> None:
    bad = emulator.api("POST", "/api/syncs", json=sync_body(mode="update"), headers=keyed("key-for-error"))
    body = error_of(bad, 422)
    again = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("key-for-error"))
    assert again.status_code == 422 and again.json() == body
    schema = emulator.api("POST", "/api/syncs", json={}, headers=keyed("key-for-400"))
    assert emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("key-for-400")).json() == schema.json()
    assert stored(emulator) == []


def test_update_and_delete_are_replayed(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    path = f"/api/syncs/{sync['id']}"
    one = data_of(emulator.api("PUT", path, json=sync_body(name="v2"), headers=keyed("update-v2")))
    two = data_of(emulator.api("PUT", path, json=sync_body(name="v2"), headers=keyed("update-v2")))
    assert one == two
    assert data_of(emulator.api("GET", path))["updated_at"] == one["updated_at"]
    gone = emulator.api("DELETE", path, headers=keyed("delete-it-1"))
    again = emulator.api("DELETE", path, headers=keyed("delete-it-1"))
    assert gone.status_code == again.status_code == 200 and again.content == b""
    error_of(emulator.api("DELETE", path, headers=keyed("delete-it-2")), 404)


@pytest.mark.parametrize("key", ["short", "x" * 256, "has spaces", "dots.not.ok", "ünïcode-key".encode(), ""])
def test_malformed_keys_are_400(emulator: Emulator, key: str | bytes) -> None:
    error = error_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers={"Idempotency-Key": key}), 400)
    assert error["key"] == "invalid_idempotency_key"
    assert stored(emulator) == []


@pytest.mark.parametrize("key", ["abcdefgh", "x" * 255, "A-b_C-d_0123"])
def test_well_formed_keys(emulator: Emulator, key: str) -> None:
    data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed(key)))


def test_keys_are_ignored_on_reads(emulator: Emulator) -> None:
    assert emulator.api("GET", "/api/syncs", headers=keyed("bad")).status_code == 200


def test_keys_are_scoped_per_organisation(emulator: Emulator) -> None:
    mine = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("shared-key-1"))
    theirs = emulator.api("POST", "/api/syncs", api_key=OTHER_ORG_KEY, json=sync_body(), headers=keyed("shared-key-1"))
    assert mine.status_code == 200
    assert theirs.status_code == 422  # their own outcome, not a replay of ours
    assert "Idempotent-Replayed" not in theirs.headers


def test_reusing_a_key_for_another_request_is_422(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("one-key-only")))
    response = emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(), headers=keyed("one-key-only"))
    assert error_of(response, 422)["key"] == "idempotency_key_reused"


def test_409_while_the_first_request_is_in_flight(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "latency", "latency_ms": 600, "times": 1})
    results: list[httpx.Response] = []

    def slow() -> None:
        results.append(emulator_request(emulator, "in-flight-key"))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.25)
    contender = emulator_request(emulator, "in-flight-key")
    thread.join()
    assert error_of(contender, 409)["key"] == "idempotency_key_in_use"
    assert results[0].status_code == 200
    replay = emulator_request(emulator, "in-flight-key")
    assert replay.json() == results[0].json()
    assert len(stored(emulator)) == 1


def emulator_request(emulator: Emulator, key: str) -> httpx.Response:
    return emulator.control("POST", "/api/syncs", json=sync_body(), timeout=10,
                            headers={**emulator.headers(), "Idempotency-Key": key})


def test_commit_then_500_is_replayed_with_the_committed_result(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 500,
                         "times": 1})
    failed = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("commit-then-500"))
    error_of(failed, 500)
    live = stored(emulator)
    assert len(live) == 1  # the write committed
    retry = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("commit-then-500"))
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["data"]["id"] == live[0]["id"]
    assert len(stored(emulator)) == 1


def test_commit_then_drop_is_replayed(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 0, "times": 1})
    with pytest.raises(httpx.TransportError):
        emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("commit-then-drop"))
    retry = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("commit-then-drop")))
    assert [s["id"] for s in stored(emulator)] == [retry["id"]]


def test_without_a_key_a_retry_after_commit_duplicates(emulator: Emulator) -> None:
    """What a careless client gets (why the key matters)."""
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 502, "times": 1})
    error_of(emulator.api("POST", "/api/syncs", json=sync_body()), 502)
    data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    assert len(stored(emulator)) == 2


def test_faults_before_handling_do_not_consume_the_key(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 503, "times": 1})
    error_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("retry-after-503")), 503)
    assert stored(emulator) == []
    created = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("retry-after-503"))
    assert created.status_code == 200 and "Idempotent-Replayed" not in created.headers


def test_outcomes_expire_after_the_ttl(emulator: Emulator) -> None:
    assert emulator.settings()["idempotency_ttl"] == 24 * 3600
    emulator.settings(idempotency_ttl=0.3)
    first = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("short-lived")))
    replay = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("short-lived")))
    assert replay["id"] == first["id"]
    time.sleep(0.4)
    fresh = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("short-lived")))
    assert fresh["id"] != first["id"]


def test_reset_forgets_idempotency_keys(emulator: Emulator) -> None:
    data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("before-reset")))
    emulator.reset()
    response = emulator.api("POST", "/api/syncs", json=sync_body(), headers=keyed("before-reset"))
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
