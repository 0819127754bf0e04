"""What the client puts on the wire, seen through its transport seam, and the proxy it picks."""

from __future__ import annotations

import httpx
import pytest

from reconciler.api.client import PolytomicClient, env_proxy
from reconciler.config import ApiSettings
from reconciler.errors import ConfigError


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


@pytest.mark.parametrize("proxy", ["::bad::", "ftp://user:pw-0123456789@proxy.corp:21"])
def test_a_proxy_that_cannot_be_used_is_one_configuration_error_without_its_value(
        monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings = ApiSettings(url="https://app.polytomic.com", version="2025-09-18", api_key="key-0123456789abcdef")
    try:
        PolytomicClient(settings).close()
    except ConfigError as exc:
        assert "HTTPS_PROXY" in str(exc) and proxy not in str(exc) and "pw" not in str(exc)
        assert exc.__cause__ is None and exc.__suppress_context__
    else:
        raise AssertionError(f"{proxy!r} was accepted as a proxy")


def test_a_socks_proxy_without_its_package_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://proxy.corp:1080")
    settings = ApiSettings(url="https://app.polytomic.com", version="2025-09-18", api_key="key-0123456789abcdef")
    try:
        import socksio  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match=r"httpx\[socks\]"):
            PolytomicClient(settings)
    else:
        PolytomicClient(settings).close()  # with the package, the proxy is used
