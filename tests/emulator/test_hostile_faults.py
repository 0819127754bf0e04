"""The hostile-server fault rules, tested for the effect any client sees over HTTP."""

from __future__ import annotations

import unicodedata

import pytest

from tests.emulator.helpers import data_of, error_of, sync_body
from tests.support.emulator import Emulator


def test_normalize_names_stores_the_name_as_a_normalising_server_would(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "normalize_names", "forms": ["nfc", "strip"]})
    created = data_of(emulator.api("POST", "/api/syncs", json=sync_body(name=unicodedata.normalize("NFD", " Café "))))
    assert created["name"] == "Café" and unicodedata.is_normalized("NFC", created["name"])
    emulator.add_faults({"method": "PUT", "action": "normalize_names", "forms": ["casefold"]})
    updated = data_of(emulator.api("PUT", f"/api/syncs/{created['id']}", json=sync_body(name="LOUD Name")))
    assert updated["name"] == "loud name"


def test_lag_hides_a_new_sync_from_its_next_reads_only(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 2})
    sync_id = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))["id"]
    listed = [[s["id"] for s in data_of(emulator.api("GET", "/api/syncs"))] for _ in range(3)]
    assert listed == [[], [], [sync_id]]
    statuses = [emulator.api("GET", f"/api/syncs/{sync_id}").status_code for _ in range(3)]
    assert statuses == [404, 404, 200]
    hidden = data_of(emulator.api("POST", "/api/syncs", json=sync_body(name="Hidden")))["id"]
    emulator.clear_faults()  # no lag outlives its rule
    assert emulator.api("GET", f"/api/syncs/{hidden}").status_code == 200


def test_lag_starts_when_a_sync_is_created_not_again_when_its_create_is_replayed(emulator: Emulator) -> None:
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 2})
    key = {"Idempotency-Key": "replayed-create-0001"}
    sync_id = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers=key))["id"]
    assert emulator.api("GET", f"/api/syncs/{sync_id}").status_code == 404
    replay = emulator.api("POST", "/api/syncs", json=sync_body(), headers=key)
    assert replay.headers.get("Idempotent-Replayed") == "true" and data_of(replay)["id"] == sync_id
    statuses = [emulator.api("GET", f"/api/syncs/{sync_id}").status_code for _ in range(2)]
    assert statuses == [404, 200]  # the second read of the sync's lag, then visible: the replay did not restart it


def test_loop_token_points_back_to_an_earlier_page(emulator: Emulator) -> None:
    emulator.seed(model_syncs=[sync_body(name=f"Paged {i}") for i in range(60)])
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "loop_token"})
    first = emulator.api("GET", "/api/syncs").json()
    token = first["pagination"]["next_page_token"]
    second = emulator.api("GET", "/api/syncs", params={"page_token": token}).json()
    assert second["pagination"]["next_page_token"] == token  # the last page leads back to itself


def test_dribble_sends_the_answer_slowly(emulator: Emulator) -> None:
    emulator.add_faults({"method": "GET", "path": "/api/me", "action": "dribble", "interval_ms": 50, "chunk_bytes": 16})
    with emulator._http.stream("GET", "/api/me", headers=emulator.headers()) as response:
        chunks = list(response.iter_raw())
    assert len(chunks) > 3 and all(len(c) <= 16 for c in chunks) and b"".join(chunks).startswith(b'{"data"')


@pytest.mark.parametrize("data", ["unexpected", [1], None])
def test_wrong_shape_and_pad_change_successful_answers_only(emulator: Emulator, data: object) -> None:
    emulator.add_faults({"method": "GET", "path": "/api/me", "action": "wrong_shape", "data": data},
                        {"method": "GET", "path": "/api/me", "action": "pad", "bytes": 1000})
    body = emulator.api("GET", "/api/me").json()
    assert body["data"] == data and body["padding"] == "x" * 1000
    error_of(emulator.api("GET", "/api/me", api_key="wrong-key-000"), 401)  # errors are left alone


@pytest.mark.parametrize("rule", [
    {"action": "normalize_names", "forms": ["upper"]},
    {"action": "lag", "reads": 0},
    {"action": "dribble", "chunk_bytes": 0},
    {"action": "pad", "bytes": "many"},
])
def test_invalid_hostile_rules_are_400(emulator: Emulator, rule: dict) -> None:
    response = emulator.control("POST", "/_emulator/faults", json=rule)
    assert response.status_code == 400 and response.json()["key"] == "invalid_fault_rule"
