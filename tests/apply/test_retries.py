"""One owner for retries: a write costs at most ``max_attempts`` write requests, counted at the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import format_datetime
from datetime import datetime, timezone
from typing import Any

import pytest

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import Attempts, RetryPolicy, parse_retry_after
from reconciler.apply import apply_plan
from reconciler.config import ApiSettings
from reconciler.errors import ApiError
from reconciler.planning.model import Change, Plan
from tests.apply.helpers import api_body, model_sync
from tests.support.emulator import API_KEY, VERSION
from tests.support.inprocess import BASE_URL, InProcessEmulator

MAX_ATTEMPTS = 4


@pytest.fixture()
def emulator() -> Iterator[InProcessEmulator]:
    emu = InProcessEmulator()
    yield emu
    emu.transport.shutdown()


def _client(emu: InProcessEmulator, sleeps: list[float]) -> PolytomicClient:
    policy = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_delay=0.0, budget=1000, sleep=sleeps.append)
    settings = ApiSettings(url=BASE_URL, version=VERSION, api_key=API_KEY, timeout=30)
    return PolytomicClient(settings, transport=emu.transport, retry=policy)


def _faults(emu: InProcessEmulator, *rules: dict[str, Any]) -> None:
    assert emu.control("POST", "/_emulator/faults", json={"rules": list(rules)}).status_code == 200
    assert emu.control("DELETE", "/_emulator/requests").status_code in (200, 204)


def _logged(emu: InProcessEmulator, method: str) -> int:
    log = emu.control("GET", "/_emulator/requests").json()["data"]["requests"]
    return sum(1 for r in log if r["method"] == method)


def _apply(client: PolytomicClient, change: Change) -> Any:
    with client:
        return apply_plan(client, Plan(changes=(change,)), parallelism=1, policy=client.retry).outcomes[0]


@pytest.mark.parametrize("status", [503, 500, 429, 408])
def test_a_create_that_keeps_failing_costs_at_most_max_attempts_posts(emulator: InProcessEmulator, status: int) -> None:
    _faults(emulator, {"method": "POST", "path": "/api/syncs", "action": "error", "status": status})
    doc = model_sync("Persistent")
    outcome = _apply(_client(emulator, []), Change(kind="ModelSync", name="Persistent", action="create",
                                                   body=api_body(doc)))
    assert outcome.status == "failed" and f"-> {status}" in outcome.message
    assert _logged(emulator, "POST") == MAX_ATTEMPTS  # not MAX_ATTEMPTS ** 2: the client sends a write once


@pytest.mark.parametrize("status", [503, 429])
def test_an_update_that_keeps_failing_costs_at_most_max_attempts_puts(emulator: InProcessEmulator, status: int) -> None:
    doc = model_sync("Updated")
    sync_id = emulator.data("POST", "/api/syncs", json=api_body(doc))["id"]
    live = emulator.data("GET", f"/api/syncs/{sync_id}")
    _faults(emulator, {"method": "PUT", "path": "/api/syncs/*", "action": "error", "status": status})
    change = Change(kind="ModelSync", name="Updated", action="update", sync_id=sync_id,
                    body={**api_body(doc), "active": not live.get("active")})
    outcome = _apply(_client(emulator, []), change)
    assert outcome.status == "failed"
    assert _logged(emulator, "PUT") == MAX_ATTEMPTS


def test_a_read_is_retried_by_the_client_per_the_policy(emulator: InProcessEmulator) -> None:
    _faults(emulator, {"method": "GET", "path": "/api/me", "action": "error", "status": 503})
    sleeps: list[float] = []
    with _client(emulator, sleeps) as client, pytest.raises(ApiError) as raised:
        client.me()
    assert raised.value.status == 503 and raised.value.retryable
    assert _logged(emulator, "GET") == MAX_ATTEMPTS and len(sleeps) == MAX_ATTEMPTS - 1


def test_the_servers_retry_after_is_typed_on_the_error_and_honoured(emulator: InProcessEmulator) -> None:
    _faults(emulator, {"method": "POST", "path": "/api/syncs", "action": "error", "status": 429, "retry_after": 7})
    sleeps: list[float] = []
    with _client(emulator, sleeps) as client, pytest.raises(ApiError) as raised:
        client.create("/api/syncs", api_body(model_sync("Later")), idempotency_key="k" * 32)
    assert raised.value.retry_after == 7.0 and raised.value.status == 429
    assert sleeps == [] and _logged(emulator, "POST") == 1  # the client never resends a write itself
    outcome = _apply(_client(emulator, sleeps), Change(kind="ModelSync", name="Later", action="create",
                                                       body=api_body(model_sync("Later"))))
    assert outcome.status == "failed"
    assert len(sleeps) == MAX_ATTEMPTS - 1 and all(7.0 <= s <= 8.0 for s in sleeps)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    later = format_datetime(datetime(2026, 3, 1, 12, 2, 30, tzinfo=timezone.utc), usegmt=True)
    assert parse_retry_after(later, now=lambda: now) == 150.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=lambda: now) == 0.0  # past: no wait
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None and parse_retry_after(None) is None


def test_attempts_stop_at_max_attempts_and_within_the_budget() -> None:
    clock = [0.0]
    attempts = Attempts(RetryPolicy(max_attempts=3, base_delay=0.0, budget=10), clock=lambda: clock[0])
    assert attempts.next_delay(None) == 0.0
    assert attempts.next_delay(None) == 0.0
    assert attempts.next_delay(None) is None  # the third failure was the last attempt
    late = Attempts(RetryPolicy(max_attempts=9, base_delay=0.0, budget=10), clock=lambda: clock[0])
    clock[0] = 5.0
    assert late.next_delay(4.0) is not None
    assert late.next_delay(6.0) is None  # 5 s spent + 6 s would pass the 10 s budget


@pytest.mark.parametrize(("status", "retryable"), [(None, True), (408, True), (429, True), (500, True), (503, True),
                                                   (400, False), (404, False), (409, False), (422, False)])
def test_retryable_is_the_one_definition_of_a_transient_failure(status: int | None, retryable: bool) -> None:
    assert ApiError("x", method="GET", url="u", status=status).retryable is retryable
