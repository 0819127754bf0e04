"""Run a plan's changes concurrently, in dependency order, reporting every outcome.

- At most ``parallelism`` writes in flight (a thread pool); independent changes run at once.
- A change runs after every change it depends on (the plan's ``depends_on``: the planner knows
  which ``${sync:NAME}`` / ``${bulk_sync:NAME}`` reference names a sync this plan creates)
  finished; the ids of syncs created in this run are substituted into its body first
  (:mod:`reconciler.apply.refs`). If a dependency did not succeed, the change is skipped.
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
from reconciler.apply.outcome import ApplyResult, Outcome, Status
from reconciler.apply.refs import substitute, unresolved
from reconciler.errors import Interrupted
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
    wanted = set(change.depends_on)
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
    run = _Run(changes, write, on_done=on_done, on_start=on_start, stop=stop)
    run.decide(preset)
    workers = max(1, min(parallelism, run.total or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        run.drive(pool, workers)
    return ApplyResult.of(list(run.outcomes.values()))


class _Run:
    """The state of one execution: what waits, what runs, what finished, and the ids created so far."""

    def __init__(self, changes: Sequence[Change], write: WriteFn, *, on_done: ProgressFn | None,
                 on_start: StartFn | None, stop: Stop | None) -> None:
        self.write, self.on_done, self.on_start, self.stop = write, on_done, on_start, stop
        pending = sorted((c for c in changes if c.action != "no-op"), key=_sort_key)
        self.pending = pending
        self.by_uid = {change_uid(c): c for c in pending}
        self.hard, self.order = _waits(self.by_uid)
        # Ids of syncs named by ${sync:NAME}: the definitions' syncs, never one being pruned.
        self.ids: dict[str, str] = {c.key: c.sync_id for c in changes if c.sync_id and c.action != "delete"}
        self.outcomes: dict[str, Outcome] = {}
        self.total = len(pending)
        self.waiting: list[str] = []
        self.running: dict[Future[Outcome], str] = {}
        self.started = 0
        self.lock = threading.Lock()

    def finish(self, uid: str, outcome: Outcome) -> None:
        self.outcomes[uid] = outcome
        if self.on_done is not None:
            with self.lock:
                self.on_done(outcome, len(self.outcomes), self.total)

    def decide(self, preset: Mapping[str, Outcome] | None) -> None:
        """Finish the preset changes; every other one waits."""
        for uid, change in self.by_uid.items():
            decided = _preset_for(preset, uid, change, sum(1 for c in self.pending if c.key == change.key))
            if decided is not None:
                self.finish(uid, decided)
            else:
                self.waiting.append(uid)

    def drive(self, pool: ThreadPoolExecutor, workers: int) -> None:
        while self.waiting or self.running:
            if self.stop is not None and self.stop.is_set():
                self._drop_waiting("not-started", "stopped before it was sent")
            _skip_blocked(self.waiting, self.by_uid, self.hard, self.outcomes, self.finish)
            self._start_ready(pool, workers)
            if not self.running:
                if self.waiting and not any(self._ready(u) for u in self.waiting):
                    self._drop_waiting("skipped", "dependency cycle; nothing was sent")
                continue
            self._collect()

    def _ready(self, uid: str) -> bool:
        return (self.hard[uid] | self.order[uid]) <= self.outcomes.keys()

    def _drop_waiting(self, status: Status, message: str) -> None:
        for uid in list(self.waiting):
            self.waiting.remove(uid)
            self.finish(uid, Outcome.of(self.by_uid[uid], status, message))

    def _start_ready(self, pool: ThreadPoolExecutor, workers: int) -> None:
        for uid in [u for u in self.waiting if self._ready(u)]:
            if len(self.running) >= workers:
                break
            self.waiting.remove(uid)
            change = self.by_uid[uid]
            body = _prepared_body(change, self.ids)
            missing = unresolved(body)
            if missing:
                self.finish(uid, Outcome.of(change, "failed",
                                            f"unresolved reference(s) {', '.join(missing)}; nothing was sent"))
                continue
            self.started += 1
            if self.on_start is not None:
                with self.lock:
                    self.on_start(change, self.started, self.total)
            self.running[pool.submit(self._send, change, body)] = uid

    def _send(self, change: Change, body: Body | None) -> Outcome:
        try:
            return self.write(change, body)
        except Interrupted:
            return Outcome.of(change, "interrupted",
                              "stopped while in flight; a re-run reads what it did and converges")
        except Exception as exc:  # a bug must not hide the other outcomes
            return Outcome.of(change, "failed", f"internal error: {type(exc).__name__}: {exc}")

    def _collect(self) -> None:
        # with a stop to watch for, wake up now and then to notice it
        done, _ = wait(list(self.running), timeout=0.1 if self.stop is not None else None, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: _sort_key(self.by_uid[self.running[f]])):
            uid = self.running.pop(future)
            change = self.by_uid[uid]
            outcome = future.result()
            if outcome.status == "done" and change.action == "create" and outcome.sync_id:
                self.ids[change.key] = outcome.sync_id
            self.finish(uid, outcome)


def _waits(by_uid: Mapping[str, Change]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(uid -> the changes it must succeed after, uid -> the changes it only runs after): deletes run last."""
    by_key = _waited_for(by_uid)
    hard = {uid: {u for key in dependencies(change, by_key) for u in by_key[key] if u != uid}
            for uid, change in by_uid.items()}
    non_deletes = {uid for uid, c in by_uid.items() if c.action != "delete"}
    order = {uid: (non_deletes if c.action == "delete" else set()) for uid, c in by_uid.items()}
    return hard, order


def _waited_for(by_uid: Mapping[str, Change]) -> dict[str, list[str]]:
    """What a dependency on "Kind/name" waits for: the definition's change, not an unmanaged one being pruned."""
    by_key: dict[str, list[str]] = {}
    for uid, change in by_uid.items():
        by_key.setdefault(change.key, []).append(uid)
    for key, members in by_key.items():
        definitions = [u for u in members if by_uid[u].action != "delete"]
        if definitions:
            by_key[key] = definitions
    return by_key


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
