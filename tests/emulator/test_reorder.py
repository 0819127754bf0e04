"""The `reorder` fault: order-free lists come back in another order than stored; nothing else moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.emulator.faults import RuleError, parse_rule
from tests.emulator.helpers import bulk_body, full_sync_body
from tests.support.emulator import DEMO_ORG_ID
from tests.support.inprocess import InProcessEmulator


@pytest.fixture
def reordering() -> Iterator[InProcessEmulator]:
    emu = InProcessEmulator(faults=[{"action": "reorder", "seed": 3}])
    yield emu
    emu.close()


def test_order_free_lists_never_come_back_in_the_stored_order(reordering: InProcessEmulator) -> None:
    body = full_sync_body()
    body["policies"] = ["f0000000-0000-4000-8000-000000000001", "f0000000-0000-4000-8000-000000000002"]
    sync = reordering.data("POST", "/api/syncs", json=body)
    stored = reordering.app.store.get_sync("model", DEMO_ORG_ID, sync["id"])
    for _ in range(5):
        got = reordering.data("GET", f"/api/syncs/{sync['id']}")
        for key in ("fields", "filters", "policies"):
            assert got[key] != stored[key] and sorted(map(str, got[key])) == sorted(map(str, stored[key])), key
        assert {k: v for k, v in got.items() if k not in ("fields", "filters", "policies")} == \
            {k: v for k, v in stored.items() if k not in ("fields", "filters", "policies") and k != "encryption_passphrase"}


def test_schema_listings_and_schema_fields_are_reordered(reordering: InProcessEmulator) -> None:
    sync = reordering.data("POST", "/api/bulk/syncs", json=bulk_body())
    listing = [s["id"] for s in reordering.data("GET", f"/api/bulk/syncs/{sync['id']}/schemas")]
    assert listing != ["public.users", "public.accounts", "public.events", "public.orders"]
    fields = [f["id"] for f in reordering.data("GET", f"/api/bulk/syncs/{sync['id']}/schemas/public.users")["fields"]]
    assert fields != ["id", "email", "first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value",
                      "created_at", "updated_at"] and len(fields) == 10


def test_ordered_listings_keep_their_order(reordering: InProcessEmulator) -> None:
    ids = [reordering.data("POST", "/api/syncs", json=full_sync_body())["id"] for _ in range(3)]
    assert [s["id"] for s in reordering.data("GET", "/api/syncs")] == ids[::-1]


def test_the_rule_parses_and_is_listed() -> None:
    assert parse_rule({"action": "reorder", "path": "/api/syncs/*", "probability": 0.5}).as_dict()["action"] == "reorder"
    with pytest.raises(RuleError):
        parse_rule({"action": "shuffle"})
