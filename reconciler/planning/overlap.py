"""Compare model syncs while the listing is still being paged (plan's fetch/compare overlap).

The listing waits on the network most of the time; comparing a definition with its live sync is
CPU. So as soon as a page names a candidate whose full object is being read
(:class:`~reconciler.planning.prefetch.Reads`), the read is handed over to one worker thread that
compares it, and the planner takes the result instead of reading and comparing again. A result is
taken only when it was computed from exactly what the planner would compare: the same definition
object and the read started for the list item the plan keeps (a sync edited during the listing is
read again and compared again), and only for definitions whose comparison cannot depend on the
rest of the listing (no ``${sync:...}`` / ``${bulk_sync:...}`` reference: those resolve against
the complete listing). Anything else is read and compared by the planner as before.

Memory: the worker keeps only each comparison's result; the live object it compared is freed as
soon as it is done (a plan of 10,000 syncs would otherwise hold every live object and every
result at once).
"""

from __future__ import annotations

import sys
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, Callable, Generic, Mapping, Sequence, TypeVar

from reconciler import kinds
from reconciler.definitions.model import Definition
from reconciler.planning.prefetch import Reads
from reconciler.planning.references import sync_refs

SWITCH_INTERVAL = 0.0005  # seconds
R = TypeVar("R")
#: What the planner computes from a definition and its live sync (never None).
Compare = Callable[[Definition, dict[str, Any]], R]
#: sync id, definition, updated_at, and the read (a finished one, or an object in the cache parsed only now)
_Job = tuple[str, Definition, Any, Callable[[], Future[dict[str, Any]]]]


@dataclass(frozen=True)
class _Outcome(Generic[R]):
    """One early comparison: what it was computed from, and its result (None: not computed)."""

    definition: Definition
    stamp: Any
    result: R | None
    failed_read: Future[dict[str, Any]] | None = None  # handed back: the planner handles what it raised


class EarlyChanges(Generic[R]):
    """Comparisons made during the listing, keyed by live sync id."""

    def __init__(self, reads: Reads, definitions: Sequence[Definition], compare: Compare[R] | None) -> None:
        self.reads = reads
        self.compare = compare
        self._by_id, self._by_name = _candidates(definitions)
        self._queue: SimpleQueue[_Job | None] = SimpleQueue()
        self._queued: dict[str, tuple[Definition, Any]] = {}  # sync id -> the last comparison queued
        self._done: dict[str, _Outcome[R]] = {}
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-compare") if compare else None
        self._worker = self._pool.submit(self._run) if self._pool is not None else None
        self._interval = sys.getswitchinterval()
        if compare is not None:
            # A thread back from the network waits for the comparing one to give up the GIL, by
            # default up to 5 ms each time (several times per response): the listing would crawl.
            sys.setswitchinterval(SWITCH_INTERVAL)

    def on_items(self, items: list[dict[str, Any]]) -> None:
        """Each page of the model-sync listing: start the reads (``Reads.offer``), then the comparisons."""
        self.reads.offer(items)
        if self.compare is not None:
            for item in items:
                self._start(item)

    def _start(self, item: Mapping[str, Any]) -> None:
        """Queue the comparison of the definition owning ``item`` with the read started for this version."""
        sync_id = item.get("id")
        d = self._by_id.get(sync_id) or self._by_name.get(item.get("name"))
        read = self.reads.claim(item) if isinstance(sync_id, str) and d is not None else None
        if read is not None and isinstance(sync_id, str) and d is not None:
            self._queued[sync_id] = (d, item.get("updated_at"))
            self._queue.put((sync_id, d, item.get("updated_at"), read))

    def expects(self, d: Definition, item: Mapping[str, Any] | None) -> bool:
        """Whether ``d`` is being compared with the read started for exactly this version of the list
        item (no waiting: :meth:`take` may still find the comparison unusable)."""
        if item is None:
            return False
        queued = self._queued.get(str(item.get("id")))
        return queued is not None and queued[0] is d and queued[1] == item.get("updated_at")

    def _run(self) -> None:
        """The worker: compare each queued read in turn, keeping only the outcome."""
        assert self.compare is not None
        while (job := self._queue.get()) is not None:
            if not self._stopping:
                self._done[job[0]] = _outcome(self.compare, job)
            del job  # (the live object goes with it)

    def finish(self) -> None:
        """Wait for the comparisons queued so far (the listing is over)."""
        if self._worker is not None and not self._worker.done():
            self._queue.put(None)
            self._worker.result()

    def take(self, d: Definition, item: Mapping[str, Any] | None) -> R | None:
        """The result of comparing ``d`` with the read started for exactly this version of the list
        item during the listing, or None (read and compare it now). Each is handed out once."""
        if item is None:
            return None
        self.finish()
        outcome = self._done.pop(str(item.get("id")), None)
        if outcome is None or outcome.definition is not d or outcome.stamp != item.get("updated_at"):
            return None
        if outcome.failed_read is not None:
            self.reads.give_back(item, outcome.failed_read)
        return outcome.result

    def close(self) -> None:
        if self._pool is not None:
            self._stopping = True
            self._queue.put(None)
            self._pool.shutdown(wait=True, cancel_futures=True)
            sys.setswitchinterval(self._interval)


def _outcome(compare: Compare[R], job: _Job) -> _Outcome[R]:
    _, d, stamp, read = job
    future = None
    try:
        future = read()
        live = future.result()
    except Exception:  # noqa: BLE001 -- the planner handles it, as it would its own read's
        return _Outcome(d, stamp, None, failed_read=future)
    try:
        return _Outcome(d, stamp, compare(d, live))
    except Exception:  # noqa: BLE001 -- not taken: the planner compares it again and raises it there
        return _Outcome(d, stamp, None)


def _candidates(definitions: Sequence[Definition]) -> tuple[dict[Any, Definition], dict[Any, Definition]]:
    """Definitions of the kind whose listing streams (model syncs) that can be compared early, by
    pinned id and by (unique) name."""
    paged = kinds.streamed().name
    free = [d for d in definitions if d.kind == paged and not sync_refs(d.spec)]
    names = Counter(d.name for d in definitions if d.kind == paged and not d.pinned_id)
    return ({d.pinned_id: d for d in free if d.pinned_id},
            {d.name: d for d in free if not d.pinned_id and names[d.name] == 1})
