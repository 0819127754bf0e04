"""Listing pages cost O(page size) however deep: counted in SQLite virtual-machine steps, not seconds."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.emulator.store import Store, format_timestamp

N = 5_000
PAGE = 50


@pytest.fixture(scope="module")
def store() -> Store:
    st = Store()
    with st.tx():
        for i in range(N):  # three syncs per timestamp: ties are ordered by id
            st.put_sync("model", "org", {"id": f"{i:08d}", "updated_at": format_timestamp(1_700_000_000_000_000 + i // 3),
                                         "active": i % 2 == 0, "mode": "create", "target": {"connection_id": "c"}})
    return st


def _steps(store: Store, **kw: Any) -> tuple[int, list[dict[str, Any]]]:
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0
    store._db.set_progress_handler(tick, 100)
    try:
        rows = store.list_syncs("model", "org", limit=PAGE + 1, **kw)
    finally:
        store._db.set_progress_handler(None, 0)
    return counted[0], rows


def _walk(store: Store, **filters: Any) -> list[tuple[str, str]]:
    after, keys = None, []
    for _ in range(N):
        rows = store.list_syncs("model", "org", after=after, limit=PAGE + 1, **filters)
        keys += [(r["updated_at"], r["id"]) for r in rows[:PAGE]]
        if len(rows) <= PAGE:
            return keys
        after = keys[-1]
    raise AssertionError("the listing did not end")


@pytest.mark.parametrize("filters", [{}, {"active": True}])
def test_the_deepest_page_costs_what_the_first_one_does(store: Store, filters: dict[str, Any]) -> None:
    first, _ = _steps(store, **filters)
    keys = _walk(store, **filters)
    deepest, rows = _steps(store, after=keys[-PAGE - 1], **filters)
    assert len(rows) == PAGE
    assert deepest <= 3 * first + 10, (first, deepest)


@pytest.mark.parametrize("filters", [{}, {"active": False}])
def test_pages_hold_every_sync_once_in_order(store: Store, filters: dict[str, Any]) -> None:
    keys = _walk(store, **filters)
    by_id = sorted(keys, key=lambda k: k[1])
    assert keys == sorted(by_id, key=lambda k: k[0], reverse=True)  # newest first, ties by id (a stable sort)
    assert len(keys) == len(set(keys)) == (N if not filters else N // 2)
