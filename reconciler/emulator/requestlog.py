"""The request log behind `GET /_emulator/requests` (in memory; `/_emulator/` is not logged)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    """One logged API request."""

    method: str
    path: str
    query: str
    route: str
    status: int | None = None
    idempotency_key: str | None = None
    fault: str | None = None
    at: float = field(default_factory=time.monotonic)  # arrival, on the server's clock (seconds)
    answered: float | None = None  # when the answer was ready (same clock); None while in flight or dropped

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "query": self.query,
                "status": self.status, "route": self.route,
                "idempotency_key": self.idempotency_key, "fault": self.fault, "at": self.at, "answered": self.answered}


@dataclass
class RequestLog:
    """Every API request in arrival order, with counts per `METHOD /route/template`."""

    entries: list[Entry] = field(default_factory=list)

    def start(self, method: str, path: str, query: str, route: str,
              idempotency_key: str | None) -> Entry:
        entry = Entry(method, path, query, route, idempotency_key=idempotency_key)
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()

    def summary(self) -> dict[str, Any]:
        counts = Counter(f"{e.method} {e.route}" for e in self.entries)
        return {"total": len(self.entries), "counts": dict(counts),
                "requests": [e.as_dict() for e in self.entries]}
