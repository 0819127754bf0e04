"""Concurrency, dependency order, failure isolation and reporting of the executor (no network)."""

from __future__ import annotations

import threading
import time
from typing import Any, Mapping

from reconciler.apply.executor import execute
from reconciler.apply.outcome import FORMAT_VERSION, Outcome
from reconciler.planning.model import Change


def create(name: str, body: Mapping[str, Any] | None = None, depends_on: tuple[str, ...] = (), kind: str = "ModelSync") -> Change:
    return Change(kind=kind, name=name, action="create", body=body or {"name": name}, depends_on=depends_on)  # type: ignore[arg-type]


def after(name: str, upstream: str) -> dict[str, Any]:
    """A body whose run_after names ``upstream`` by reference, as the planner leaves it for a sync it creates."""
    return {"name": name, "schedule": {"frequency": "runafter", "run_after": {"sync_ids": [f"${{sync:{upstream}}}"]}}}


def ran_after(body: Mapping[str, Any]) -> list[str]:
    return body["schedule"]["run_after"]["sync_ids"]


def update(name: str, sync_id: str = "") -> Change:
    return Change(kind="ModelSync", name=name, action="update", sync_id=sync_id or f"id-{name}", fingerprint="f", body={"name": name})


def delete(name: str) -> Change:
    return Change(kind="ModelSync", name=name, action="delete", sync_id=f"id-{name}", fingerprint="f")


class Recorder:
    def __init__(self, fail: set[str] = frozenset(), delay: float = 0.0) -> None:
        self.fail = fail
        self.delay = delay
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, change: Change, body: Mapping[str, Any] | None) -> Outcome:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.log.append(("start", change.name, body))
        time.sleep(self.delay)
        with self.lock:
            self.in_flight -= 1
            self.log.append(("end", change.name, None))
        if change.name in self.fail:
            return Outcome.of(change, "failed", "boom")
        return Outcome.of(change, "done", "ok", sync_id=change.sync_id or f"new-{change.name}")

    def order(self, event: str) -> list[str]:
        return [name for e, name, _ in self.log if e == event]


def test_parallelism_is_bounded_and_used() -> None:
    rec = Recorder(delay=0.05)
    result = execute([create(f"s{i:02}") for i in range(12)], rec, parallelism=4)
    assert result.ok and len(result.outcomes) == 12
    assert rec.max_in_flight == 4


def test_outcomes_sorted_whatever_the_finish_order() -> None:
    changes = [create("b", kind="ModelSync"), create("a", kind="ModelSync"), create("z", kind="BulkSync")]
    result = execute(changes, Recorder(), parallelism=3)
    assert [(o.kind, o.name) for o in result.outcomes] == [("BulkSync", "z"), ("ModelSync", "a"), ("ModelSync", "b")]


def test_dependent_waits_and_gets_new_id() -> None:
    first = create("first")
    second = create("second", body=after("second", "first"), depends_on=("ModelSync/first",))
    rec = Recorder(delay=0.02)
    result = execute([second, first], rec, parallelism=4)
    assert result.ok
    assert rec.log.index(("end", "first", None)) < rec.log.index(next(x for x in rec.log if x[:2] == ("start", "second")))
    body = next(b for e, n, b in rec.log if e == "start" and n == "second")
    assert body["schedule"]["run_after"]["sync_ids"] == ["new-first"]


def test_depends_on_alone_orders() -> None:
    rec = Recorder(delay=0.02)
    execute([create("b", depends_on=("ModelSync/a",)), create("a")], rec, parallelism=4)
    assert rec.order("start") == ["a", "b"]


def test_failure_does_not_stop_others_and_skips_dependents() -> None:
    changes = [
        create("bad"),
        create("child", body=after("child", "bad"), depends_on=("ModelSync/bad",)),
        create("grandchild", depends_on=("ModelSync/child",)),
        create("fine"),
        update("other"),
    ]
    rec = Recorder(fail={"bad"})
    seen: list[tuple[str, int, int]] = []
    result = execute(changes, rec, parallelism=2, on_done=lambda o, n, t: seen.append((o.name, n, t)))
    status = {o.name: o.status for o in result.outcomes}
    assert status == {"bad": "failed", "child": "skipped", "grandchild": "skipped", "fine": "done", "other": "done"}
    assert "child" not in rec.order("start") and "grandchild" not in rec.order("start")
    assert not result.ok
    assert sorted(n for _, n, _ in seen) == [1, 2, 3, 4, 5] and {t for _, _, t in seen} == {5}


def test_deletes_run_after_creates_and_updates_even_if_they_fail() -> None:
    rec = Recorder(fail={"u"}, delay=0.02)
    result = execute([delete("d1"), create("c"), update("u"), delete("d2")], rec, parallelism=4)
    starts = rec.order("start")
    ends = rec.order("end")
    assert set(starts[:2]) == {"c", "u"}
    assert max(ends.index("c"), ends.index("u")) < min(ends.index("d1"), ends.index("d2"))
    assert {o.name: o.status for o in result.outcomes} == {"c": "done", "u": "failed", "d1": "done", "d2": "done"}


