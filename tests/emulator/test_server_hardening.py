"""The emulator as a server: loopback judged by the socket peer (never proxy headers), 413 for
oversized bodies, 405 with an `Allow` header, and typed query parameters validated with a 400 as
the OpenAPI file types them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator.app import MAX_BODY_BYTES, create_app
from reconciler.emulator.query import BOOLEAN, INTEGER, QUERY, STRING, UUID
from tests.emulator.helpers import sync_body
from tests.emulator.openapi import spec
from tests.support.emulator import API_KEY, Emulator

SPOOFS = [{"X-Forwarded-For": "203.0.113.7"}, {"Forwarded": "for=203.0.113.7"}, {"X-Real-IP": "203.0.113.7"}]


@pytest.mark.parametrize("headers", SPOOFS)
def test_a_loopback_peer_is_served_whatever_proxy_headers_say(emulator: Emulator, headers: dict[str, str]) -> None:
    assert emulator.control("GET", "/_emulator/settings", headers=headers).status_code == 200


@pytest.mark.parametrize("headers", [{"X-Forwarded-For": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"},
                                     {"X-Real-IP": "::1"}])
def test_a_remote_peer_is_refused_whatever_proxy_headers_say(headers: dict[str, str]) -> None:
    async def call() -> int:
        transport = httpx.ASGITransport(app=create_app(api_key=API_KEY), client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return (await client.get("/_emulator/settings", headers=headers)).status_code

    assert asyncio.run(call()) == 403


def _chunks(size: int) -> Iterator[bytes]:
    step = 256 * 1024
    yield b'{"name": "' + b"x" * step
    for _ in range(size // step):
        yield b"x" * step
    yield b'"}'


@pytest.mark.parametrize("chunked", [False, True])
def test_a_request_body_over_the_limit_gets_413_and_changes_nothing(emulator: Emulator, chunked: bool) -> None:
    size = MAX_BODY_BYTES + 1024
    content = _chunks(size) if chunked else b"".join(_chunks(size))
    response = emulator.api("POST", "/api/syncs", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["key"] == "payload_too_large"
    assert emulator.api("GET", "/api/syncs").json()["data"] == []
    seeded = emulator.control("POST", "/_emulator/seed", content=b"".join(_chunks(size)))
    assert seeded.status_code == 413
    ok = emulator.api("POST", "/api/syncs", json=sync_body())  # the server is still fine
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/api/syncs", "GET, POST"),
    ("POST", "/api/connections", "GET"),
    ("GET", "/_emulator/reset", "POST"),
    ("PUT", "/_emulator/requests", "DELETE, GET"),
])
def test_405_names_the_allowed_methods(emulator: Emulator, method: str, path: str, allow: str) -> None:
    response = emulator.api(method, path) if path.startswith("/api/") else emulator.control(method, path)
    assert response.status_code == 405 and response.headers["Allow"] == allow


@pytest.mark.parametrize(("path", "params", "name"), [
    ("/api/syncs", {"active": "yes"}, "active"),
    ("/api/syncs", {"active": ""}, "active"),
    ("/api/syncs", {"limit": "ten"}, "limit"),
    ("/api/syncs", {"limit": ""}, "limit"),
    ("/api/syncs", {"mode": "sideways"}, "mode"),
    ("/api/syncs", {"target_connection_id": "nope"}, "target_connection_id"),
    ("/api/syncs", [("active", "true"), ("active", "false")], "active"),
    ("/api/bulk/syncs", {"active": "maybe"}, "active"),
])
def test_typed_query_parameters_are_validated(emulator: Emulator, path: str, params: object, name: str) -> None:
    response = emulator.api("GET", path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["metadata"]["errors"][0]["path"] == name


def test_well_typed_query_parameters_are_accepted(emulator: Emulator) -> None:
    for params in ({"active": "TRUE", "limit": "5"}, {"active": "0", "mode": "create"}, {"page_token": ""}, {"unknown": ""}):
        assert emulator.api("GET", "/api/syncs", params=params).status_code == 200, params


def _openapi_type(schema: dict) -> object:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return tuple(spec()["components"]["schemas"][name]["enum"])
    if schema.get("format") == "uuid":
        return UUID
    return {"boolean": BOOLEAN, "integer": INTEGER, "string": STRING}[schema["type"]]


def test_the_query_table_matches_the_openapi_file() -> None:
    shapes = {re.sub(r"\{[^}]+\}", "{}", path): item for path, item in spec()["paths"].items()}
    for (method, template), types in QUERY.items():
        operation = shapes[re.sub(r"\{[^}]+\}", "{}", template)][method.lower()]
        declared = {p["name"]: _openapi_type(p["schema"]) for p in operation.get("parameters", []) if p["in"] == "query"}
        for name, kind in types.items():
            expected = declared[name]
            if isinstance(expected, tuple):  # the emulator's enum is the documented one (it may add none)
                assert isinstance(kind, tuple) and set(kind) <= set(expected), (template, name)
            else:
                assert kind == expected, (template, name)
        assert set(types) == set(declared), template


