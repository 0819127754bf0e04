"""Test controls under `/_emulator/` (loopback clients only): reset, seed, request log, settings,
fault rules and finished executions. See docs/emulator.md."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any, Callable

from starlette.requests import Request
from starlette.responses import Response

from reconciler.emulator import bulk_syncs, executions, model_syncs
from reconciler.emulator.context import Ctx
from reconciler.emulator.errors import ApiError, error_body
from reconciler.emulator.faults import RuleError, parse_rules
from reconciler.emulator.seed import DEMO_ORG_ID, actor

if TYPE_CHECKING:
    from reconciler.emulator.app import EmulatorApp

EXECUTION_PATH = re.compile(r"^/_emulator/syncs/(?P<id>[^/]+)/executions$")


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def is_loopback(host: str | None) -> bool:
    """Whether a client address is a loopback address."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


async def handle(app: EmulatorApp, request: Request) -> Response:
    """Answer one control request."""
    # The socket peer (the ASGI scope's client), never X-Forwarded-For, Forwarded or X-Real-IP:
    # any client can send those headers.
    peer = request.scope.get("client")
    client = peer[0] if peer else None
    if not is_loopback(client):
        return _json(403, error_body(403, "the /_emulator/ controls are only served to loopback clients",
                                     key="forbidden"))
    try:
        raw = await request.body()
        body = json.loads(raw) if raw.strip() else None
    except ValueError as exc:
        return _json(400, error_body(400, f"request body is not valid JSON: {exc}"))
    try:
        data = _dispatch(app, request.method, request.url.path, body)
    except ApiError as exc:
        response = _json(exc.status, exc.body())
        if exc.status == 405:
            response.headers["Allow"] = ", ".join(_allowed(request.url.path.rstrip("/")))
        return response
    except RuleError as exc:
        return _json(400, error_body(400, f"invalid fault rule: {exc}", key="invalid_fault_rule"))
    return _json(200, {"data": data})


def _dispatch(app: EmulatorApp, method: str, path: str, body: Any) -> Any:
    path = path.rstrip("/")
    handler = _HANDLERS.get((path, method))
    if handler is not None:
        return handler(app, body)
    match = EXECUTION_PATH.match(path)
    if match and method == "POST":
        return _append_execution(app, match["id"], body)
    if path in CONTROL_METHODS or match:
        raise ApiError(405, f"method {method} is not allowed on {path}")
    raise ApiError(404, f"no such control: {method} {path}")


def _reset(app: EmulatorApp, body: Any) -> Any:
    app.reset()
    return {"reset": True}


def _requests(app: EmulatorApp, body: Any) -> Any:
    return app.log.summary()


def _clear_requests(app: EmulatorApp, body: Any) -> Any:
    app.log.clear()
    return {"cleared": True}


def _rules(app: EmulatorApp, body: Any) -> Any:
    return {"rules": [r.as_dict() for r in app.faults.rules]}


def _add_rules(app: EmulatorApp, body: Any) -> Any:
    app.faults.add(parse_rules(body))
    return _rules(app, body)


def _clear_rules(app: EmulatorApp, body: Any) -> Any:
    app.faults.clear()
    app.lag.clear()  # no fault outlives its rules: lagging syncs become visible at once
    return {"rules": []}


def _settings(app: EmulatorApp, body: Any) -> Any:
    return app.settings.as_dict()


def _change_settings(app: EmulatorApp, body: Any) -> Any:
    _update_settings(app, body)
    return app.settings.as_dict()


CONTROL_METHODS = {
    "/_emulator/reset": ("POST",),
    "/_emulator/requests": ("DELETE", "GET"),
    "/_emulator/faults": ("DELETE", "GET", "POST"),
    "/_emulator/settings": ("GET", "PATCH", "POST", "PUT"),
    "/_emulator/seed": ("POST",),
}


def _allowed(path: str) -> tuple[str, ...]:
    return ("POST",) if EXECUTION_PATH.match(path) else CONTROL_METHODS.get(path, ())


def _update_settings(app: EmulatorApp, body: Any) -> None:
    if not isinstance(body, dict):
        raise ApiError(400, "settings must be a JSON object")
    known = app.settings.as_dict()
    for key, value in body.items():
        if key not in known:
            raise ApiError(400, f"unknown setting {key!r} (known: {', '.join(known)})")
        if key == "list_items" and value not in ("light", "full"):
            raise ApiError(400, "list_items must be 'light' or 'full'")
        if key != "list_items" and (isinstance(value, bool) or not isinstance(value, (int, float))
                                    or value < 0):
            raise ApiError(400, f"{key} must be a non-negative number of seconds")
    for key, value in body.items():
        setattr(app.settings, key, value)


def _ctx(app: EmulatorApp, org_id: str) -> Ctx:
    org = app.store.org(org_id)
    if org is None:
        raise ApiError(404, f"organization {org_id} not found")
    return Ctx(store=app.store, org=org, actor=actor(org), method="POST", params={}, query={},
               body=None, settings=app.settings)


def _seed(app: EmulatorApp, body: Any) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        raise ApiError(400, "seed body must be a JSON object")
    unknown = set(body) - {"model_syncs", "bulk_syncs", "organization_id"}
    if unknown:
        raise ApiError(400, f"unknown seed keys: {', '.join(sorted(unknown))}")
    ctx = _ctx(app, body.get("organization_id") or DEMO_ORG_ID)
    out: dict[str, list[str]] = {"model_syncs": [], "bulk_syncs": []}
    with app.store.tx():
        for item in body.get("model_syncs") or []:
            if not isinstance(item, dict):
                raise ApiError(400, "each seeded sync must be an object")
            sync = model_syncs.normalize_seeded(ctx, item)
            app.store.put_sync("model", ctx.org_id, sync)
            out["model_syncs"].append(sync["id"])
        for item in body.get("bulk_syncs") or []:
            if not isinstance(item, dict):
                raise ApiError(400, "each seeded sync must be an object")
            sync, extra = bulk_syncs.normalize_seeded(ctx, item)
            app.store.put_sync("bulk", ctx.org_id, sync, extra)
            out["bulk_syncs"].append(sync["id"])
    return out


def _append_execution(app: EmulatorApp, sync_id: str, body: Any) -> dict[str, Any]:
    body = body if body is not None else {}
    if not isinstance(body, dict):
        raise ApiError(400, "execution body must be a JSON object")
    with app.store.tx():
        return executions.append_finished(app.store, sync_id, body)


_HANDLERS: dict[tuple[str, str], Callable[[EmulatorApp, Any], Any]] = {
    ("/_emulator/reset", "POST"): _reset,
    ("/_emulator/requests", "GET"): _requests,
    ("/_emulator/requests", "DELETE"): _clear_requests,
    ("/_emulator/faults", "GET"): _rules,
    ("/_emulator/faults", "POST"): _add_rules,
    ("/_emulator/faults", "DELETE"): _clear_rules,
    ("/_emulator/settings", "GET"): _settings,
    **{("/_emulator/settings", verb): _change_settings for verb in ("PUT", "PATCH", "POST")},
    ("/_emulator/seed", "POST"): _seed,
}