def test_preset_stale_is_not_written_and_blocks_dependents() -> None:
    stale = create("old")
    dep = create("dep", depends_on=("ModelSync/old",))
    rec = Recorder()
    result = execute([stale, dep, create("free")], rec, preset={stale.key: Outcome.of(stale, "stale", "moved")})
    assert {o.name: o.status for o in result.outcomes} == {"old": "stale", "dep": "skipped", "free": "done"}
    assert rec.order("start") == ["free"]


def test_cycle_is_skipped_not_hung() -> None:
    a = create("a", depends_on=("ModelSync/b",))
    b = create("b", depends_on=("ModelSync/a",))
    result = execute([a, b, create("c")], Recorder())
    assert {o.name: o.status for o in result.outcomes} == {"a": "skipped", "b": "skipped", "c": "done"}


def test_unresolved_reference_fails_without_sending() -> None:
    rec = Recorder()
    result = execute([create("x", body=after("x", "nowhere"), depends_on=("ModelSync/nowhere",))], rec)
    assert result.outcomes[0].status == "failed" and "${sync:nowhere}" in result.outcomes[0].message
    assert rec.log == []


def test_reference_to_existing_sync_in_plan_resolves_to_its_id() -> None:
    rec = Recorder()
    noop = Change(kind="ModelSync", name="live", action="no-op", sync_id="id-live")
    result = execute([noop, create("x", body=after("x", "live"))], rec)
    assert result.ok
    assert ran_after(rec.log[0][2]) == ["id-live"]


def test_exception_in_writer_becomes_failed_outcome() -> None:
    def explode(change: Change, body: Any) -> Outcome:
        raise RuntimeError("bug")

    result = execute([create("x")], explode)
    assert result.outcomes[0].status == "failed" and "RuntimeError" in result.outcomes[0].message


def test_json_document_shape() -> None:
    result = execute([create("a"), update("b")], Recorder(fail={"b"}))
    doc = result.as_json()
    assert doc["format_version"] == FORMAT_VERSION == 1
    assert doc["changes"] == [
        {"kind": "ModelSync", "name": "a", "action": "create", "sync_id": "new-a", "outcome": "done", "message": "ok"},
        {"kind": "ModelSync", "name": "b", "action": "update", "sync_id": "id-b", "outcome": "failed", "message": "boom"},
    ]
    assert doc["summary"] == {"done": 1, "failed": 1, "skipped": 0, "stale": 0, "interrupted": 0, "not-started": 0}


def test_two_deletes_of_one_name_both_reported_and_a_failure_is_kept() -> None:
    # Two unmanaged live syncs may share a name; pruning both must report both outcomes.
    first = Change(kind="ModelSync", name="tmp-dup", action="delete", sync_id="id-1", fingerprint="f")
    second = Change(kind="ModelSync", name="tmp-dup", action="delete", sync_id="id-2", fingerprint="f")

    def write(change: Change, body: Any) -> Outcome:
        if change.sync_id == "id-1":
            return Outcome.of(change, "failed", "boom")
        return Outcome.of(change, "done", "deleted")

    seen: list[tuple[str | None, int, int]] = []
    result = execute([second, first], write, parallelism=2, on_done=lambda o, n, t: seen.append((o.sync_id, n, t)))
    assert [(o.sync_id, o.status) for o in result.outcomes] == [("id-1", "failed"), ("id-2", "done")]
    assert not result.ok
    assert sorted(n for _, n, _ in seen) == [1, 2]


def test_update_and_delete_sharing_a_name_are_separate_changes() -> None:
    # A definition pinned by id keeps its name while an unmanaged sync of that name is pruned.
    upd = update("shared", sync_id="id-pinned")
    rm = Change(kind="ModelSync", name="shared", action="delete", sync_id="id-other", fingerprint="f")
    rec = Recorder()

    def write(change: Change, body: Any) -> Outcome:
        outcome = rec(change, body)
        return Outcome.of(change, "failed", "boom") if change.sync_id == "id-other" else outcome

    result = execute([rm, upd, create("x", body=after("x", "shared"), depends_on=("ModelSync/shared",))], write,
                     parallelism=1)
    assert [(o.action, o.sync_id, o.status) for o in result.outcomes] == [
        ("delete", "id-other", "failed"), ("update", "id-pinned", "done"), ("create", "new-x", "done")]
    assert not result.ok
    # the reference names the definition's sync, never the one being pruned
    assert ran_after(next(b for e, n, b in rec.log if e == "start" and n == "x")) == ["id-pinned"]


def test_the_plans_dependencies_decide_the_order_not_the_body_text() -> None:
    # A field whose text merely looks like a reference (a `$${sync:...}` literal in the file) is data:
    # no wait, no substitution, no "unresolved reference".
    rec = Recorder(delay=0.02)
    text = {"name": "b", "label": "${sync:a}"}
    result = execute([create("b", body=text), create("a")], rec, parallelism=4)
    assert result.ok
    assert next(b for e, n, b in rec.log if e == "start" and n == "b")["label"] == "${sync:a}"
