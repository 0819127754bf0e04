"""The ASGI application: the request pipeline around the handlers.

Order for every `/api/...` request: log → fault decision (drop / error / 429 answer at once) →
authentication (401) → `X-Polytomic-Version` (400) → route (404/405) → `Idempotency-Key`
(400, replay, 409) → fault latency (`asyncio.sleep`) → handler in one SQLite transaction →
idempotency record → `after_commit` fault replaces the answer. Every API answer carries
`X-Polytomic-Version`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from reconciler.emulator import bulk_syncs, catalog, controls, executions, hostile, model_syncs, reorder
from reconciler.emulator.auth import DEFAULT_VERSION, KNOWN_VERSIONS, authenticate, check_version
from reconciler.emulator.context import Ctx, Route, Router, Settings
from reconciler.emulator.errors import ApiError, error_body, not_found
from reconciler.emulator.pagination import encode_token
from reconciler.emulator.query import check_query
from reconciler.emulator.faults import Decision, Faults, Rule, parse_rules, retry_after_header
from reconciler.emulator.idempotency import HEADER as IDEMPOTENCY_HEADER
from reconciler.emulator.idempotency import METHODS as IDEMPOTENT_METHODS
from reconciler.emulator.idempotency import Idempotency, Outcome, validate_key
from reconciler.emulator.requestlog import RequestLog
from reconciler.emulator.seed import DEFAULT_API_KEY, seed
from reconciler.emulator.store import Store

log = logging.getLogger("reconciler.emulator")

ROUTES: list[Route] = [*model_syncs.ROUTES, *executions.ROUTES, *bulk_syncs.ROUTES, *catalog.ROUTES]
LIST_ITEMS = ("light", "full")
MAX_BODY_BYTES = 4 * 1024 * 1024  # request bodies over this get 413 (a sync with 1,000 fields is ~200 KB)


class DropConnection(Exception):
    """Raised to abort a connection when the server offers no transport to close."""


@dataclass
class Answer:
    """A response about to be sent."""

    status: int
    body: Any  # JSON value, or None for an empty body
    headers: dict[str, str]


def _json_bytes(body: Any) -> bytes:
    return b"" if body is None else json.dumps(body, separators=(",", ":")).encode()


class EmulatorApp:
    """The emulator as an ASGI application."""

    def __init__(self, store: Store, api_key: str = DEFAULT_API_KEY,
                 faults: list[dict[str, Any]] | None = None, list_items: str = "light") -> None:
        if list_items not in LIST_ITEMS:
            raise ValueError(f"list_items must be one of {LIST_ITEMS}")
        self.store = store
        self.api_key = api_key
        self.startup_faults = list(faults or [])
        self.startup_list_items = list_items
        self.settings = Settings(list_items=list_items)
        self.faults = Faults(parse_rules(self.startup_faults))
        self.log = RequestLog()
        self.idempotency = Idempotency(store)
        self.lag = hostile.Lag()
        self.router = Router(ROUTES)
        if store.is_empty():
            seed(store, api_key)
        else:
            from reconciler.emulator.seed import DEMO_ORG_ID

            store.set_api_key(DEMO_ORG_ID, api_key)

    # -- state controls ------------------------------------------------------------------------

    def reset(self) -> None:
        """Wipe everything and reseed; settings and fault rules back to the startup values."""
        self.store.wipe()
        seed(self.store, self.api_key)
        self.log.clear()
        self.idempotency.in_flight.clear()
        self.lag.clear()
        self.faults = Faults(parse_rules(self.startup_faults))
        self.settings = Settings(list_items=self.startup_list_items)

    # -- ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        receive, too_large = await _bounded(scope, receive, MAX_BODY_BYTES)
        if too_large:
            body = error_body(413, f"request body larger than {MAX_BODY_BYTES} bytes", key="payload_too_large")
            await Response(_json_bytes(body), status_code=413, media_type="application/json",
                           headers={"Connection": "close"})(scope, receive, send)
            return
        request = Request(scope, receive)
        path = scope["path"]
        if path == "/_emulator" or path.startswith("/_emulator/"):
            response = await controls.handle(self, request)
            await response(scope, receive, send)
            return
        await self._api(request, scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _api(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = request.method, scope["path"]
        route, params, template = self.router.match(method, path)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        entry = self.log.start(method, path, scope.get("query_string", b"").decode("latin-1"),
                               template or path, key)
        decision = self.faults.decide(method, path)
        entry.fault = decision.label
        requested = request.headers.get("x-polytomic-version")
        version = requested if requested in KNOWN_VERSIONS else DEFAULT_VERSION

        if decision.terminal is not None and decision.terminal.action == "drop":
            entry.status = 0
            await request.body()  # drained, so closing sends FIN rather than RST
            await self._drop(send)
            return
        if decision.terminal is not None:
            answer = self._fault_answer(decision.terminal, decision)
        else:
            answer = await self._process(request, route, params, key, decision)
            if decision.reorder is not None and 200 <= answer.status < 300:
                answer.body = reorder.reordered(answer.body, path, decision.reorder.rng)
            if 200 <= answer.status < 300:
                self._hostile_answer(answer, template, request, decision)
            if decision.after_commit is not None:
                if decision.after_commit.status == 0:
                    entry.status = 0
                    await self._drop(send)
                    return
                answer = self._fault_answer(decision.after_commit, decision)
        entry.status = answer.status
        entry.answered = time.monotonic()
        answer.headers["X-Polytomic-Version"] = version
        content = _json_bytes(answer.body)
        media = "application/json" if answer.body is not None else None
        slow = decision.modifiers.get("dribble")
        if slow is not None:
            response: Response = StreamingResponse(hostile.dribbled(slow, content), status_code=answer.status,
                                                   headers=answer.headers, media_type=media)
        else:
            response = Response(content, status_code=answer.status, headers=answer.headers, media_type=media)
        await response(scope, receive, send)

    def _hostile_answer(self, answer: Answer, template: str | None, request: Request, decision: Decision) -> None:
        """Read-after-write lag on listings, looping tokens, wrong shapes and padding."""
        if request.method == "GET" and template in hostile.LISTINGS:
            self.lag.filter_listing(answer.body)
            looping = decision.modifiers.get("loop_token")
            if looping is not None:
                restart = encode_token(self.store.secret(), *hostile.RESTART)
                hostile.loop_token(looping, request.query_params.get("page_token"), answer.body, restart)
        answer.body = hostile.reshape(decision.modifiers, answer.body)

    def _fault_answer(self, rule: Rule, decision: Decision) -> Answer:
        status = 429 if rule.action == "rate_limit" else rule.status
        default = "rate limit exceeded" if status == 429 else "injected fault"
        body = error_body(status, default)
        if isinstance(rule.body, dict):
            body.update(rule.body)
        elif isinstance(rule.body, str):
            body["message"] = rule.body
        elif rule.body is not None:
            body = rule.body
        headers: dict[str, str] = {}
        retry_after = decision.retry_after if rule is decision.terminal else rule.retry_after
        if retry_after is not None:
            headers["Retry-After"] = retry_after_header(retry_after)
        return Answer(status, body, headers)

    async def _drop(self, send: Send) -> None:
        """Close the connection without any response (the client sees a transport error).

        Uses the transport of uvicorn's h11 request cycle (the server `server.py` runs); under
        another server it raises `DropConnection` instead.
        """
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if cycle is None or transport is None:
            raise DropConnection("fault: connection dropped")
        cycle.disconnected = True  # tell uvicorn not to answer on our behalf
        cycle.keep_alive = False
        transport.close()

    async def _process(self, request: Request, route: Route | None, params: dict[str, str],
                       key: str | None, decision: Decision) -> Answer:
        """Authenticate, route, apply idempotency and run the handler."""
        try:
            principal = self._admit(request, route, params, key)
        except ApiError as exc:
            return Answer(exc.status, exc.body(), {})
        if isinstance(principal, Answer):
            return principal
        assert route is not None
        if key is not None and request.method in IDEMPOTENT_METHODS:
            answer = await self._keyed(request, route, params, principal, decision, key)
        else:
            answer = await self._run(request, route, params, principal, decision)
        lag = decision.modifiers.get("lag")
        # lag starts when a sync is created: a replayed create creates nothing
        created = answer.status == 200 and answer.headers.get("Idempotent-Replayed") != "true"
        if lag is not None and request.method == "POST" and route.template in hostile.LISTINGS and created:
            self.lag.register(answer.body, lag.reads)
        return answer

    def _admit(self, request: Request, route: Route | None, params: dict[str, str], key: str | None) -> Any:
        """The caller's principal, a 405 answer, or an ApiError: auth, version, route, query, key."""
        principal = authenticate(self.store, request.headers.get("authorization"))
        check_version(request.headers.get("x-polytomic-version"),
                      required=route.version_required if route else request.url.path.startswith("/api/syncs"))
        if route is None:
            allowed = self.router.allowed(request.url.path)
            if allowed:
                error = ApiError(405, f"method {request.method} is not allowed on {request.url.path}")
                return Answer(405, error.body(), {"Allow": ", ".join(allowed)})
            raise ApiError(404, f"no such endpoint: {request.method} {request.url.path}")
        check_query(route.method, route.template, request.query_params.multi_items())
        if key is not None and request.method in IDEMPOTENT_METHODS:
            validate_key(key)
        if request.method == "GET" and route.template in hostile.GETS and self.lag.hides_get(params["id"]):
            raise not_found("sync", params["id"])  # read-after-write lag
        return principal

    async def _keyed(self, request: Request, route: Route, params: dict[str, str], principal: Any,
                     decision: Decision, key: str) -> Answer:
        """A request with an Idempotency-Key: replayed, or run and remembered (5xx answers are not)."""
        org_id = principal.org["id"]
        try:
            replay = self.idempotency.begin(org_id, key, request.method, request.url.path,
                                            ttl=self.settings.idempotency_ttl)
        except ApiError as exc:
            return Answer(exc.status, exc.body(), {})
        if replay is not None:
            return Answer(replay.status, replay.body, {"Idempotent-Replayed": "true"})
        try:
            answer = await self._run(request, route, params, principal, decision)
        except BaseException:
            self.idempotency.abandon(org_id, key)
            raise
        if answer.status >= 500:
            self.idempotency.abandon(org_id, key)
        else:
            self.idempotency.finish(org_id, key, request.method, request.url.path, Outcome(answer.status, answer.body))
        return answer

    async def _run(self, request: Request, route: Route, params: dict[str, str], principal: Any,
                   decision: Decision) -> Answer:
        if decision.latency:
            await asyncio.sleep(decision.latency)
        return await self._handle(request, route, params, principal, decision)

    async def _handle(self, request: Request, route: Route, params: dict[str, str],
                      principal: Any, decision: Decision) -> Answer:
        raw = await request.body()
        body: Any = None
        try:
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    raise ApiError(400, f"request body is not valid JSON: {exc}",
                                   key="invalid_json") from None
            if request.method in ("POST", "PUT", "PATCH"):
                hostile.normalize_request(decision.modifiers.get("normalize_names"), body)
            ctx = Ctx(store=self.store, org=principal.org, actor=principal.actor,
                      method=request.method, params=params, query=dict(request.query_params),
                      body=body, settings=self.settings, scheme=principal.scheme)
            with self.store.tx():
                status, out = route.handler(ctx)
            return Answer(status, out, {})
        except ApiError as exc:
            return Answer(exc.status, exc.body(), {})
        except Exception:  # noqa: BLE001 - an emulator bug must still answer like an API
            log.exception("handler failed: %s %s", request.method, request.url.path)
            return Answer(500, error_body(500, "internal error in the emulator"), {})


async def _bounded(scope: Scope, receive: Receive, limit: int) -> tuple[Receive, bool]:
    """A `receive` replaying the request body, read up front no further than ``limit`` bytes;
    True when the body is larger (by its Content-Length, or by what arrived)."""
    for name, value in scope.get("headers") or []:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return receive, True
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            chunks = []
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return receive, True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then the disconnect, when it comes

    return replay, False


def create_app(db_path: str | None = None, api_key: str = DEFAULT_API_KEY,
               faults: list[Any] | None = None, list_items: str = "light") -> EmulatorApp:
    """The emulator app over SQLite at `db_path` (None or ':memory:' = in memory).

    `faults` are rule objects as in docs/emulator.md; invalid ones raise `faults.RuleError`.
    """
    return EmulatorApp(Store(db_path), api_key=api_key, faults=faults, list_items=list_items)
