"""The one client for all HTTP to the Polytomic API."""

from __future__ import annotations

import dataclasses
import json as json_module
import logging
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar, cast

import httpx

from reconciler.api.retry import Attempts, RetryPolicy, parse_retry_after
from reconciler.api.stop import Stop
from reconciler.config import ApiSettings
from reconciler.errors import ApiError, ConfigError
from reconciler.secrets import URL_CREDENTIALS, url_credentials

log = logging.getLogger("reconciler.api")

PAGE_LIMIT = 50
MAX_LISTING_ROUNDS = 20
MAX_PAGES = 2000  # 100,000 syncs: a listing longer than this is a server bug, not an organisation
MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # a page of 50 full syncs is well under 1 MB
USER_AGENT = "reconciler/0.1"
T = TypeVar("T")
R = TypeVar("R")

# Errors after which a write may or may not have taken effect on the server.
_AMBIGUOUS_TRANSPORT = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                        httpx.WriteError)


class AmbiguousWriteError(ApiError):
    """A write failed in a way that leaves its outcome unknown (timeout, dropped connection, 5xx)."""


class _Unbounded(Exception):
    """An answer that broke a bound: total deadline or size cap (message for the user)."""


@dataclasses.dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, headers and the whole (decoded) body."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    reason_phrase: str = ""

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The body as JSON (raises ValueError when it is not)."""
        return json_module.loads(self.content)


def _default_transport(url: str, limits: httpx.Limits) -> httpx.BaseTransport:
    """The connection pool for ``url``, through the proxy the environment names for it
    (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, ``NO_PROXY``), as urllib reads them."""
    try:
        return httpx.HTTPTransport(limits=limits, proxy=env_proxy(url))
    except ImportError:
        raise ConfigError("the proxy named by HTTPS_PROXY, HTTP_PROXY or ALL_PROXY is a SOCKS proxy, which needs "
                          "`pip install 'httpx[socks]'`") from None
    except (ValueError, httpx.InvalidURL):
        # (never the value: a proxy URL may hold a password)
        raise ConfigError("the proxy named by HTTPS_PROXY, HTTP_PROXY or ALL_PROXY is not a proxy URL: write it as "
                          "http://HOST:PORT (or https://, socks5://), or unset it") from None


def env_proxy(url: str, proxies: Mapping[str, str] | None = None) -> str | None:
    """The proxy the environment names for ``url`` (``urllib.request.getproxies()``: ``https_proxy``,
    ``http_proxy``, ``all_proxy``, either case), or None: none set, or ``no_proxy`` covers the host."""
    found = urllib.request.getproxies() if proxies is None else proxies
    parts = urllib.parse.urlsplit(url)
    proxy = found.get(parts.scheme) or found.get("all")
    bypass = cast(Any, urllib.request).proxy_bypass_environment  # (public, but not in typeshed)
    if not proxy or bypass(parts.netloc.rpartition("@")[2], found):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"  # (``proxy.corp:3128``, as httpx reads it)


class PolytomicClient:
    """Typed calls for the endpoints reconciler uses; reads retry, writes report ambiguity.

    Reads are retried on every :attr:`ApiError.retryable` failure (429, 408, 5xx, connection
    errors). A write is sent once: a failure where the request certainly had no effect (4xx, a
    connection that was never made) raises :class:`ApiError`; any other raises
    :class:`AmbiguousWriteError`, so the writer can read back before sending again.
    """

    def __init__(
        self,
        settings: ApiSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        stop: Stop | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop
        self.retry = retry or RetryPolicy()
        if stop is not None:
            self.retry = dataclasses.replace(self.retry, sleep=stop.sleep)  # retry waits end on a stop
        self.max_response_bytes = max_response_bytes
        _check_settings(settings)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._transport = transport or _default_transport(settings.url, limits)
        self._base = httpx.URL(settings.url if settings.url.endswith("/") else settings.url + "/")
        self._headers = httpx.Headers({
            "Authorization": settings.auth_header,
            "X-Polytomic-Version": settings.version,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": USER_AGENT,
        })
        self._timeouts = {"timeout": httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)).as_dict()}

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> PolytomicClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        write: bool = False,
        expect: type | None = None,
    ) -> Any:
        """Send one logical request (with retries); return the response's ``data`` (or None).

        ``expect`` (``dict`` or ``list``): the shape ``data`` must have; anything else is one
        :class:`ApiError` naming the method, path and what was expected, never a crash later.
        """
        data = _data(self.send(method, path, params=params, json=json, idempotency_key=idempotency_key, write=write))
        if expect is not None and not isinstance(data, expect):
            raise ApiError(f"unexpected answer from the API: expected {_SHAPES[cast(Any, expect)]} under `data`, "
                           f"got {_shape(data)}", method=method, url=self._url(path))
        return data

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        write: bool = False,
    ) -> Answer:
        """Send one logical request; return the successful answer.

        A read is retried per the policy on every :attr:`ApiError.retryable` failure. A write is
        sent once: the writer owns its attempts, as only it can read back an unknown outcome.
        """
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        attempts = Attempts(self.retry)
        while True:
            outcome = self._exchange(method, path, params=params, json=json, headers=headers, write=write)
            if isinstance(outcome, Answer):
                return outcome
            delay = None if write or not outcome.retryable else attempts.next_delay(outcome.retry_after)
            if delay is None:
                raise outcome
            log.info("retrying %s %s in %.1fs after: %s", method, path, delay, outcome.message)
            self.retry.sleep(delay)

    def _exchange(self, method: str, path: str, *, params: Mapping[str, Any] | None, json: Any,
                  headers: Mapping[str, str], write: bool) -> Answer | ApiError:
        """One attempt: the successful response or the error it ended in (raised if never worth a retry)."""
        if self.stop is not None:
            self.stop.check(f"{method} {path} not sent")
        try:
            response = self._attempt(method, path, params=params, json=json, headers=headers)
        except _Unbounded as exc:
            cls = AmbiguousWriteError if write else ApiError
            raise cls(f"outcome unknown ({exc})" if write else str(exc), method=method, url=self._url(path)) from None
        except httpx.TransportError as exc:
            return self._transport_error(method, path, exc, write)
        log.debug("%s %s -> %s", method, path, response.status_code)
        return response if response.is_success else self._http_error(method, path, response, write)

    def _attempt(self, method: str, path: str, *, params: Mapping[str, Any] | None, json: Any,
                 headers: Mapping[str, str]) -> Answer:
        """One HTTP exchange within a total deadline (connect and every read) and a size cap.

        A per-read timeout alone lets a server that sends one byte every few seconds hold a
        request forever; the body is streamed, and the exchange is cut once the deadline passes
        or the body grows past the cap (never held in memory beyond it). The request goes straight
        to the transport: no cookies, redirects or auth flows, which this API does not use.
        """
        total = self.settings.timeout
        deadline = time.monotonic() + total
        response = self._transport.handle_request(self._request(method, path, params, json, headers))
        try:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():  # (decoded: gzip and the like)
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise _Unbounded(f"the answer is larger than {self.max_response_bytes // (1024 * 1024) or 1} MB; "
                                     "refused (size cap)")
                if time.monotonic() > deadline:
                    raise _Unbounded(f"no complete answer within {total:g}s (total deadline for one request)")
                chunks.append(chunk)
        finally:
            response.close()
        return Answer(response.status_code, response.headers, b"".join(chunks), response.reason_phrase)

    def _request(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
                 headers: Mapping[str, str]) -> httpx.Request:
        """The request for ``path`` under the API URL (joined as httpx joins a base URL)."""
        relative = httpx.URL(path) if not params else httpx.URL(path).copy_merge_params(params)
        url = self._base.copy_with(raw_path=self._base.raw_path + relative.raw_path.lstrip(b"/"))
        sent = self._headers if not headers else httpx.Headers({**self._headers, **headers})
        return httpx.Request(method, url, json=json, headers=sent, extensions=self._timeouts)

    def _transport_error(self, method: str, path: str, exc: httpx.TransportError, write: bool) -> ApiError:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        url = self._url(path)
        if write and isinstance(exc, _AMBIGUOUS_TRANSPORT):
            return AmbiguousWriteError(f"outcome unknown ({message})", method=method, url=url)
        if write and not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return AmbiguousWriteError(f"outcome unknown ({message})", method=method, url=url)
        return ApiError(f"could not reach the API ({message})", method=method, url=url)

    def _http_error(self, method: str, path: str, response: Answer, write: bool) -> ApiError:
        key: str | None = None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            message = body["message"]
            key = body.get("key") if isinstance(body.get("key"), str) else None
        else:
            message = response.reason_phrase or "error"
        status = response.status_code
        cls = AmbiguousWriteError if write and status >= 500 else ApiError
        return cls(message, method=method, url=self._url(path), status=status, key=key,
                   retry_after=parse_retry_after(response.headers.get("Retry-After")), replayed=_replayed(response))

    def _url(self, path: str) -> str:
        return f"{self.settings.url}{path}"

    # ---- organisation ---------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self.request("GET", "/api/me", expect=dict)

    def list_connections(self) -> list[dict[str, Any]]:
        return self.request_list("/api/connections")

    def list_models(self) -> list[dict[str, Any]]:
        return self.request_list("/api/models")

    def get_model(self, model_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/models/{model_id}", expect=dict)

    # ---- model syncs ----------------------------------------------------------------------

    def iter_model_sync_pages(self, page_token: str | None = None,
                              **filters: Any) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """Pages of ``GET /api/syncs`` as (items, next token), following tokens unchanged."""
        token = page_token
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_LIMIT,
                                      **{k: _param(v) for k, v in filters.items() if v is not None}}
            if token:
                params["page_token"] = token
                seen.add(token)
            envelope = self.request_envelope("GET", "/api/syncs", params=params)
            items = _listed(envelope, "GET", self._url("/api/syncs"))
            pagination = envelope.get("pagination")
            token = (pagination.get("next_page_token") if isinstance(pagination, dict) else None) or None
            if token is not None and (not isinstance(token, str) or token in seen):
                raise ApiError(f"the listing repeats a page token after {len(seen) + 1} pages (a loop): stopped; "
                               "nothing was planned from it", method="GET", url=self._url("/api/syncs"))
            yield items, token
            if not token:
                return
        raise ApiError(f"the listing did not end within {MAX_PAGES} pages: stopped; nothing was planned from it",
                       method="GET", url=self._url("/api/syncs"))

    def list_model_syncs(self, on_items: Callable[[list[dict[str, Any]]], None] | None = None,
                         known: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Every model sync, complete even while syncs are being edited during the listing.

        ``on_items`` (optional) is called with the items of each page as soon as it is read
        (head re-reads included), so a caller can start work before the listing is complete.

        The list is ordered by ``updated_at`` descending with keyset page tokens, so a sync
        edited while later pages are read jumps to the front, behind the cursor. After the
        full pass the head of the list is re-read until it reaches an item no newer than the
        newest one already seen; anything edited meanwhile is picked up there. Repeated until a
        head read finds nothing new. Items are keyed by id; the newest version wins.

        ``known`` (id -> ``updated_at`` of an earlier complete listing, kept by the read cache)
        spares the head re-read when the pass found exactly those syncs at exactly those stamps.
        Then nothing had changed when page one was read: a sync changed since the earlier listing
        would have been at the head of that page. So a sync edited later was either read before
        the edit (as it was when page one was read) or jumped behind the cursor and is missing
        from the pass, which then differs from ``known``.
        """
        seen: dict[str, dict[str, Any]] = {}
        watermark: datetime | None = None
        for items, _ in self.iter_model_sync_pages():
            for item in items:
                watermark = _newest(watermark, item)
                _keep_newest(seen, item)
            if on_items is not None:
                on_items(items)
        if known is not None and _as_known(seen, known):
            return sorted(seen.values(), key=lambda s: s.get("id", ""))
        return self._reread_head(seen, watermark, on_items)

    def _reread_head(self, seen: dict[str, dict[str, Any]], watermark: datetime | None,
                     on_items: Callable[[list[dict[str, Any]]], None] | None) -> list[dict[str, Any]]:
        """The listing completed by re-reading its head until a read finds nothing new."""
        for _ in range(MAX_LISTING_ROUNDS):
            fresh = False
            previous = watermark
            for items, _ in self.iter_model_sync_pages():
                reached_known = False
                for item in items:
                    if _is_known(seen, item, previous):
                        reached_known = True
                        break
                    fresh = True
                    watermark = _newest(watermark, item)
                    _keep_newest(seen, item)
                if on_items is not None:
                    on_items(items)
                if reached_known:
                    break
            if not fresh:
                return sorted(seen.values(), key=lambda s: s.get("id", ""))
        raise ApiError(
            "model syncs kept changing while they were being listed; try again",
            method="GET",
            url=self._url("/api/syncs"),
        )

    def request_list(self, path: str) -> list[dict[str, Any]]:
        """``GET`` a listing; its ``data`` must be a list (an answer without one is an error,
        never an empty listing: a sync missed here would be created again)."""
        return _listed(self.request_envelope("GET", path), "GET", self._url(path))

    def request_envelope(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Like :meth:`request` but returns the whole JSON envelope (for pagination)."""
        response = self.send(method, path, **kwargs)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}

    def get_model_sync(self, sync_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/syncs/{sync_id}", expect=dict)

    def create(self, path: str, body: Mapping[str, Any], *, idempotency_key: str) -> tuple[dict[str, Any], bool]:
        """``POST`` a create; (the created object, whether the server replayed an earlier outcome)."""
        response = self.send("POST", path, json=body, idempotency_key=idempotency_key, write=True)
        return _data(response), _replayed(response)

    # ---- bulk syncs -----------------------------------------------------------------------

    def list_bulk_syncs(self) -> list[dict[str, Any]]:
        return sorted(self.request_list("/api/bulk/syncs"), key=lambda s: s.get("id", ""))

    def get_bulk_sync_schemas(self, sync_id: str) -> list[dict[str, Any]]:
        return self.request("GET", f"/api/bulk/syncs/{sync_id}/schemas", expect=list)


def _check_settings(settings: ApiSettings) -> None:
    """Refuse, with one line naming the setting (never its value), what HTTP cannot carry.

    (The deployment key and organisation id travel base64-encoded, so any text is sendable.)
    """
    checks = (
        ("the API key (POLYTOMIC_API_KEY)", settings.api_key),
        ("the API version", settings.version),
    )
    for what, value in checks:
        if value is not None and not _header_safe(value):
            raise ConfigError(f"{what} contains characters that cannot be sent in an HTTP header "
                              "(spaces, line breaks, control or non-ASCII characters)")
    if url_credentials(settings.url):  # httpx would send them as Basic auth instead of the key
        raise ConfigError(URL_CREDENTIALS)
    try:
        url = httpx.URL(settings.url)
        url.port  # noqa: B018 -- validates the port
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigError(f"the API URL is not valid: {exc}") from None


def _header_safe(value: str) -> bool:
    return bool(value) and all(0x21 <= ord(ch) <= 0x7E for ch in value)


def map_concurrent(fn: Callable[[T], R], items: Iterable[T], limit: int) -> list[R]:
    """``[fn(x) for x in items]`` with at most ``limit`` calls in flight; order kept."""
    items = list(items)
    if limit <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(limit, len(items))) as pool:
        return list(pool.map(fn, items))


def _listed(envelope: Mapping[str, Any], method: str, url: str) -> list[dict[str, Any]]:
    items = envelope.get("data")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError("unexpected answer from the API: no list of items under `data`", method=method, url=url)
    return items


def _data(response: Answer) -> Any:
    if not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("data") if isinstance(body, dict) else None


_SHAPES = {dict: "an object", list: "a list"}


def _shape(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "nothing" if value is None else names.get(type(value), type(value).__name__)


def _replayed(response: Answer) -> bool:
    """Whether the server says it replayed an earlier outcome of the request's Idempotency-Key."""
    return response.headers.get("Idempotent-Replayed", "").lower() == "true"


def _param(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _stamp(item: Mapping[str, Any]) -> datetime | None:
    raw = item.get("updated_at")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_known(seen: Mapping[str, Mapping[str, Any]], item: Mapping[str, Any], watermark: datetime | None) -> bool:
    """True once a head re-read reaches items that were already current when last seen."""
    stamp = _stamp(item)
    if watermark is None or stamp is None:
        return False
    if stamp < watermark:
        return True
    known = seen.get(item.get("id", ""))
    return stamp == watermark and known is not None and _stamp(known) == stamp


def _as_known(seen: Mapping[str, Mapping[str, Any]], known: Mapping[str, str]) -> bool:
    """Whether the listing holds exactly the syncs of ``known``, each at the ``updated_at`` given there."""
    return len(seen) == len(known) and all(
        isinstance(stamp := item.get("updated_at"), str) and known.get(sync_id) == stamp
        for sync_id, item in seen.items())


def _newest(current: datetime | None, item: Mapping[str, Any]) -> datetime | None:
    stamp = _stamp(item)
    if stamp is None:
        return current
    return stamp if current is None or stamp > current else current


def _keep_newest(seen: dict[str, dict[str, Any]], item: dict[str, Any]) -> None:
    key = item.get("id")
    if not isinstance(key, str):
        return
    old = seen.get(key)
    if old is None:
        seen[key] = item
        return
    old_stamp, new_stamp = _stamp(old), _stamp(item)
    if old_stamp is None or (new_stamp is not None and new_stamp >= old_stamp):
        seen[key] = item
