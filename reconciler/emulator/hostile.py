"""The hostile-server fault actions: what they do to a request or its answer (docs/emulator.md).

- `normalize_names`: a create/update request's `name` is stored NFC-normalised, stripped and/or
  case-folded (`forms`);
- `lag`: a sync created by a matched request is invisible for its next `reads` GETs by id (404)
  and its next `reads` listings (read-after-write lag);
- `loop_token`: a matched listing's `next_page_token` points back to an earlier page, forever;
- `dribble`: the answer is sent `chunk_bytes` at a time, one chunk every `interval_ms`;
- `wrong_shape`: a successful answer's `data` is replaced by the rule's `data`;
- `pad`: a successful answer object gets a `padding` string of `bytes` characters.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

from reconciler.emulator.faults import Rule, normalize_name

LISTINGS = ("/api/syncs", "/api/bulk/syncs")
GETS = ("/api/syncs/{id}", "/api/bulk/syncs/{id}")
RESTART = ("9999-12-31T23:59:59.999999Z", "")  # a keyset position before every sync: page one again


class Lag:
    """Ids created under a `lag` rule, with how many GETs and listings still miss them."""

    def __init__(self) -> None:
        self._hidden: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._hidden.clear()

    def register(self, answer_body: Any, reads: int) -> None:
        data = answer_body.get("data") if isinstance(answer_body, dict) else None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            with self._lock:
                self._hidden[data["id"]] = [reads, reads]

    def hides_get(self, sync_id: str) -> bool:
        return self._take(sync_id, 0)

    def filter_listing(self, body: Any) -> None:
        """Drop the lagging items from a listing answer, in place."""
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            body["data"] = [item for item in body["data"]
                            if not (isinstance(item, dict) and self._take(str(item.get("id")), 1))]

    def _take(self, sync_id: str, which: int) -> bool:
        with self._lock:
            left = self._hidden.get(sync_id)
            if left is None or left[which] <= 0:
                return False
            left[which] -= 1
            if left == [0, 0]:
                del self._hidden[sync_id]
            return True


def normalize_request(rule: Rule | None, body: Any) -> None:
    """Store the request's name as a normalising server would, in place."""
    if rule is not None and isinstance(body, dict) and isinstance(body.get("name"), str):
        body["name"] = normalize_name(body["name"], rule.forms)


def loop_token(rule: Rule, requested: str | None, body: Any, restart: str) -> None:
    """Point the answer's next page back to an earlier one: page two's token once it is known,
    else the first page again."""
    if not isinstance(body, dict):
        return
    pagination = body.setdefault("pagination", {})
    if not isinstance(pagination, dict):
        return
    issued = pagination.get("next_page_token")
    if requested is None and issued and rule.loop_to is None:
        rule.loop_to = issued
        return
    pagination["next_page_token"] = rule.loop_to or restart


def reshape(modifiers: dict[str, Rule], body: Any) -> Any:
    """`wrong_shape` and `pad` applied to a successful answer body."""
    if "wrong_shape" in modifiers and isinstance(body, dict):
        body = {**body, "data": modifiers["wrong_shape"].data}
    if "pad" in modifiers and isinstance(body, dict):
        body = {**body, "padding": "x" * modifiers["pad"].bytes}
    return body


async def dribbled(rule: Rule, content: bytes) -> AsyncIterator[bytes]:
    """The body a few bytes at a time (the first chunk at once, as a slow server would)."""
    step = rule.chunk_bytes
    for start in range(0, len(content), step):
        if start:
            await asyncio.sleep(rule.interval_ms / 1000)
        yield content[start:start + step]
