"""Fault rules, tested for the effect a client sees."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.emulator.helpers import data_of, error_of, sync_body
from tests.support.emulator import Emulator, start_emulator


def test_error_status_body_and_retry_after(emulator: Emulator) -> None:
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "error", "status": 503,
                         "body": {"message": "maintenance"}, "retry_after": 2})
    response = emulator.api("GET", "/api/syncs")
    body = error_of(response, 503)
    assert body["message"] == "maintenance"
    assert response.headers["Retry-After"] == "2"
    assert response.headers["X-Polytomic-Version"] == "2025-09-18"
    assert emulator.api("POST", "/api/syncs", json=sync_body()).status_code == 200  # other method
    assert emulator.api("GET", "/api/syncs/9f000000-0000-4000-8000-000000000000").status_code == 404  # other path


def test_error_without_auth_still_fires(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/*", "action": "error", "status": 500})
    error_of(emulator.control("GET", "/api/me"), 500)


def test_429_with_retry_after(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/syncs", "action": "error", "status": 429, "retry_after": 0.25, "nth": 1})
    limited = emulator.api("GET", "/api/syncs")
    assert error_of(limited, 429) and limited.headers["Retry-After"] == "0.25"
    assert emulator.api("GET", "/api/syncs").status_code == 200


def test_rate_limit_token_bucket(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/*", "action": "rate_limit", "rate": 2, "burst": 3})
    statuses = [emulator.api("GET", "/api/me").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    limited = emulator.api("GET", "/api/me")
    assert error_of(limited, 429)["key"] == "too_many_requests"
    assert limited.headers["Retry-After"] == "1"  # computed wait, rounded up to whole seconds
    time.sleep(1.1)  # refills about 2 tokens at 2/s
    assert [emulator.api("GET", "/api/me").status_code for _ in range(2)] == [200, 200]
    rule = emulator.faults()[0]
    assert rule["matched"] == 8 and rule["fired"] == 3


def test_rate_limit_with_fixed_retry_after(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "action": "rate_limit", "rate": 0.1, "burst": 1, "retry_after": 0.5})
    assert emulator.api("POST", "/api/syncs", json=sync_body()).status_code == 200
    limited = emulator.api("POST", "/api/syncs", json=sync_body())
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "0.5"
    assert emulator.api("GET", "/api/syncs").status_code == 200
    assert len(emulator.api("GET", "/api/syncs").json()["data"]) == 1


@pytest.mark.e2e  # a dropped connection over a socket
def test_drop_closes_the_connection_without_a_response(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "drop", "times": 1})
    with pytest.raises(httpx.TransportError):  # RemoteProtocolError: disconnected without a response
        emulator.api("POST", "/api/syncs", json=sync_body())
    assert emulator.api("GET", "/api/syncs").json()["data"] == []  # not handled
    assert emulator.api("POST", "/api/syncs", json=sync_body()).status_code == 200
    log = emulator.requests()["requests"]
    assert log[0]["status"] == 0 and log[0]["fault"] == "drop"


def test_after_commit_create_leaves_exactly_one_sync(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 500,
                         "body": {"message": "lost the answer"}, "times": 1})
    response = emulator.api("POST", "/api/syncs", json=sync_body())
    assert error_of(response, 500)["message"] == "lost the answer"
    assert len(emulator.api("GET", "/api/syncs").json()["data"]) == 1


def test_after_commit_update_is_applied(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    emulator.add_faults({"method": "PUT", "path": "/api/syncs/*", "action": "after_commit", "status": 503,
                         "retry_after": 1})
    response = emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(name="new"))
    error_of(response, 503)
    assert response.headers["Retry-After"] == "1"
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))["name"] == "new"


def test_latency_does_not_block_other_requests(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/me", "action": "latency", "latency_ms": 800})

    def slow() -> None:
        assert emulator_get(emulator, "/api/me").status_code == 200

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    assert emulator_get(emulator, "/api/connections").status_code == 200
    thread.join()
    # the server's own clock: the later request was answered while the delayed one still waited
    log = {r["path"]: r for r in emulator.requests()["requests"]}
    delayed, other = log["/api/me"], log["/api/connections"]
    assert delayed["at"] < other["at"] and other["answered"] < delayed["answered"]
    assert delayed["answered"] - delayed["at"] >= 0.8


def emulator_get(emulator: Emulator, path: str) -> httpx.Response:
    return emulator.control("GET", path, headers=emulator.headers(), timeout=10)


def test_nth_and_times(emulator: Emulator) -> None:
    emulator.add_faults({"method": "GET", "path": "/api/me", "action": "error", "status": 502, "nth": [2, 4]})
    assert [emulator.api("GET", "/api/me").status_code for _ in range(5)] == [200, 502, 200, 502, 200]
    emulator.clear_faults()
    emulator.add_faults({"path": "/api/me", "action": "error", "status": 500, "times": 2})
    assert [emulator.api("GET", "/api/me").status_code for _ in range(4)] == [500, 500, 200, 200]
    emulator.clear_faults()
    emulator.add_faults({"path": "/api/me", "action": "error", "nth": 3})
    assert [emulator.api("GET", "/api/me").status_code for _ in range(4)] == [200, 200, 500, 200]


def test_probability(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/me", "action": "error", "probability": 0})
    assert all(emulator.api("GET", "/api/me").status_code == 200 for _ in range(10))
    emulator.clear_faults()
    emulator.add_faults({"path": "/api/me", "action": "error", "probability": 1})
    assert all(emulator.api("GET", "/api/me").status_code == 500 for _ in range(5))
    emulator.clear_faults()
    emulator.add_faults({"path": "/api/me", "action": "error", "probability": 0.5, "seed": 7})
    first = [emulator.api("GET", "/api/me").status_code for _ in range(30)]
    assert 0 < first.count(500) < 30
    emulator.clear_faults()
    emulator.add_faults({"path": "/api/me", "action": "error", "probability": 0.5, "seed": 7})
    assert [emulator.api("GET", "/api/me").status_code for _ in range(30)] == first


def test_glob_paths_and_methods(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    emulator.add_faults({"method": "get", "path": "/api/syncs/*/status", "action": "error", "status": 500})
    error_of(emulator.api("GET", f"/api/syncs/{sync['id']}/status"), 500)
    assert emulator.api("GET", f"/api/syncs/{sync['id']}").status_code == 200


def test_rules_are_listed_cleared_and_reset(emulator: Emulator) -> None:
    emulator.add_faults({"path": "/api/me", "action": "latency", "latency_ms": 1})
    response = emulator.control("POST", "/_emulator/faults", json={"path": "/api/me", "action": "error"})
    assert response.status_code == 200  # one rule without the "rules" wrapper
    emulator.api("GET", "/api/me")
    rules = emulator.faults()
    assert [r["action"] for r in rules] == ["latency", "error"]
    assert rules[0]["matched"] == 1 and rules[1]["fired"] == 1
    emulator.clear_faults()
    assert emulator.faults() == []
    emulator.add_faults({"action": "error"})
    emulator.reset()
    assert emulator.faults() == []
    assert emulator.api("GET", "/api/me").status_code == 200


@pytest.mark.parametrize("rule", [
    {"action": "explode"},
    {"path": "/api/me"},
    {"action": "error", "status": 42},
    {"action": "error", "status": 0},
    {"action": "error", "nth": 0},
    {"action": "error", "nth": ["1"]},
    {"action": "error", "probability": 2},
    {"action": "error", "pathh": "/x"},
    {"action": "rate_limit", "rate": 0},
    {"action": "latency", "latency_ms": "slow"},
    "error",
])
def test_invalid_rules_are_400(emulator: Emulator, rule: object) -> None:
    response = emulator.control("POST", "/_emulator/faults", json={"rules": [rule]})
    assert response.status_code == 400
    assert response.json()["key"] == "invalid_fault_rule"
    assert emulator.faults() == []


@pytest.mark.e2e  # the `--faults` option of the emulator process
def test_faults_file(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text(
        "rules:\n"
        "  - method: GET\n"
        "    path: /api/me\n"
        "    nth: [1]\n"
        "    action: error\n"
        "    status: 503\n"
        "    retry_after: 1\n"
        "  - path: /api/connections\n"
        "    action: rate_limit\n"
        "    rate: 0.01\n"
        "    burst: 1\n"
    )
    emu = start_emulator("--faults", str(path))
    try:
        first = emu.api("GET", "/api/me")
        assert first.status_code == 503 and first.headers["Retry-After"] == "1"
        assert emu.api("GET", "/api/me").status_code == 200
        assert [emu.api("GET", "/api/connections").status_code for _ in range(2)] == [200, 429]
        assert len(emu.faults()) == 2
        emu.reset()  # back to the file's rules, counters restarted
        assert emu.api("GET", "/api/me").status_code == 503
    finally:
        emu.stop()


@pytest.mark.e2e  # the `--faults` option of the emulator process
def test_invalid_faults_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("rules:\n  - action: explode\n")
    with pytest.raises(RuntimeError, match="explode|action"):
        start_emulator("--faults", str(path))
