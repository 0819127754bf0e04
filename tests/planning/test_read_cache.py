"""The read cache: an unchanged organisation costs a listing, a change made out of band is always
seen, a corrupt or foreign cache file is ignored with a warning, and no secret is ever stored."""

from __future__ import annotations

from collections import Counter

import base64
import json
import math
import urllib.parse
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.config import ApiSettings
from reconciler.planning.cache import ReadCache, storable
from reconciler.planning.model import Plan
from reconciler.planning.planner import plan_against
from reconciler.secrets import Redactor
from tests.planning.helpers import bulk, bulk_def, client_for, get, model, put, users_sync
from tests.support.emulator import VERSION, Emulator

N = 60  # two pages


@pytest.fixture(autouse=True)
def _fresh_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values other tests registered as sensitive would keep objects out of the cache here."""
    monkeypatch.setattr("reconciler.planning.cache.redactor", Redactor())


def _settings(emulator: Emulator, api_key: str | None = None) -> ApiSettings:
    return ApiSettings(url=emulator.url, version=VERSION, api_key=api_key or emulator.api_key, timeout=10)


def _cache(emulator: Emulator, where: Path, **kw: Any) -> ReadCache:
    return ReadCache.for_settings(_settings(emulator), environ={"RECONCILER_CACHE_DIR": str(where)}, **kw)


def _plan(emulator: Emulator, defs: list[Any], cache: ReadCache | None) -> Plan:
    with client_for(emulator) as client:
        result = plan_against(client, defs, parallelism=8, cache=cache)
    if cache is not None:
        cache.save()
    return result


def _shape(plan: Plan) -> Any:
    return [(c.kind, c.name, c.action, c.sync_id, [(d.path, d.before, d.after) for d in c.diffs], c.fingerprint)
            for c in plan.changes], plan.unmanaged, plan.problems


def _world(emulator: Emulator, n: int = N) -> tuple[list[Any], list[str], str]:
    bodies = [users_sync(f"cached-{i:03d}", active=i % 2 == 0) for i in range(n)]
    ids = emulator.seed(model_syncs=bodies)["model_syncs"]
    schemas = [{"id": "public.users"}, {"id": "public.accounts", "partition_key": "id"}]
    bulk_id = emulator.seed(bulk_syncs=[bulk("cached bulk", schemas=schemas)])["bulk_syncs"][0]
    defs = [model(b) for b in bodies] + [bulk_def(bulk("cached bulk", schemas=schemas))]
    return defs, ids, bulk_id


def _id_reads(emulator: Emulator) -> int:
    counts = emulator.requests()["counts"]
    return counts.get("GET /api/syncs/{id}", 0) + counts.get("GET /api/bulk/syncs/{id}/schemas", 0)


def test_an_unchanged_organisation_costs_a_listing(emulator: Emulator, tmp_path: Path) -> None:
    defs, _, _ = _world(emulator)
    emulator.clear_requests()
    cold = _plan(emulator, defs, _cache(emulator, tmp_path))
    assert _id_reads(emulator) == N + 1
    emulator.clear_requests()
    warm = _plan(emulator, defs, _cache(emulator, tmp_path))
    assert _id_reads(emulator) == 0
    assert emulator.requests()["counts"]["GET /api/syncs"] == math.ceil(N / 50)  # as last time: no head re-read
    assert emulator.requests()["total"] <= math.ceil(N / 50) + 3
    assert _shape(warm) == _shape(cold) and not warm.has_changes
    emulator.clear_requests()
    _plan(emulator, defs, _cache(emulator, tmp_path, refresh=True))
    assert _id_reads(emulator) == N + 1  # --refresh reads everything again


def _edit_schedule(emulator: Emulator, ids: list[str], bulk_id: str, i: int) -> None:
    live = get(emulator, "ModelSync", ids[i])
    put(emulator, "ModelSync", ids[i], users_sync(live["name"], active=live["active"],
                                                  schedule={"frequency": "hourly"}))


def _toggle_active(emulator: Emulator, ids: list[str], bulk_id: str, i: int) -> None:
    live = get(emulator, "ModelSync", ids[i])
    r = emulator.api("POST", f"/api/syncs/{ids[i]}/activate", json={"active": not live["active"]})
    assert r.status_code == 200, r.text


def _patch_filters(emulator: Emulator, ids: list[str], bulk_id: str, i: int) -> None:
    live = get(emulator, "ModelSync", ids[i])
    body = users_sync(live["name"], active=live["active"], filters=[
        {"field": {"model_id": live["fields"][0]["source"]["model_id"], "field": "plan"},
         "function": "Equality", "value": "free"}])
    r = emulator.api("PATCH", f"/api/syncs/{ids[i]}", json=body)
    assert r.status_code == 200, r.text


def _bulk_schema(emulator: Emulator, ids: list[str], bulk_id: str, i: int) -> None:
    put(emulator, "BulkSync", bulk_id, bulk("cached bulk", schemas=[{"id": "public.users", "partition_key": "id"}]))


def _delete(emulator: Emulator, ids: list[str], bulk_id: str, i: int) -> None:
    assert emulator.api("DELETE", f"/api/syncs/{ids[i]}").status_code == 200


EDITS: list[Callable[[Emulator, list[str], str, int], None]] = [
    _edit_schedule, _toggle_active, _patch_filters, _bulk_schema, _delete]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, N - 1)), min_size=1, max_size=3))
def test_a_change_made_out_of_band_between_two_plans_is_always_seen(
        inprocess_session: Emulator, tmp_path_factory: pytest.TempPathFactory,
        edits: list[tuple[Callable[..., None], int]]) -> None:
    emulator = inprocess_session
    emulator.reset()
    where = tmp_path_factory.mktemp("cache")
    defs, ids, bulk_id = _world(emulator)
    first = _plan(emulator, defs, _cache(emulator, where))
    assert not first.has_changes
    done: set[int] = set()
    toggles: Counter[int] = Counter()
    moved = False  # an edit that leaves a difference (two toggles of one sync cancel out)
    for edit, i in edits:
        if i not in done:  # (a deleted sync cannot be edited again)
            edit(emulator, ids, bulk_id, i)
            if edit is _toggle_active:
                toggles[i] += 1
            else:
                moved = True
        done.add(i) if edit is _delete else None
    cached = _plan(emulator, defs, _cache(emulator, where))
    fresh = _plan(emulator, defs, None)
    assert _shape(cached) == _shape(fresh)
    assert cached.has_changes == (moved or any(n % 2 for n in toggles.values()))


def _rewrite(path: Path, header_fn: Callable[[dict[str, Any]], None] | None = None,
             entry_fn: Callable[[Any], Any] | None = None) -> None:
    """Change the header or the cached objects, keeping the file's shape (and its stamps)."""
    header_line, *lines = path.read_bytes().splitlines(keepends=True)
    header = json.loads(header_line)
    if header_fn:
        header_fn(header)
    out = [json.dumps(header, sort_keys=True).encode() + b"\n"]
    for line in lines:
        if entry_fn and line.startswith(b"["):
            head, _, text = line.rstrip(b"\n").partition(b"\t")
            line = head + b"\t" + json.dumps(entry_fn(json.loads(text))).encode() + b"\n"
        out.append(line)
    path.write_bytes(b"".join(out))


