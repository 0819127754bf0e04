"""Reading the live organisation: both list shapes give the same plan, with the fewest requests;
a sync edited while the pages are being read is still found, and never twice."""

from __future__ import annotations

import math
from typing import Any

import httpx

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings, PruneScope
from reconciler.planning.planner import plan_against
from tests.planning.helpers import bulk, bulk_def, changed_paths, model, plan, users_sync
from tests.support.emulator import VERSION, Emulator

N = 120  # three pages of 50


def _seed(emulator: Emulator, n: int = N) -> list[str]:
    bodies = [users_sync(f"seeded-{i:04d}", active=i % 3 == 0) for i in range(n)]
    return emulator.seed(model_syncs=bodies)["model_syncs"]


def _definitions() -> list[Any]:
    defs = [model(users_sync(f"seeded-{i:04d}", active=i % 3 == 0)) for i in range(0, 40, 4)]  # 10 managed, unchanged
    defs.append(model(users_sync("seeded-0001", active=True)))  # managed, one change (seeded inactive)
    defs.append(model(users_sync("brand new")))
    defs.append(bulk_def(bulk("new bulk")))
    return defs


def _counts(emulator: Emulator) -> dict[str, int]:
    return emulator.requests()["counts"]


def test_light_and_full_list_items_give_the_same_plan_and_gets_only_when_light(emulator: Emulator) -> None:
    _seed(emulator)
    defs = _definitions()
    emulator.settings(list_items="light")
    emulator.clear_requests()
    light = plan(emulator, defs, parallelism=4)
    light_counts = _counts(emulator)

    emulator.settings(list_items="full")
    emulator.clear_requests()
    full = plan(emulator, defs, parallelism=4)
    full_counts = _counts(emulator)

    assert light == full  # every change, diff, fingerprint, unmanaged sync and problem
    assert light.summary.line() == "Plan: 2 to create, 1 to update, 0 to delete, 10 unchanged, 109 unmanaged."
    update = next(c for c in light.changes if c.action == "update")
    assert update.name == "seeded-0001" and changed_paths(update) == ["active"]

    pages = math.ceil(N / 50)
    for counts in (light_counts, full_counts):
        assert pages <= counts["GET /api/syncs"] <= pages + 2  # + the re-read of the head for completeness
        assert counts["GET /api/bulk/syncs"] == 1
        assert counts.get("GET /api/connections", 0) <= 1
        assert counts.get("GET /api/models", 0) == 0
    assert light_counts["GET /api/syncs/{id}"] == 11  # only the syncs the files own
    assert "GET /api/syncs/{id}" not in full_counts
    assert sum(n for k, n in light_counts.items() if not k.startswith("GET ")) == 0  # read-only


def test_prune_deletes_only_inside_the_scope_and_reads_them_for_their_fingerprint(emulator: Emulator) -> None:
    ids = emulator.seed(model_syncs=[users_sync("tmp-a"), users_sync("tmp-b"), users_sync("keep-c")],
                        bulk_syncs=[bulk("tmp-bulk")])
    emulator.clear_requests()
    result = plan(emulator, [model(users_sync("tmp-a"))], prune=PruneScope(name_prefix="tmp-"))
    deletes = {(c.kind, c.name): c for c in result.changes if c.action == "delete"}
    assert set(deletes) == {("ModelSync", "tmp-b"), ("BulkSync", "tmp-bulk")}
    assert all(c.fingerprint and c.fingerprint.startswith("sha256:") for c in deletes.values())
    assert [(u.name, u.sync_id) for u in result.unmanaged] == [("keep-c", ids["model_syncs"][2])]
    assert _counts(emulator)["GET /api/syncs/{id}"] == 2  # tmp-a (managed) and tmp-b (deleted)
    assert plan(emulator, [model(users_sync("tmp-a"))]).summary.delete == 0  # no prune scope: listed only


class _EditingTransport(httpx.BaseTransport):
    """Edits syncs through the emulator right after given page reads (a user working in the UI)."""

    def __init__(self, emulator: Emulator, edits: dict[int, list[str]]) -> None:
        self.inner = emulator.transport or httpx.HTTPTransport()
        self.emulator = emulator
        self.edits = edits
        self.pages = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "GET" and request.url.path == "/api/syncs":
            response.read()
            self.pages += 1
            for sync_id in self.edits.get(self.pages, []):
                r = self.emulator.api("POST", f"/api/syncs/{sync_id}/activate", json={"active": True})
                assert r.status_code == 200, r.text
        return response


