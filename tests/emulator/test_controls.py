"""The `/_emulator/` controls: reset, seed, request log, settings; refused to non-loopback clients."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from reconciler.emulator import create_app
from tests.emulator.helpers import bulk_body, data_of, error_of, sync_body
from tests.support.emulator import OTHER_ORG_ID, OTHER_ORG_KEY, Emulator, start_emulator


def test_reset_wipes_and_reseeds(emulator: Emulator) -> None:
    data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    data_of(emulator.api("POST", "/api/bulk/syncs", json=bulk_body()))
    emulator.settings(list_items="full")
    emulator.reset()
    assert emulator.api("GET", "/api/syncs").json()["data"] == []
    assert emulator.api("GET", "/api/bulk/syncs").json()["data"] == []
    assert len(data_of(emulator.api("GET", "/api/connections"))) == 4
    assert emulator.settings()["list_items"] == "light"
    assert emulator.requests()["total"] == 3  # the log restarted at the reset


def test_request_log_counts_by_route_template(emulator: Emulator) -> None:
    a = data_of(emulator.api("POST", "/api/syncs", json=sync_body(), headers={"Idempotency-Key": "log-test-1"}))
    b = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    emulator.api("GET", f"/api/syncs/{a['id']}")
    emulator.api("GET", f"/api/syncs/{b['id']}")
    emulator.api("GET", "/api/syncs", params={"limit": 1})
    emulator.api("GET", "/api/nowhere")
    emulator.control("GET", "/_emulator/settings")
    log = emulator.requests()
    assert log["total"] == 6
    assert log["counts"] == {"POST /api/syncs": 2, "GET /api/syncs/{id}": 2, "GET /api/syncs": 1,
                             "GET /api/nowhere": 1}
    first = log["requests"][0]
    assert {k: first[k] for k in ("method", "path", "query", "status")} == \
        {"method": "POST", "path": "/api/syncs", "query": "", "status": 200}
    assert first["idempotency_key"] == "log-test-1"
    assert log["requests"][4]["query"] == "limit=1"
    assert log["requests"][5]["status"] == 404
    emulator.clear_requests()
    assert emulator.requests() == {"total": 0, "counts": {}, "requests": []}


def test_settings(emulator: Emulator) -> None:
    assert emulator.settings() == {"list_items": "light", "execution_running_after": 0.3,
                                   "execution_completed_after": 1.5, "idempotency_ttl": 86400}
    assert emulator.settings(list_items="full")["list_items"] == "full"
    for bad in ({"list_items": "medium"}, {"colour": "red"}, {"execution_running_after": -1}):
        assert emulator.control("PUT", "/_emulator/settings", json=bad).status_code == 400
    assert emulator.settings()["list_items"] == "full"


def test_seed_bypasses_validation_and_returns_ids(emulator: Emulator) -> None:
    fixed = "5e000000-0000-4000-8000-000000000001"
    out = emulator.seed(model_syncs=[sync_body(name="valid"), {"name": "bare", "mode": "update"},
                                     {**sync_body(name="pinned"), "id": fixed}],
                        bulk_syncs=[bulk_body(), {"name": "bare bulk"}])
    assert len(out["model_syncs"]) == 3 and len(out["bulk_syncs"]) == 2
    assert out["model_syncs"][2] == fixed
    valid = data_of(emulator.api("GET", f"/api/syncs/{out['model_syncs'][0]}"))
    assert valid["fields"][0]["new"] is False and valid["model_ids"]  # computed fields applied
    bare = data_of(emulator.api("GET", f"/api/syncs/{out['model_syncs'][1]}"))
    assert bare["name"] == "bare" and "identity" not in bare  # an invalid sync, as made in the UI
    assert data_of(emulator.api("GET", f"/api/syncs/{fixed}"))["name"] == "pinned"
    assert data_of(emulator.api("GET", f"/api/bulk/syncs/{out['bulk_syncs'][1]}"))["name"] == "bare bulk"
    theirs = emulator.seed(organization_id=OTHER_ORG_ID, model_syncs=[{"name": "theirs"}])["model_syncs"][0]
    error_of(emulator.api("GET", f"/api/syncs/{theirs}"), 404)
    assert data_of(emulator.api("GET", f"/api/syncs/{theirs}", api_key=OTHER_ORG_KEY))["name"] == "theirs"
    assert emulator.control("POST", "/_emulator/seed", json={"syncs": []}).status_code == 400
    assert emulator.control("POST", "/_emulator/seed", json={"organization_id": "nope"}).status_code == 404


def test_unknown_controls(emulator: Emulator) -> None:
    assert emulator.control("GET", "/_emulator/nothing").status_code == 404
    assert emulator.control("GET", "/_emulator/reset").status_code == 405
    assert emulator.control("POST", "/_emulator/faults", content=b"{oops").status_code == 400


def test_controls_refused_to_non_loopback_clients_in_process() -> None:
    app = create_app(None, api_key="k")

    async def call(client: tuple[str, int]) -> list[int]:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            return [(await http.post("/_emulator/reset")).status_code,
                    (await http.get("/_emulator/requests")).status_code,
                    (await http.get("/api/me", headers={"Authorization": "Bearer k"})).status_code]

    assert asyncio.run(call(("10.1.2.3", 5000))) == [403, 403, 200]
    assert asyncio.run(call(("::1", 5000))) == [200, 200, 200]
    assert asyncio.run(call(("127.0.0.5", 5000))) == [200, 200, 200]


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.e2e  # a real socket from a non-loopback address
def test_controls_refused_over_a_non_loopback_socket() -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    emu = start_emulator(host="0.0.0.0")  # noqa: S104
    try:
        port = emu.url.rsplit(":", 1)[1]
        remote = f"http://{address}:{port}"
        refused = httpx.post(f"{remote}/_emulator/reset", timeout=5)
        assert refused.status_code == 403
        assert refused.json()["key"] == "forbidden"
        assert httpx.get(f"{remote}/api/me", headers=emu.headers(), timeout=5).status_code == 200
        assert emu.control("GET", "/_emulator/settings").status_code == 200  # loopback still fine
    finally:
        emu.stop()