def _hourly(value: Any) -> Any:
    """A plan trusting this would miss the live value: same stamp, other content."""
    return {**value, "schedule": {"frequency": "hourly"}} if "schedule" in value else value


CORRUPTIONS: dict[str, Callable[[Path, Emulator, list[Any]], None]] = {
    "garbage": lambda p, e, d: p.write_bytes(b"\x00\xffnot json at all"),
    "empty": lambda p, e, d: p.write_bytes(b""),
    "truncated": lambda p, e, d: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "tampered entry": lambda p, e, d: _rewrite(p, entry_fn=_hourly),
    "other format version": lambda p, e, d: _rewrite(p, lambda h: h.update(version=0)),
    "other api url in header": lambda p, e, d: _rewrite(p, lambda h: h["scope"].update(api_url="https://x.example")),
    "other salt": lambda p, e, d: _rewrite(p, lambda h: h.update(salt="00" * 16)),
    "damaged entry line": lambda p, e, d: p.write_bytes(p.read_bytes().replace(b"\t", b" ", 1)),
    "no trailer": lambda p, e, d: p.write_bytes(p.read_bytes().rsplit(b"{", 1)[0]),
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_corrupt_cache_is_ignored_with_a_warning(emulator: Emulator, tmp_path: Path, how: str) -> None:
    defs, ids, _ = _world(emulator)
    _plan(emulator, defs, _cache(emulator, tmp_path))
    _edit_schedule(emulator, ids, "", 0)  # the live side moves: a trusted bad cache would hide it or worse
    [path] = tmp_path.glob("reads-*.json")
    CORRUPTIONS[how](path, emulator, defs)
    cache = _cache(emulator, tmp_path)
    assert len(cache.warnings) == 1 and "ignoring it" in cache.warnings[0] and str(path) in cache.warnings[0]
    emulator.clear_requests()
    cached = _plan(emulator, defs, cache)
    assert _id_reads(emulator) == N + 1  # nothing answered from it
    assert _shape(cached) == _shape(_plan(emulator, defs, None))
    assert _cache(emulator, tmp_path).warnings == []  # rebuilt by the run


def test_a_cache_written_with_other_credentials_is_foreign(emulator: Emulator, tmp_path: Path) -> None:
    defs, _, _ = _world(emulator)
    _plan(emulator, defs, _cache(emulator, tmp_path))
    env = {"RECONCILER_CACHE_DIR": str(tmp_path)}
    other = ReadCache.for_settings(_settings(emulator, api_key="another-organisations-key"), environ=env)
    assert len(other.warnings) == 1 and "other credentials" in other.warnings[0]
    assert other.get(f"/api/syncs/{defs[0].name}", "x") is None and not other._old


CANARY = "canary-Secret/9+Qw value"


def test_objects_that_may_hold_a_secret_are_never_stored(emulator: Emulator, tmp_path: Path) -> None:
    config = {"connection_id": users_sync("x")["target"]["connection_id"], "object": "Contact",
              "configuration": {"api_token": CANARY}}
    echoed = users_sync("echoes an env value", target=config)
    defs, _, _ = _world(emulator, n=3)
    emulator.seed(model_syncs=[echoed])
    defs.append(model(echoed, sensitive=["target.configuration.api_token"]))
    emulator.clear_requests()
    _plan(emulator, defs, _cache(emulator, tmp_path))
    [path] = tmp_path.glob("reads-*.json")
    stored = path.read_text()
    for form in (CANARY, urllib.parse.quote(CANARY), urllib.parse.quote_plus(CANARY), json.dumps(CANARY)[1:-1],
                 base64.b64encode(CANARY.encode()).decode()[:16]):
        assert form not in stored
    emulator.clear_requests()
    again = _plan(emulator, defs, _cache(emulator, tmp_path))
    assert emulator.requests()["counts"].get("GET /api/syncs/{id}") == 1  # read every time instead
    assert not again.has_changes


def test_storable_refuses_known_secrets_and_credential_keys() -> None:
    from reconciler.planning import cache

    cache.redactor.add(CANARY)  # (the fresh redactor of this test)
    assert storable({"filters": [{"value": "plain"}]})
    assert not storable({"filters": [{"value": CANARY}]})  # a registered sensitive value, wherever it is
    assert not storable({"target": {"configuration": {"password": "typed in the UI"}}})
    assert not storable({"a": 1}, sensitive_paths=["target.configuration.token"])
    assert storable({"a": 1}, sensitive_paths=["encryption_passphrase", "target.create.name"])  # never read back
