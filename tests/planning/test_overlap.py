"""Model syncs compared while the listing is still paged give exactly the plan a serial comparison gives."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings
from reconciler.planning import overlap, planner
from reconciler.planning.planner import plan_against
from tests.planning.helpers import changed_paths, model, plan, users_sync
from tests.planning.test_listing import _EditingTransport
from tests.support.emulator import VERSION, Emulator

N = 120  # three pages


def _by_name(name: str, **extra: Any) -> dict[str, Any]:
    """A users sync naming its connection and model (as `reconciler export` writes them)."""
    body = users_sync(name, **extra)
    body["target"]["connection_id"] = "${connection:Salesforce CRM}"
    body["identity"]["source"]["model_id"] = "${model:Users}"
    for field in body["fields"]:
        field["source"]["model_id"] = "${model:Users}"
    return body


def _seed(emulator: Emulator) -> list[str]:
    bodies = [users_sync(f"seeded-{i:04d}", active=i % 3 == 0) for i in range(N)]
    return emulator.seed(model_syncs=bodies)["model_syncs"]


def _definitions(ids: list[str]) -> list[Any]:
    defs = [model(_by_name(f"seeded-{i:04d}", active=i % 3 == 0)) for i in range(0, N, 3)]  # unchanged
    defs += [model(_by_name(f"seeded-{i:04d}", active=True), pinned=ids[i]) for i in (1, 7, 13, 19, 25)]  # updates
    defs.append(model({**_by_name("seeded-0002"), "target": {"connection_id": "${connection:Nope}",
                                                              "object": "Contact"}}))  # a problem
    after = {"frequency": "runafter", "run_after": {"sync_ids": ["${sync:seeded-0000}"]}}
    defs.append(model(_by_name("seeded-0005", schedule=after)))  # compared after the listing
    defs.append(model(_by_name("brand new")))  # a create
    return defs


def _compared_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    threads: list[str] = []
    real = planner._change

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(planner, "_change", spy)
    return threads


def test_comparisons_made_during_the_listing_give_the_serial_plan(emulator: Emulator,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _seed(emulator)
    defs = _definitions(ids)
    threads = _compared_on(monkeypatch)
    overlapped = plan(emulator, defs)
    early = [t for t in threads if t.startswith("plan-compare")]
    assert len(early) >= N // 3  # the unchanged and updated ones, compared while pages were read
    monkeypatch.setattr(overlap.EarlyChanges, "take", lambda self, d, live: None)  # compare every one again
    threads.clear()
    assert plan(emulator, defs) == overlapped
    assert threads.count("MainThread") >= len(defs)  # every one compared by the planner itself
    assert {c.action for c in overlapped.changes} == {"no-op", "update", "create"}
    assert [p.name for p in overlapped.problems] == ["seeded-0002"]


def test_a_sync_compared_early_and_edited_later_during_the_listing_is_compared_again(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _seed(emulator)
    newest = ids[-1]  # on the first page: read and compared right after it
    owned = [model(_by_name(f"seeded-{N - 1:04d}", active=False))]
    threads = _compared_on(monkeypatch)
    transport = _EditingTransport(emulator, {2: [newest]})  # activated while page 2 is read
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    with PolytomicClient(settings, transport=transport, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        result = plan_against(client, owned)
    change = result.changes[0]
    assert (change.sync_id, change.action, changed_paths(change)) == (newest, "update", ["active"])
    assert (change.diffs[0].before, change.diffs[0].after) == (True, False)
    assert threads.count("plan-compare_0") == 2  # the version first listed, then the edited one
