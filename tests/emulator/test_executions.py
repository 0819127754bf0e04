"""Executions: created → running → completed by elapsed time, 409 while running, cancel, status,
history, and finished executions appended through the control for drift tests."""

from __future__ import annotations

import time

from tests.emulator.helpers import bulk_body, data_of, error_of, sync_body
from tests.support.emulator import Emulator


def new_sync(emulator: Emulator, **body: object) -> str:
    return data_of(emulator.api("POST", "/api/syncs", json=sync_body(**body)))["id"]


def poll_status(emulator: Emulator, path: str, want: str, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = data_of(emulator.api("GET", path))
        execution = status.get("current_execution") or status.get("last_execution") or {}
        if execution.get("status") == want:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.03)


def test_default_timing_walks_through_the_states(emulator: Emulator) -> None:
    sync_id = new_sync(emulator)
    status = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"))
    assert status == {"next_execution_time": None}
    started = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"))
    assert started["status"] == "created" and set(started) == {"id", "status", "created_at"}
    created = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"))["current_execution"]
    assert created["status"] == "created" and created["started_at"] is None
    assert created["counts"]["total"] == 0
    running = poll_status(emulator, f"/api/syncs/{sync_id}/status", "running")["current_execution"]
    assert running["started_at"] and running["completed_at"] is None
    done = poll_status(emulator, f"/api/syncs/{sync_id}/status", "completed")
    assert "current_execution" not in done
    last = done["last_execution"]
    assert last["id"] == started["id"]
    assert last["counts"] == {"total": 100, "insert": 60, "update": 35, "delete": 5, "upserts": 95,
                              "error": 0, "warnings": 0}
    assert last["errors"] == [] and last["type"] == "manual"
    assert last["created_at"] < last["started_at"] < last["completed_at"]


def test_second_start_while_running_is_409(emulator: Emulator) -> None:
    emulator.settings(execution_running_after=0.05, execution_completed_after=0.3)
    sync_id = new_sync(emulator)
    first = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"))
    error = error_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"), 409)
    assert error["metadata"]["execution_id"] == first["id"]
    poll_status(emulator, f"/api/syncs/{sync_id}/status", "completed")
    second = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions", json={"test": True}))
    assert second["id"] != first["id"]
    history = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions"))
    assert [e["id"] for e in history] == [second["id"], first["id"]]
    assert history[0]["type"] == "test"
    ascending = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions", params={"ascending": "true"}))
    assert [e["id"] for e in ascending] == [first["id"], second["id"]]
    one = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions/{first['id']}"))
    assert one["status"] == "completed"
    error_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions", json={"resync": "yes"}), 400)


def test_cancel(emulator: Emulator) -> None:
    emulator.settings(execution_running_after=0.05, execution_completed_after=30)
    sync_id = new_sync(emulator)
    error_of(emulator.api("POST", f"/api/syncs/{sync_id}/cancel"), 409)
    started = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"))
    poll_status(emulator, f"/api/syncs/{sync_id}/status", "running")
    out = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/cancel"))
    assert started["id"] in out["message"]
    status = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"))
    assert "current_execution" not in status
    assert status["last_execution"]["status"] == "canceled"
    assert status["last_execution"]["completed_at"] and status["last_execution"]["started_at"]
    data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"))  # may start again


def test_status_shows_current_and_last(emulator: Emulator) -> None:
    emulator.settings(execution_running_after=0.02, execution_completed_after=30)
    sync_id = new_sync(emulator)
    failed = emulator.append_execution(sync_id, status="failed", errors=["boom: 3 rows rejected"],
                                       counts={"total": 10, "error": 3})
    current = data_of(emulator.api("POST", f"/api/syncs/{sync_id}/executions"))
    status = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"))
    assert status["current_execution"]["id"] == current["id"]
    assert status["last_execution"]["id"] == failed["id"]
    assert status["last_execution"]["status"] == "failed"
    assert status["last_execution"]["errors"] == ["boom: 3 rows rejected"]
    assert status["last_execution"]["counts"]["error"] == 3 and status["last_execution"]["counts"]["insert"] == 0


def test_appended_executions_for_drift(emulator: Emulator) -> None:
    sync_id = new_sync(emulator)
    ok = emulator.append_execution(sync_id, status="completed")
    assert ok["status"] == "completed" and ok["counts"]["total"] == 100
    bad = emulator.append_execution(sync_id, status="failed", errors=["auth expired"])
    status = data_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"))
    assert status["last_execution"]["id"] == bad["id"]
    assert [e["status"] for e in data_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions"))] == \
        ["failed", "completed"]
    assert [e["status"] for e in data_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions",
                                                      params={"only_completed": "true"}))] == ["failed", "completed"]
    r = emulator.control("POST", f"/_emulator/syncs/{sync_id}/executions", json={"status": "exploded"})
    assert r.status_code == 400
    r = emulator.control("POST", "/_emulator/syncs/9f000000-0000-4000-8000-000000000000/executions", json={})
    assert r.status_code == 404


def test_next_execution_time(emulator: Emulator) -> None:
    daily = new_sync(emulator, active=True, schedule={"frequency": "daily", "hour": "3", "minute": "30"})
    nxt = data_of(emulator.api("GET", f"/api/syncs/{daily}/status"))["next_execution_time"]
    assert nxt.endswith("T03:30:00Z")
    paused = new_sync(emulator, schedule={"frequency": "daily", "hour": "3", "minute": "30"})
    assert data_of(emulator.api("GET", f"/api/syncs/{paused}/status"))["next_execution_time"] is None


def test_deleting_a_sync_removes_its_executions(emulator: Emulator) -> None:
    sync_id = new_sync(emulator)
    emulator.append_execution(sync_id, status="completed")
    emulator.api("DELETE", f"/api/syncs/{sync_id}")
    error_of(emulator.api("GET", f"/api/syncs/{sync_id}/executions"), 404)
    error_of(emulator.api("GET", f"/api/syncs/{sync_id}/status"), 404)


def test_bulk_status_and_executions(emulator: Emulator) -> None:
    emulator.settings(execution_running_after=0.02, execution_completed_after=0.2)
    sync = data_of(emulator.api("POST", "/api/bulk/syncs", json=bulk_body(schemas=["public.users", "public.events"])))
    path = f"/api/bulk/syncs/{sync['id']}"
    assert data_of(emulator.api("GET", f"{path}/status")) == {"next_execution_time": None}
    started = data_of(emulator.api("POST", f"{path}/executions"))
    assert started["status"] == "created"
    assert [s["schema"] for s in started["schemas"]] == ["public.users", "public.events"]
    error_of(emulator.api("POST", f"{path}/executions"), 409)
    done = poll_status(emulator, f"{path}/status", "completed")["last_execution"]
    assert done["record_count"] == 100 and done["error_count"] == 0
    failed = emulator.append_execution(sync["id"], status="failed", errors=["disk full"])
    status = data_of(emulator.api("GET", f"{path}/status"))
    assert status["last_execution"]["id"] == failed["id"]
    assert status["last_execution"]["status"] == "failed"
    assert status["last_execution"]["status_message"] == "disk full"
    assert len(data_of(emulator.api("GET", f"{path}/executions"))) == 2
    emulator.settings(execution_completed_after=30)
    data_of(emulator.api("POST", f"{path}/executions"))
    assert "canceled" in data_of(emulator.api("POST", f"{path}/cancel"))["message"]