def test_syncs_edited_while_pages_are_read_are_neither_missed_nor_listed_twice(emulator: Emulator) -> None:
    ids = _seed(emulator)  # ids in seed order; the last one is the newest, listed first
    # The oldest syncs sit on the last page: edit them after page 1 and after page 2 are read, so
    # they jump to the front, behind the cursor.
    transport = _EditingTransport(emulator, {1: [ids[0], ids[1]], 2: [ids[2]]})
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    with PolytomicClient(settings, transport=transport, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        listed = client.list_model_syncs()
        assert sorted(s["id"] for s in listed) == sorted(ids)
        assert len({s["id"] for s in listed}) == len(listed) == N
        assert all(s["active"] for s in listed if s["id"] in ids[:3])  # the newest version of each

    transport = _EditingTransport(emulator, {1: [ids[3]]})
    owned = [model(users_sync("seeded-0003", active=True))]
    with PolytomicClient(settings, transport=transport, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        result = plan_against(client, owned)
    assert [(c.name, c.action, c.sync_id) for c in result.changes] == [("seeded-0003", "no-op", ids[3])]


def test_transient_read_errors_are_retried_and_give_the_same_plan(emulator: Emulator) -> None:
    _seed(emulator, 60)
    defs = [model(users_sync(f"seeded-{i:04d}", active=i % 3 == 0)) for i in range(5)]
    clean = plan(emulator, defs)
    emulator.add_faults(
        {"method": "GET", "path": "/api/syncs", "nth": [2], "action": "error", "status": 503, "retry_after": 0},
        {"method": "GET", "path": "/api/syncs/*", "nth": [1, 3], "action": "error", "status": 429, "retry_after": 0},
        {"method": "GET", "path": "/api/syncs/*", "nth": [2], "action": "drop"},
    )
    assert plan(emulator, defs) == clean
    assert all(rule["fired"] >= 1 for rule in emulator.faults())


def test_a_sync_read_early_and_edited_later_during_the_listing_is_read_again(emulator: Emulator) -> None:
    ids = _seed(emulator)
    newest = ids[-1]  # on the first page: its read starts right after that page
    owned = [model(users_sync(f"seeded-{N - 1:04d}", active=False))]
    transport = _EditingTransport(emulator, {2: [newest]})  # activated while page 2 is being read
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    emulator.clear_requests()
    with PolytomicClient(settings, transport=transport, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        result = plan_against(client, owned)
    change = result.changes[0]
    assert (change.sync_id, change.action, changed_paths(change)) == (newest, "update", ["active"])
    assert (change.diffs[0].before, change.diffs[0].after) == (True, False)
    gets = [r for r in emulator.requests()["requests"] if r["route"] == "/api/syncs/{id}" and r["method"] == "GET"]
    assert len(gets) == 2  # read when first listed, and again after the edit moved it


def test_a_delete_lists_live_settings_but_no_configuration_text(emulator: Emulator) -> None:
    # The deleted file may have put an ${env:...} secret into the configuration: with the file gone
    # nothing says which value it was, so configuration text is masked; the rest is shown.
    from reconciler.render.json_plan import plan_json
    from reconciler.render.markdown import render_markdown
    from reconciler.render.text import render_plan

    doomed = {**users_sync("tmp-b"), "target": {**users_sync("tmp-b")["target"],
                                                "configuration": {"webhook": "https://x.example/canary-hook-7731"}}}
    emulator.seed(model_syncs=[users_sync("tmp-a"), doomed])
    result = plan(emulator, [model(users_sync("tmp-a"))], prune=PruneScope(name_prefix="tmp-"))
    [delete] = [c for c in result.changes if c.action == "delete"]
    shown = {d.path: d for d in delete.diffs}
    assert shown["target.configuration.webhook"].sensitive and shown["name"].before == "tmp-b"
    for text in (render_plan(result), render_markdown(result), str(plan_json(result))):
        assert "canary-hook-7731" not in text and "target.configuration.webhook" in text


def _stamps(listed: list[dict[str, Any]]) -> dict[str, str]:
    return {s["id"]: s["updated_at"] for s in listed}


def _list_pages(emulator: Emulator, known: dict[str, str] | None,
                transport: httpx.BaseTransport | None = None) -> tuple[list[dict[str, Any]], int]:
    """The listing and how many list pages it cost."""
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    emulator.clear_requests()
    with PolytomicClient(settings, transport=transport or emulator.transport,
                         retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        listed = client.list_model_syncs(known=known)
    return listed, _counts(emulator)["GET /api/syncs"]


ALTERATIONS = {
    "one stamp moved": lambda known, ids: {**known, ids[5]: "2001-01-01T00:00:00Z"},
    "one sync more then": lambda known, ids: {**known, "00000000-0000-4000-8000-00000000dead": "2001-01-01T00:00:00Z"},
    "one sync fewer then": lambda known, ids: {k: v for k, v in known.items() if k != ids[7]},
}


def test_a_listing_exactly_as_last_time_skips_the_head_re_read_and_any_difference_keeps_it(
        emulator: Emulator) -> None:
    ids = _seed(emulator)
    listed, pages = _list_pages(emulator, None)
    assert pages == math.ceil(N / 50) + 1  # the pass, then one head page
    known = _stamps(listed)
    again, pages = _list_pages(emulator, known)
    assert pages == math.ceil(N / 50) and _stamps(again) == known
    for how, alter in ALTERATIONS.items():
        again, pages = _list_pages(emulator, alter(known, ids))
        assert pages == math.ceil(N / 50) + 1, how
        assert _stamps(again) == known, how


def test_a_sync_edited_behind_the_cursor_of_a_listing_that_began_unchanged_is_found(emulator: Emulator) -> None:
    ids = _seed(emulator)
    known = _stamps(_list_pages(emulator, None)[0])
    # the oldest sync sits on the last page: edited after page 1 is read, it jumps behind the cursor
    listed, pages = _list_pages(emulator, known, _EditingTransport(emulator, {1: [ids[0]]}))
    assert sorted(s["id"] for s in listed) == sorted(ids)
    assert next(s for s in listed if s["id"] == ids[0])["active"] is True  # its version after the edit
    assert pages > math.ceil(N / 50)  # missing from the pass: the head was read again

