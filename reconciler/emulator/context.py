"""What a handler receives (`Ctx`), what it returns, and the small router mapping templates to handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.emulator.errors import ApiError
from reconciler.emulator.store import Store

#: A handler's answer: status and the JSON body (`None` for an empty body).
Reply = tuple[int, Any]


@dataclass
class Settings:
    """Runtime settings (`/_emulator/settings`); per process, reset to the startup values."""

    list_items: str = "light"
    execution_running_after: float = 0.3
    execution_completed_after: float = 1.5
    idempotency_ttl: float = 24 * 3600

    def as_dict(self) -> dict[str, Any]:
        return {"list_items": self.list_items,
                "execution_running_after": self.execution_running_after,
                "execution_completed_after": self.execution_completed_after,
                "idempotency_ttl": self.idempotency_ttl}


@dataclass
class Ctx:
    """One API request, authenticated, as seen by a handler."""

    store: Store
    org: dict[str, Any]
    actor: dict[str, str]
    method: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    settings: Settings
    scheme: str = "bearer"

    @property
    def org_id(self) -> str:
        return self.org["id"]

    def json_object(self) -> dict[str, Any]:
        """The request body, which must be a JSON object (400 otherwise)."""
        if not isinstance(self.body, dict):
            raise ApiError(400, "request body must be a JSON object", key="invalid_request")
        return self.body


Handler = Callable[[Ctx], Reply]


@dataclass
class Route:
    """One endpoint: `template` uses `{name}` placeholders (one path segment each)."""

    method: str
    template: str
    handler: Handler
    version_required: bool = False
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}$")


class Router:
    """Finds the route of a request; tells 404 (no such path) from 405 (wrong method)."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def allowed(self, path: str) -> list[str]:
        """The methods some route serves at ``path`` (the `Allow` header of a 405)."""
        return sorted({r.method for r in self.routes if r.pattern.match(path)})

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], str | None]:
        """(route, path params, template); route is None when nothing matches the method."""
        template = None
        for route in self.routes:
            m = route.pattern.match(path)
            if not m:
                continue
            template = template or route.template
            if route.method == method:
                return route, m.groupdict(), route.template
        return None, {}, template
