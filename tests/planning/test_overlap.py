"""Model syncs compared while the listing is still paged give exactly the plan a serial comparison gives."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings
from reconciler.planning import overlap, planner
from reconciler.planning.cache import ReadCache
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


class _Live(dict[str, Any]):
    """A live object that can be watched (a plain dict takes no weak reference)."""


@pytest.mark.parametrize("warm", [False, True], ids=["read", "from the read cache"])
def test_each_live_object_compared_during_the_listing_is_freed_once_compared(
        emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warm: bool) -> None:
    ids = _seed(emulator)
    defs = [model(_by_name(f"seeded-{i:04d}", active=i % 3 == 0)) for i in range(0, N, 3)]
    defs += [model(_by_name(f"seeded-{i:04d}", active=True), pinned=ids[i]) for i in (1, 7)]
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    cache = ReadCache.for_settings(settings, environ={"RECONCILER_CACHE_DIR": str(tmp_path)})
    if warm:
        plan(emulator, defs, cache=cache)
    read: list[weakref.ref[_Live]] = []
    owner, method = (ReadCache, "get") if warm else (PolytomicClient, "get_model_sync")
    real_read = getattr(owner, method)

    def watched(*args: Any) -> Any:
        live = _Live(real_read(*args))
        read.append(weakref.ref(live))
        return live

    alive_when_compared: list[int] = []
    real_compare_all = planner._compare_all

    def compare_all(*args: Any) -> Any:
        gc.collect()
        alive_when_compared.append(sum(ref() is not None for ref in read))
        return real_compare_all(*args)

    monkeypatch.setattr(owner, method, watched)
    monkeypatch.setattr(planner, "_compare_all", compare_all)
    threads = _compared_on(monkeypatch)
    result = plan(emulator, defs, cache=cache)
    assert len(read) == len(defs) and threads.count("plan-compare_0") == len(defs)  # every one compared early
    assert alive_when_compared == [0]  # none kept until the planner's own comparisons
    assert result.summary.unchanged == len(defs) - 2 and result.summary.update == 2


class _DeletingTransport(httpx.BaseTransport):
    """Deletes a sync just before its first read by id (deleted between the listing and the read)."""

    def __init__(self, emulator: Emulator, sync_id: str) -> None:
        self.inner = emulator.transport or httpx.HTTPTransport()
        self.emulator = emulator
        self.sync_id = sync_id
        self.reads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == f"/api/syncs/{self.sync_id}":
            self.reads += 1
            if self.reads == 1:
                assert self.emulator.api("DELETE", f"/api/syncs/{self.sync_id}").status_code in (200, 204)
        return self.inner.handle_request(request)


def test_an_early_read_that_failed_is_handed_to_the_planner_and_not_repeated(emulator: Emulator) -> None:
    ids = _seed(emulator)
    gone = ids[4]
    defs = [model(_by_name("seeded-0004"), pinned=gone), model(_by_name("seeded-0003", active=True))]
    transport = _DeletingTransport(emulator, gone)
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    with PolytomicClient(settings, transport=transport, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        result = plan_against(client, defs)
    assert [(p.name, p.message) for p in result.problems] == [
        ("seeded-0004", f"pinned sync {gone} was deleted while planning")]
    assert [(c.name, c.action) for c in result.changes] == [("seeded-0003", "no-op")]
    assert transport.reads == 1  # the early read's 404, used as the planner's own
