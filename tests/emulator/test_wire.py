"""Wire rules: authentication, the version header, envelopes, error bodies, organisation scoping."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.emulator.helpers import bulk_body, data_of, error_of, sync_body
from tests.support.emulator import (
    DEMO_ORG_ID,
    DEPLOYMENT_KEY,
    OTHER_ORG_ID,
    OTHER_ORG_KEY,
    OTHER_USERS_MODEL,
    OTHER_WAREHOUSE,
    USERS_MODEL,
    VERSION,
    WAREHOUSE,
    Emulator,
)

KNOWN_VERSIONS = ["2021-05-23", "2022-12-12", "2023-04-25", "2024-02-08", "2025-09-18"]


def raw(emulator: Emulator, method: str, path: str, headers: dict[str, str], **kw: object) -> httpx.Response:
    return emulator.control(method, path, headers=headers, timeout=10, **kw)


def basic(org_id: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{org_id}:{key}".encode()).decode()


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer wrong-key", "Token test-api-key-0123456789",
    "Basic !!!notbase64", basic(DEMO_ORG_ID, "wrong"), basic(OTHER_ORG_ID, DEPLOYMENT_KEY),
    "Basic " + base64.b64encode(b"no-colon").decode(),
])
@pytest.mark.parametrize("path", ["/api/syncs", "/api/bulk/syncs", "/api/connections", "/api/me"])
def test_401_without_valid_credentials(emulator: Emulator, authorization: str | None, path: str) -> None:
    headers = {"X-Polytomic-Version": VERSION}
    if authorization is not None:
        headers["Authorization"] = authorization
    body = error_of(raw(emulator, "GET", path, headers), 401)
    assert emulator.api_key not in body["message"]


def test_bearer_and_basic_both_work(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    headers = {"Authorization": basic(DEMO_ORG_ID, DEPLOYMENT_KEY), "X-Polytomic-Version": VERSION}
    assert data_of(raw(emulator, "GET", f"/api/syncs/{sync['id']}", headers))["id"] == sync["id"]
    created = data_of(raw(emulator, "POST", "/api/syncs", headers, json=sync_body(name="via basic")))
    assert created["created_by"]["name"] == "Demo User"


def test_demo_api_key_is_replaced_by_the_flag(emulator: Emulator) -> None:
    error_of(emulator.api("GET", "/api/me", api_key="demo-api-key"), 401)


def test_me(emulator: Emulator) -> None:
    me = data_of(emulator.api("GET", "/api/me"))
    assert me["organization_id"] == DEMO_ORG_ID
    assert me["organization_name"] == "Acme Analytics"
    assert me["is_user"] is True and me["email"]
    other = data_of(emulator.api("GET", "/api/me", api_key=OTHER_ORG_KEY))
    assert other["organization_id"] == OTHER_ORG_ID
    headers = {"Authorization": basic(DEMO_ORG_ID, DEPLOYMENT_KEY)}
    org = data_of(raw(emulator, "GET", "/api/me", headers))
    assert org["is_organization"] is True and org["is_user"] is False and "id" not in org


def test_version_header_required_on_model_sync_endpoints(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    auth = {"Authorization": f"Bearer {emulator.api_key}"}
    for method, path in [("GET", "/api/syncs"), ("POST", "/api/syncs"), ("GET", f"/api/syncs/{sync['id']}"),
                         ("DELETE", f"/api/syncs/{sync['id']}"), ("GET", f"/api/syncs/{sync['id']}/status"),
                         ("POST", f"/api/syncs/{sync['id']}/activate")]:
        response = raw(emulator, method, path, auth, json={"active": True} if method == "POST" else None)
        assert error_of(response, 400)["key"] == "missing_version"
        assert response.headers["X-Polytomic-Version"] == VERSION
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))  # nothing was deleted
    for path in ("/api/bulk/syncs", "/api/connections", "/api/models", "/api/me"):
        response = raw(emulator, "GET", path, auth)
        assert response.status_code == 200
        assert response.headers["X-Polytomic-Version"] == VERSION


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_known_versions_are_accepted_and_echoed(emulator: Emulator, version: str) -> None:
    for path in ("/api/syncs", "/api/bulk/syncs"):
        response = emulator.api("GET", path, headers={"X-Polytomic-Version": version})
        assert response.status_code == 200
        assert response.headers["X-Polytomic-Version"] == version


@pytest.mark.parametrize("version", ["2025-09-19", "latest", "v5"])
def test_unknown_versions_are_400(emulator: Emulator, version: str) -> None:
    for path in ("/api/syncs", "/api/connections"):
        response = emulator.api("GET", path, headers={"X-Polytomic-Version": version})
        assert error_of(response, 400)["key"] == "invalid_version"
        assert version in response.json()["message"]


def test_version_echoed_on_errors(emulator: Emulator) -> None:
    response = emulator.api("GET", "/api/syncs/9f000000-0000-4000-8000-000000000000",
                            headers={"X-Polytomic-Version": "2024-02-08"})
    error_of(response, 404)
    assert response.headers["X-Polytomic-Version"] == "2024-02-08"
    assert raw(emulator, "GET", "/api/me", {}).headers["X-Polytomic-Version"] == VERSION


def test_unknown_routes_and_methods(emulator: Emulator) -> None:
    error_of(emulator.api("GET", "/api/nothing"), 404)
    error_of(emulator.api("POST", "/api/connections"), 405)
    error_of(emulator.api("GET", "/api/syncs/not-a-uuid"), 404)


def test_ids_of_another_organisation_are_404(emulator: Emulator) -> None:
    mine = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    my_bulk = data_of(emulator.api("POST", "/api/bulk/syncs", json=bulk_body()))
    other = OTHER_ORG_KEY
    for method, path, body in [
        ("GET", f"/api/syncs/{mine['id']}", None),
        ("PUT", f"/api/syncs/{mine['id']}", sync_body()),
        ("DELETE", f"/api/syncs/{mine['id']}", None),
        ("POST", f"/api/syncs/{mine['id']}/activate", {"active": True}),
        ("POST", f"/api/syncs/{mine['id']}/executions", None),
        ("GET", f"/api/syncs/{mine['id']}/status", None),
        ("GET", f"/api/syncs/{mine['id']}/executions", None),
        ("GET", f"/api/bulk/syncs/{my_bulk['id']}", None),
        ("DELETE", f"/api/bulk/syncs/{my_bulk['id']}", None),
        ("GET", f"/api/bulk/syncs/{my_bulk['id']}/schemas", None),
        ("GET", f"/api/connections/{WAREHOUSE}", None),
        ("GET", f"/api/models/{USERS_MODEL}", None),
    ]:
        error_of(emulator.api(method, path, api_key=other, json=body), 404)
    assert emulator.api("GET", "/api/syncs", api_key=other).json()["data"] == []
    assert emulator.api("GET", "/api/bulk/syncs", api_key=other).json()["data"] == []
    assert data_of(emulator.api("GET", f"/api/syncs/{mine['id']}")) == mine
    error_of(emulator.api("GET", f"/api/connections/{OTHER_WAREHOUSE}"), 404)
    error_of(emulator.api("GET", f"/api/models/{OTHER_USERS_MODEL}"), 404)


def test_the_other_organisation_works_in_its_own_scope(emulator: Emulator) -> None:
    body = sync_body(target={"connection_id": OTHER_WAREHOUSE, "object": "public.copy"},
                     fields=[{"source": {"model_id": OTHER_USERS_MODEL, "field": "email"}, "target": "email"}])
    theirs = data_of(emulator.api("POST", "/api/syncs", api_key=OTHER_ORG_KEY, json=body))
    assert theirs["organization_id"] == OTHER_ORG_ID
    assert theirs["created_by"]["name"] == "Other User"
    error_of(emulator.api("GET", f"/api/syncs/{theirs['id']}"), 404)
    error_of(emulator.api("POST", "/api/syncs", json=body), 422)


def test_connections_and_models(emulator: Emulator) -> None:
    conns = data_of(emulator.api("GET", "/api/connections"))
    assert [(c["name"], c["type"]["id"]) for c in conns] == [
        ("Warehouse", "postgresql"), ("Salesforce CRM", "salesforce"),
        ("HubSpot Marketing", "hubspot"), ("S3 Data Lake", "s3")]
    assert all(c["organization_id"] == DEMO_ORG_ID for c in conns)
    assert data_of(emulator.api("GET", f"/api/connections/{WAREHOUSE}"))["name"] == "Warehouse"
    models = data_of(emulator.api("GET", "/api/models"))
    assert [m["name"] for m in models] == ["Users", "Accounts", "Events"]
    users = data_of(emulator.api("GET", f"/api/models/{USERS_MODEL}"))
    assert users["connection_id"] == WAREHOUSE
    assert [f["name"] for f in users["fields"]] == ["id", "email", "first_name", "last_name", "plan",
                                                    "account_id", "is_active", "lifetime_value", "created_at"]
    assert users["fields"][1] == {**users["fields"][1], "id": "b0000000-0000-4000-8001-000000000002",
                                  "type": "string"}
    error_of(emulator.api("GET", "/api/connections/c0000000-0000-4000-8000-0000000000ff"), 404)


def test_json_content_type_and_envelopes(emulator: Emulator) -> None:
    response = emulator.api("GET", "/api/syncs")
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"data", "pagination"}
    assert set(emulator.api("GET", "/api/bulk/syncs").json()) == {"data"}
    assert set(emulator.api("GET", "/api/me").json()) == {"data"}


def test_answers_are_not_delayed_by_nagle() -> None:
    """Small answers must not wait for delayed ACKs (~40 ms each without TCP_NODELAY): the
    emulator's listening socket is one on which the event loop sets TCP_NODELAY for every
    connection it accepts (asyncio does so only for IPPROTO_TCP sockets), checked on the
    accepted socket itself rather than by timing requests."""
    import asyncio
    import socket

    from reconciler.emulator.server import bind

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = bind("127.0.0.1", 0)
        assert listening.proto == socket.IPPROTO_TCP
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        try:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            value = await asyncio.wait_for(seen, timeout=10)
            writer.close()
            return value
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0
