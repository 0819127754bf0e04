"""Run a plan's changes concurrently, in dependency order, reporting every outcome.

- At most ``parallelism`` writes in flight (a thread pool); independent changes run at once.
- A change runs after every change it depends on (``depends_on`` and ``${sync:NAME}`` /
  ``${bulk_sync:NAME}`` references in its body) finished; the ids of syncs created in this run
  are substituted into its body first. If a dependency did not succeed, the change is skipped.
- Deletes run after every create and update finished (a sync is updated to stop referring to a
  sync before that one is pruned); a failed create or update does not stop them.
- One failure never stops the others. The result is sorted by (kind, name).
- A stop (SIGINT / SIGTERM, :class:`~reconciler.api.stop.Stop`) ends scheduling at once: changes
  not yet sent are ``not-started``; those in flight finish within their own deadline (the client
  sends nothing new and cuts retry waits) and are ``interrupted`` when they could not complete.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Mapping, Sequence

from reconciler.api.stop import Stop
from reconciler.apply.outcome import ApplyResult, Outcome
from reconciler.errors import Interrupted
from reconciler.apply.refs import references, substitute, unresolved
from reconciler.planning.model import Change

Body = Mapping[str, Any]
WriteFn = Callable[[Change, Body | None], Outcome]
# (outcome just finished, how many finished so far, total) -- called from one thread at a time
ProgressFn = Callable[[Outcome, int, int], None]
# (change about to be sent, how many started so far, total)
StartFn = Callable[[Change, int, int], None]


def _sort_key(change: Change) -> tuple[str, str, str, str]:
    return (change.kind, change.name, change.action, change.sync_id or "")


def change_uid(change: Change) -> str:
    """A key unique within one plan: ``Kind/name`` alone is not (two unmanaged live syncs may
    share a name and both be pruned; a pinned definition and an unmanaged sync may share one)."""
    return f"{change.key}#{change.action}#{change.sync_id or ''}"


def dependencies(change: Change, keys: Iterable[str]) -> set[str]:
    """Keys (``Kind/name``) of the other pending changes this one must wait for and succeed after."""
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
    stop: Stop | None = None,
) -> ApplyResult:
    """Carry out every pending change of ``changes`` (no-ops are ignored).

    ``preset`` holds outcomes decided before anything runs (e.g. ``stale`` for a saved plan),
    keyed by :func:`change_uid` (or by ``Change.key`` where that names one pending change);
    those changes are not written and their dependents are skipped.
    """
    pending = sorted((c for c in changes if c.action != "no-op"), key=_sort_key)
    uids = [change_uid(c) for c in pending]
    by_uid = dict(zip(uids, pending))
    by_key: dict[str, list[str]] = {}  # what a dependency on "Kind/name" waits for
    for uid, change in zip(uids, pending):
        by_key.setdefault(change.key, []).append(uid)
    for key, members in by_key.items():
        definitions = [u for u in members if by_uid[u].action != "delete"]
        if definitions:  # a name means the definition's sync, not an unmanaged one being pruned
            by_key[key] = definitions
    # Ids of syncs named by ${sync:NAME}: the definitions' syncs, never one being pruned.
    ids: dict[str, str] = {c.key: c.sync_id for c in changes if c.sync_id and c.action != "delete"}
    outcomes: dict[str, Outcome] = {}
    total = len(pending)
    lock = threading.Lock()
    started = 0

    def finish(uid: str, outcome: Outcome) -> None:
        outcomes[uid] = outcome
        if on_done is not None:
            with lock:
                on_done(outcome, len(outcomes), total)

    hard = {
        uid: {u for key in dependencies(change, by_key) for u in by_key[key] if u != uid}
        for uid, change in by_uid.items()
    }
    non_deletes = {uid for uid, c in by_uid.items() if c.action != "delete"}
    order = {uid: (non_deletes if c.action == "delete" else set()) for uid, c in by_uid.items()}
    waiting: list[str] = []
    for uid, change in by_uid.items():
        decided = _preset_for(preset, uid, change, sum(1 for c in pending if c.key == change.key))
        if decided is not None:
            finish(uid, decided)
        else:
            waiting.append(uid)

    def run(change: Change, body: Body | None) -> Outcome:
        try:
            return write(change, body)
        except Interrupted:
            return Outcome.of(change, "interrupted", "stopped while in flight; a re-run reads what it did and converges")
        except Exception as exc:  # a bug must not hide the other outcomes
            return Outcome.of(change, "failed", f"internal error: {type(exc).__name__}: {exc}")

    workers = max(1, min(parallelism, total or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        running: dict[Future[Outcome], str] = {}
        while waiting or running:
            if stop is not None and stop.is_set():
                for uid in list(waiting):
                    waiting.remove(uid)
                    finish(uid, Outcome.of(by_uid[uid], "not-started", "stopped before it was sent"))
            _skip_blocked(waiting, by_uid, hard, outcomes, finish)
            ready = [u for u in waiting if (hard[u] | order[u]) <= outcomes.keys()]
            for uid in ready:
                if len(running) >= workers:
                    break
                waiting.remove(uid)
                change = by_uid[uid]
                body = _prepared_body(change, ids)
                missing = unresolved(body)
                if missing:
                    finish(uid, Outcome.of(change, "failed", f"unresolved reference(s) {', '.join(missing)}; nothing was sent"))
                    continue
                started += 1
                if on_start is not None:
                    with lock:
                        on_start(change, started, total)
                running[pool.submit(run, change, body)] = uid
            if not running:
                if waiting and not any((hard[u] | order[u]) <= outcomes.keys() for u in waiting):
                    for uid in list(waiting):
                        waiting.remove(uid)
                        finish(uid, Outcome.of(by_uid[uid], "skipped", "dependency cycle; nothing was sent"))
                continue
            # with a stop to watch for, wake up now and then to notice it
            done, _ = wait(list(running), timeout=0.1 if stop is not None else None, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: _sort_key(by_uid[running[f]])):
                uid = running.pop(future)
                change = by_uid[uid]
                outcome = future.result()
                if outcome.status == "done" and change.action == "create" and outcome.sync_id:
                    ids[change.key] = outcome.sync_id
                finish(uid, outcome)
    return ApplyResult.of(list(outcomes.values()))


def _preset_for(preset: Mapping[str, Outcome] | None, uid: str, change: Change, namesakes: int) -> Outcome | None:
    """The preset outcome of one change: by its uid, or by ``Kind/name`` when no other pending
    change shares that name (so one preset never decides two changes)."""
    if not preset:
        return None
    if uid in preset:
        return preset[uid]
    if namesakes == 1 and change.key in preset:
        return preset[change.key]
    return None


def _skip_blocked(
    waiting: list[str],
    by_uid: Mapping[str, Change],
    hard: Mapping[str, set[str]],
    outcomes: Mapping[str, Outcome],
    finish: Callable[[str, Outcome], None],
) -> None:
    """Skip (transitively) every waiting change whose dependency finished without success."""
    changed = True
    while changed:
        changed = False
        for uid in list(waiting):
            blocked = sorted(d for d in hard[uid] if d in outcomes and outcomes[d].status != "done")
            if blocked:
                waiting.remove(uid)
                reasons = ", ".join(f"{by_uid[d].key} {outcomes[d].status}" for d in blocked)
                finish(uid, Outcome.of(by_uid[uid], "skipped", f"not sent: depends on {reasons}"))
                changed = True


def _prepared_body(change: Change, ids: Mapping[str, str]) -> Body | None:
    if change.body is None:
        return None
    body: Body = substitute(change.body, ids)
    return body
