"""The emulator in this process, reached through the client's transport seam (no sockets).

:class:`InProcessEmulator` runs the ASGI app on one event-loop thread; :class:`SyncASGITransport`
lets the synchronous client (and its worker threads) call it. Faults that need a real socket
(``drop``) are not available here; everything else behaves as over HTTP.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings
from reconciler.emulator.app import EmulatorApp, create_app
from tests.support.emulator import API_KEY, VERSION

BASE_URL = "http://127.0.0.1"


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport in front of an ASGI app served on a private event loop."""

    def __init__(self, app: Any) -> None:
        self._async = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="inprocess-emulator", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=content)

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await self._async.handle_async_request(forwarded)
            body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
            return response.status_code, response.headers, body

        status, headers, body = asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=60)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """Keeps the loop: several clients share one transport."""

    def shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class InProcessEmulator:
    """An emulator app with an in-memory database, and clients and raw calls against it."""

    def __init__(self, *, faults: list[Any] | None = None) -> None:
        self.app: EmulatorApp = create_app(None, api_key=API_KEY, faults=faults)
        self.transport = SyncASGITransport(self.app)
        self.http = httpx.Client(transport=self.transport, base_url=BASE_URL, timeout=60)

    def client(self) -> PolytomicClient:
        settings = ApiSettings(url=BASE_URL, version=VERSION, api_key=API_KEY, timeout=30)
        return PolytomicClient(settings, transport=self.transport,
                               retry=RetryPolicy(max_attempts=2, base_delay=0.01, budget=2))

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {API_KEY}", "X-Polytomic-Version": VERSION,
                   **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a successful call (an AssertionError with the body otherwise)."""
        response = self.api(method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()["data"] if response.content else None

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def reset(self) -> None:
        self.app.reset()

    def close(self) -> None:
        self.http.close()
        self.transport.shutdown()
