"""`Idempotency-Key`: the first outcome for a key is replayed for 24 h; 409 while it is in flight.

Outcomes are stored in SQLite (so they survive a restart with `--db`), scoped per organisation.
The recorded outcome is always the handler's real answer, even when a fault replaces what goes
on the wire, so a retry after a commit-then-500 gets the committed result.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.errors import ApiError
from reconciler.emulator.store import Store

HEADER = "idempotency-key"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,255}$")
TTL_SECONDS = 24 * 3600
METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Outcome:
    """A stored answer."""

    status: int
    body: Any  # JSON value, or None for an empty body


def validate_key(key: str) -> None:
    """400 unless the key is 8-255 characters of `[A-Za-z0-9_-]`."""
    if not KEY_RE.match(key):
        raise ApiError(400, "Idempotency-Key must be 8 to 255 characters of letters, digits, '_' "
                            "and '-'", key="invalid_idempotency_key")


class Idempotency:
    """In-flight tracking (memory) and stored outcomes (SQLite)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.in_flight: set[tuple[str, str]] = set()

    def begin(self, org_id: str, key: str, method: str, path: str,
              ttl: float = TTL_SECONDS) -> Outcome | None:
        """The stored outcome to replay, or None after marking the key in flight.

        Outcomes older than `ttl` seconds are forgotten first.
        """
        if (org_id, key) in self.in_flight:
            raise ApiError(409, "a request with this Idempotency-Key is still being processed",
                           key="idempotency_key_in_use")
        with self.store.tx():
            self.store.idempotency_expire(time.time() - ttl)
            row = self.store.idempotency_get(org_id, key)
        if row is not None:
            if row["method"] != method or row["path"] != path:
                raise ApiError(422, f"this Idempotency-Key was used for {row['method']} {row['path']}; "
                                    "use a new key for a different request",
                               key="idempotency_key_reused")
            body = json.loads(row["body"]) if row["body"] else None
            return Outcome(row["status"], body)
        self.in_flight.add((org_id, key))
        return None

    def finish(self, org_id: str, key: str, method: str, path: str, outcome: Outcome) -> None:
        """Store the first outcome and release the key."""
        raw = b"" if outcome.body is None else json.dumps(outcome.body).encode()
        with self.store.tx():
            self.store.idempotency_put(org_id, key, method, path, outcome.status, raw, time.time())
        self.in_flight.discard((org_id, key))

    def abandon(self, org_id: str, key: str) -> None:
        """Release the key without storing anything (the request never got an answer)."""
        self.in_flight.discard((org_id, key))
