"""What the client puts on the wire, seen through its transport seam, and the proxy it picks."""

from __future__ import annotations

import httpx

from reconciler.api.client import PolytomicClient, env_proxy
from reconciler.config import ApiSettings


def _sent(url: str, call: str, *args: object, **kwargs: object) -> httpx.Request:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "s1", "name": "x"}})

    settings = ApiSettings(url=url, version="2025-09-18", api_key="key-0123456789abcdef")
    with PolytomicClient(settings, transport=httpx.MockTransport(answer)) as client:
        getattr(client, call)(*args, **kwargs)
    (request,) = seen
    return request


def test_paths_join_under_the_api_url_as_httpx_joins_a_base_url() -> None:
    assert str(_sent("https://api.example/base", "request", "GET", "/api/syncs/a b").url) == \
        "https://api.example/base/api/syncs/a%20b"
    assert str(_sent("https://api.example/", "request", "GET", "/api/syncs").url) == "https://api.example/api/syncs"


def test_params_add_to_a_query_the_path_already_has() -> None:
    request = _sent("https://api.example", "request", "GET", "/api/syncs?mode=create", params={"active": "true"})
    assert request.url.params.multi_items() == [("mode", "create"), ("active", "true")]


def test_every_request_carries_the_credential_version_and_its_own_idempotency_key() -> None:
    request = _sent("https://api.example", "create", "/api/syncs", {"name": "x"}, idempotency_key="rc2-create-abc")
    assert request.headers["Authorization"] == "Bearer key-0123456789abcdef"
    assert request.headers["X-Polytomic-Version"] == "2025-09-18"
    assert request.headers["Idempotency-Key"] == "rc2-create-abc"
    assert request.headers["Host"] == "api.example"
    assert request.read() == b'{"name":"x"}' and request.headers["Content-Type"] == "application/json"
    plain = _sent("https://api.example", "request", "GET", "/api/me")
    assert "Idempotency-Key" not in plain.headers and plain.read() == b""


def test_the_proxy_the_environment_names_for_the_api_url() -> None:
    url = "https://app.polytomic.com"
    assert env_proxy(url, {}) is None
    assert env_proxy(url, {"https": "http://proxy.corp:3128"}) == "http://proxy.corp:3128"
    assert env_proxy(url, {"http": "http://proxy.corp:3128"}) is None  # for http:// URLs only
    assert env_proxy(url, {"all": "socks5://proxy.corp:1080"}) == "socks5://proxy.corp:1080"
    assert env_proxy(url, {"https": "proxy.corp:3128"}) == "http://proxy.corp:3128"  # no scheme: http, as httpx
    assert env_proxy(url, {"https": "http://proxy.corp:3128", "no": "localhost,.polytomic.com"}) is None
    assert env_proxy(url, {"https": "http://proxy.corp:3128", "no": "*"}) is None
    assert env_proxy(url, {"https": "http://proxy.corp:3128", "no": "example.com"}) == "http://proxy.corp:3128"
