"""`GET /api/syncs`: order, limit, filters, keyset page tokens (opaque, signed, 400 when malformed)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.emulator.helpers import data_of, error_of, sync_body
from tests.support.emulator import HUBSPOT, SALESFORCE, Emulator


def seed_syncs(emulator: Emulator, n: int, **body: object) -> list[str]:
    """Seed n syncs (oldest first); returns their ids in creation order."""
    return emulator.seed(model_syncs=[sync_body(name=f"sync {i:03d}", **body) for i in range(n)])["model_syncs"]


def read_all(emulator: Emulator, **params: object) -> tuple[list[dict], list[int]]:
    items: list[dict] = []
    sizes: list[int] = []
    token = None
    while True:
        query = dict(params)
        if token:
            query["page_token"] = token
        page = emulator.api("GET", "/api/syncs", params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["data"]
        sizes.append(len(body["data"]))
        token = (body.get("pagination") or {}).get("next_page_token")
        if not token:
            return items, sizes


def test_120_syncs_in_three_pages_newest_first(emulator: Emulator) -> None:
    ids = seed_syncs(emulator, 120)
    items, sizes = read_all(emulator)
    assert sizes == [50, 50, 20]
    assert [i["id"] for i in items] == list(reversed(ids))
    stamps = [i["updated_at"] for i in items]
    assert stamps == sorted(stamps, reverse=True)


def test_last_page_has_no_token(emulator: Emulator) -> None:
    seed_syncs(emulator, 3)
    body = emulator.api("GET", "/api/syncs").json()
    assert len(body["data"]) == 3
    assert "next_page_token" not in body["pagination"]
    empty = emulator.api("GET", "/api/syncs", params={"active": "true"}).json()
    assert empty["data"] == [] and "next_page_token" not in empty["pagination"]


@pytest.mark.parametrize(("limit", "sizes"), [
    ("10", [10, 10, 10, 10, 10, 10, 10]),
    ("500", [50, 20]),
    ("0", [50, 20]),
    ("-3", [50, 20]),
    ("50", [50, 20]),
    ("70", [50, 20]),
])
def test_limit_default_and_cap(emulator: Emulator, limit: str, sizes: list[int]) -> None:
    seed_syncs(emulator, 70)
    assert read_all(emulator, limit=limit)[1] == sizes


def test_exact_multiple_of_the_page_size(emulator: Emulator) -> None:
    seed_syncs(emulator, 4)
    items, sizes = read_all(emulator, limit=2)
    assert sizes == [2, 2] and len({i["id"] for i in items}) == 4


def test_limit_must_be_a_number(emulator: Emulator) -> None:
    error_of(emulator.api("GET", "/api/syncs", params={"limit": "ten"}), 400)


def test_order_uses_id_as_tiebreaker(emulator: Emulator) -> None:
    # updated_at is unique server-wide, so the order is fully determined by it; ids break ties
    ids = seed_syncs(emulator, 5)
    items, _ = read_all(emulator, limit=2)
    assert [i["id"] for i in items] == list(reversed(ids))


def test_filters(emulator: Emulator) -> None:
    seed_syncs(emulator, 3)
    active = seed_syncs(emulator, 2, active=True, target={"connection_id": HUBSPOT, "object": "contacts"})
    replace = seed_syncs(emulator, 1, mode="replace")
    assert {i["id"] for i in read_all(emulator, active="true")[0]} == set(active)
    assert len(read_all(emulator, active="false")[0]) == 4
    assert {i["id"] for i in read_all(emulator, mode="replace")[0]} == set(replace)
    assert {i["id"] for i in read_all(emulator, target_connection_id=HUBSPOT)[0]} == set(active)
    assert len(read_all(emulator, target_connection_id=SALESFORCE)[0]) == 4
    assert read_all(emulator, mode="replace", active="true")[0] == []


@pytest.mark.parametrize(("name", "value"), [("active", "maybe"), ("mode", "merge"),
                                             ("target_connection_id", "hubspot")])
def test_bad_filters_are_400(emulator: Emulator, name: str, value: str) -> None:
    assert error_of(emulator.api("GET", "/api/syncs", params={name: value}), 400)["metadata"]["errors"][0]["path"] == name


def test_filters_with_pages(emulator: Emulator) -> None:
    seed_syncs(emulator, 60, active=True)
    seed_syncs(emulator, 60)
    items, sizes = read_all(emulator, active="true", limit=25)
    assert sizes == [25, 25, 10] and all(i["active"] for i in items)


def _token(emulator: Emulator) -> str:
    seed_syncs(emulator, 3)
    return emulator.api("GET", "/api/syncs", params={"limit": 1}).json()["pagination"]["next_page_token"]


def test_token_is_opaque_urlsafe(emulator: Emulator) -> None:
    token = _token(emulator)
    assert all(c.isalnum() or c in "-_" for c in token)


@pytest.mark.parametrize("mangle", [
    lambda t: t + "x",
    lambda t: t[:-2],
    lambda t: "%%%",
    lambda t: "",  # an empty token means the first page
    lambda t: base64.urlsafe_b64encode(b"not json").decode(),
    lambda t: base64.urlsafe_b64encode(b"[1,2]").decode(),
    lambda t: base64.urlsafe_b64encode(json.dumps({"v": 1, "u": "2030-01-01T00:00:00.000000Z",
                                                   "i": "x", "s": "0" * 16}).encode()).decode(),
])
def test_malformed_or_forged_tokens_are_400(emulator: Emulator, mangle) -> None:  # noqa: ANN001
    bad = mangle(_token(emulator))
    response = emulator.api("GET", "/api/syncs", params={"page_token": bad})
    if bad == "":
        assert response.status_code == 200
        return
    assert error_of(response, 400)["key"] == "invalid_page_token"


def test_tampered_position_is_400(emulator: Emulator) -> None:
    token = _token(emulator)
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["u"] = "2099-01-01T00:00:00.000000Z"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    error_of(emulator.api("GET", "/api/syncs", params={"page_token": forged}), 400)


def test_keyset_pages_miss_a_sync_updated_between_reads(emulator: Emulator) -> None:
    """The token holds a position, not a snapshot: like the real API, a sync updated while a
    client pages moves to the front, and a naive client never sees it."""
    ids = seed_syncs(emulator, 6)  # newest first: 5 4 3 2 1 0
    first = emulator.api("GET", "/api/syncs", params={"limit": 3}).json()
    assert [i["id"] for i in first["data"]] == [ids[5], ids[4], ids[3]]
    moved = ids[1]  # not read yet
    data_of(emulator.api("POST", f"/api/syncs/{moved}/activate", json={"active": True}))
    rest = emulator.api("GET", "/api/syncs", params={"limit": 3,
                                                    "page_token": first["pagination"]["next_page_token"]}).json()
    assert [i["id"] for i in rest["data"]] == [ids[2], ids[0]]
    seen = {i["id"] for i in first["data"] + rest["data"]}
    assert moved not in seen
    assert [i["id"] for i in emulator.api("GET", "/api/syncs").json()["data"]][0] == moved


def test_token_survives_deletion_of_its_anchor(emulator: Emulator) -> None:
    ids = seed_syncs(emulator, 4)
    first = emulator.api("GET", "/api/syncs", params={"limit": 2}).json()
    emulator.api("DELETE", f"/api/syncs/{first['data'][-1]['id']}")
    rest = emulator.api("GET", "/api/syncs", params={"page_token": first["pagination"]["next_page_token"]})
    assert [i["id"] for i in data_of(rest)] == [ids[1], ids[0]]


def test_light_and_full_items(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body(filters=[
        {"field": {"model_id": "a0000000-0000-4000-8000-000000000001", "field": "plan"}, "function": "IsNull"}])))
    light = emulator.api("GET", "/api/syncs").json()["data"][0]
    assert set(light) == {"active", "created_at", "created_by", "id", "mode", "model_ids", "name",
                          "only_enrich_updates", "organization_id", "schedule", "skip_initial_backfill",
                          "sync_all_records", "target_connection_id", "target_object", "updated_at",
                          "updated_by"}
    assert light["target_connection_id"] == SALESFORCE and light["target_object"] == "Contact"
    assert emulator.settings(list_items="full")["list_items"] == "full"
    full = emulator.api("GET", "/api/syncs").json()["data"][0]
    assert full == sync == data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))
