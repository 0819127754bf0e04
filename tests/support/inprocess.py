"""The emulator in this process, reached through the client's transport seam (no sockets).

:class:`InProcessEmulator` runs the ASGI app on one event-loop thread; :class:`SyncASGITransport`
lets the synchronous client (and its worker threads) call it, honouring the request's read timeout
between the answer's parts as a socket would (the server carries on, as a server does when the
client goes away). A ``drop`` fault reads as the server closing the connection without answering.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings
from reconciler.emulator.app import DropConnection, EmulatorApp, create_app
from tests.support.emulator import API_KEY, VERSION, EmulatorControls

BASE_URL = "http://127.0.0.1"
MAX_WAIT = 120.0  # seconds: the bound on one wait when the request sets no read timeout


class _Answer(httpx.SyncByteStream):
    """The parts of an answer as the app sends them, each awaited within the read timeout."""

    def __init__(self, parts: queue.Queue[dict[str, Any]], request: httpx.Request, hang_up: Any) -> None:
        self._parts = parts
        self._request = request
        self._hang_up = hang_up

    def __iter__(self) -> Iterator[bytes]:
        while True:
            message = _next(self._parts, self._request, self._hang_up)
            if message["type"] != "http.response.body":
                raise httpx.RemoteProtocolError("server closed the connection mid-answer", request=self._request)
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    def close(self) -> None:
        self._hang_up()


def _next(parts: queue.Queue[dict[str, Any]], request: httpx.Request, hang_up: Any) -> dict[str, Any]:
    timeout = (request.extensions.get("timeout") or {}).get("read")
    try:
        return parts.get(timeout=MAX_WAIT if timeout is None else timeout)
    except queue.Empty:
        hang_up()
        raise httpx.ReadTimeout("timed out", request=request) from None


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport in front of an ASGI app served on a private event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="inprocess-emulator", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts: queue.Queue[dict[str, Any]] = queue.Queue()
        gone = asyncio.Event()

        def hang_up() -> None:
            self._loop.call_soon_threadsafe(gone.set)

        asyncio.run_coroutine_threadsafe(self._serve(_scope(request), request.read(), parts, gone), self._loop)
        start = _next(parts, request, hang_up)
        if start["type"] == "error":
            hang_up()
            if isinstance(start["exc"], DropConnection):
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            return httpx.Response(500, text="Internal Server Error", request=request)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", [])]
        return httpx.Response(start["status"], headers=headers, stream=_Answer(parts, request, hang_up),
                              request=request)

    async def _serve(self, scope: dict[str, Any], body: bytes, parts: queue.Queue[dict[str, Any]],
                     gone: asyncio.Event) -> None:
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if not gone.is_set():
                parts.put(message)

        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 - the client sees what a socket would show
            parts.put({"type": "error", "exc": exc})

    def close(self) -> None:
        """Keeps the loop: several clients share one transport."""

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def _scope(request: httpx.Request) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
        "headers": [(k.lower(), v) for k, v in request.headers.raw], "scheme": request.url.scheme,
        "path": request.url.path, "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query, "server": (request.url.host, request.url.port),
        "client": ("127.0.0.1", 40000), "root_path": "",
    }


class InProcessEmulator(EmulatorControls):
    """An emulator app with an in-memory database, and clients and raw calls against it."""

    def __init__(self, *, faults: list[Any] | None = None, api_key: str = API_KEY, list_items: str = "light",
                 db: str | None = None) -> None:
        self.url = BASE_URL
        self.api_key = api_key
        self.app: EmulatorApp = create_app(db, api_key=api_key, faults=faults, list_items=list_items)
        self.transport: SyncASGITransport = SyncASGITransport(self.app)
        self._http = httpx.Client(transport=self.transport, base_url=BASE_URL, timeout=60)

    @property
    def http(self) -> httpx.Client:
        return self._http

    def client(self) -> PolytomicClient:
        settings = ApiSettings(url=BASE_URL, version=VERSION, api_key=self.api_key, timeout=30)
        return PolytomicClient(settings, transport=self.transport,
                               retry=RetryPolicy(max_attempts=2, base_delay=0.01, budget=2))

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a successful call (an AssertionError with the body otherwise)."""
        response = self.api(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()["data"] if response.content else None

    def close(self) -> None:
        self._http.close()
        self.transport.shutdown()
