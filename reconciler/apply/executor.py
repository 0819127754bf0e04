"""Run a plan's changes concurrently, in dependency order, reporting every outcome.

- At most ``parallelism`` writes in flight (a thread pool); independent changes run at once.
- A change runs after every change it depends on (``depends_on`` and ``${sync:NAME}`` /
  ``${bulk_sync:NAME}`` references in its body) finished; the ids of syncs created in this run
  are substituted into its body first. If a dependency did not succeed, the change is skipped.
- Deletes run after every create and update finished (a sync is updated to stop referring to a
  sync before that one is pruned); a failed create or update does not stop them.
- One failure never stops the others. The result is sorted by (kind, name).
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Mapping, Sequence

from reconciler.apply.outcome import ApplyResult, Outcome
from reconciler.apply.refs import references, substitute, unresolved
from reconciler.planning.model import Change

Body = Mapping[str, Any]
WriteFn = Callable[[Change, Body | None], Outcome]
# (outcome just finished, how many finished so far, total) -- called from one thread at a time
ProgressFn = Callable[[Outcome, int, int], None]
# (change about to be sent, how many started so far, total)
StartFn = Callable[[Change, int, int], None]


def _sort_key(change: Change) -> tuple[str, str, str]:
    return (change.kind, change.name, change.action)


def dependencies(change: Change, keys: Iterable[str]) -> set[str]:
    """Keys of the other pending changes this one must wait for and succeed after."""
    wanted = set(change.depends_on) | references(change.body)
    wanted.discard(change.key)
    return wanted & set(keys)


def execute(
    changes: Sequence[Change],
    write: WriteFn,
    *,
    parallelism: int = 4,
    preset: Mapping[str, Outcome] | None = None,
    on_done: ProgressFn | None = None,
    on_start: StartFn | None = None,
) -> ApplyResult:
    """Carry out every pending change of ``changes`` (no-ops are ignored).

    ``preset`` holds outcomes decided before anything runs (e.g. ``stale`` for a saved plan),
    keyed by change key; those changes are not written and their dependents are skipped.
    """
    pending = sorted((c for c in changes if c.action != "no-op"), key=_sort_key)
    keys = {c.key for c in pending}
    ids: dict[str, str] = {c.key: c.sync_id for c in changes if c.sync_id}
    outcomes: dict[str, Outcome] = {}
    total = len(pending)
    lock = threading.Lock()
    started = 0

    def finish(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        if on_done is not None:
            with lock:
                on_done(outcome, len(outcomes), total)

    hard = {c.key: dependencies(c, keys) for c in pending}
    non_deletes = {c.key for c in pending if c.action != "delete"}
    order = {c.key: (non_deletes if c.action == "delete" else set()) for c in pending}
    waiting: list[Change] = []
    for change in pending:
        if preset and change.key in preset:
            finish(preset[change.key])
        else:
            waiting.append(change)

    def run(change: Change, body: Body | None) -> Outcome:
        try:
            return write(change, body)
        except Exception as exc:  # a bug must not hide the other outcomes
            return Outcome.of(change, "failed", f"internal error: {type(exc).__name__}: {exc}")

    workers = max(1, min(parallelism, total or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        running: dict[Future[Outcome], Change] = {}
        while waiting or running:
            _skip_blocked(waiting, hard, outcomes, finish)
            ready = [c for c in waiting if (hard[c.key] | order[c.key]) <= outcomes.keys()]
            for change in ready:
                if len(running) >= workers:
                    break
                waiting.remove(change)
                body = _prepared_body(change, ids)
                missing = unresolved(body)
                if missing:
                    finish(Outcome.of(change, "failed", f"unresolved reference(s) {', '.join(missing)}; nothing was sent"))
                    continue
                started += 1
                if on_start is not None:
                    with lock:
                        on_start(change, started, total)
                running[pool.submit(run, change, body)] = change
            if not running:
                if waiting and not any((hard[c.key] | order[c.key]) <= outcomes.keys() for c in waiting):
                    for change in list(waiting):
                        waiting.remove(change)
                        finish(Outcome.of(change, "skipped", "dependency cycle; nothing was sent"))
                continue
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: _sort_key(running[f])):
                change = running.pop(future)
                outcome = future.result()
                if outcome.status == "done" and change.action == "create" and outcome.sync_id:
                    ids[change.key] = outcome.sync_id
                finish(outcome)
    return ApplyResult.of(list(outcomes.values()))


def _skip_blocked(
    waiting: list[Change],
    hard: Mapping[str, set[str]],
    outcomes: Mapping[str, Outcome],
    finish: Callable[[Outcome], None],
) -> None:
    """Skip (transitively) every waiting change whose dependency finished without success."""
    changed = True
    while changed:
        changed = False
        for change in list(waiting):
            blocked = sorted(d for d in hard[change.key] if d in outcomes and outcomes[d].status != "done")
            if blocked:
                waiting.remove(change)
                reasons = ", ".join(f"{d} {outcomes[d].status}" for d in blocked)
                finish(Outcome.of(change, "skipped", f"not sent: depends on {reasons}"))
                changed = True


def _prepared_body(change: Change, ids: Mapping[str, str]) -> Body | None:
    if change.body is None:
        return None
    body: Body = substitute(change.body, ids)
    return body
