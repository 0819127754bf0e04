"""Compare model syncs while the listing is still being paged (plan's fetch/compare overlap).

The listing waits on the network most of the time; comparing a definition with its live sync is
CPU. So as soon as a page names a candidate whose full object is being read
(:class:`~reconciler.planning.prefetch.Reads`), its comparison is queued on one worker thread,
and the planner takes the result instead of comparing again. A result is taken only when it was
computed from exactly what the planner would compare: the same definition object and the same
live object (a sync edited during the listing is read again, so its newer object differs), and
only for definitions whose comparison cannot depend on the rest of the listing (no
``${sync:...}`` / ``${bulk_sync:...}`` reference: those resolve against the complete listing).
Anything else is compared by the planner as before.
"""

from __future__ import annotations

import sys
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Mapping, Sequence

from reconciler import kinds
from reconciler.definitions.model import Definition
from reconciler.planning.model import Change
from reconciler.planning.prefetch import Reads
from reconciler.planning.references import sync_refs

SWITCH_INTERVAL = 0.0005  # seconds
Compare = Callable[[Definition, dict[str, Any]], Change]


class EarlyChanges:
    """Comparisons started during the listing, keyed by live sync id."""

    def __init__(self, reads: Reads, definitions: Sequence[Definition], compare: Compare | None) -> None:
        self.reads = reads
        self.compare = compare
        self._by_id, self._by_name = _candidates(definitions)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-compare") if compare else None
        self._started: dict[str, tuple[Definition, Future[dict[str, Any]], Future[Change]]] = {}
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
        known = self.reads.early.get(sync_id) if isinstance(sync_id, str) and d is not None else None
        if d is None or known is None or known[0] != item.get("updated_at") or self._pool is None:
            return
        read = known[1]
        started = self._started.get(str(sync_id))
        if started is None or started[1] is not read:  # (a newer version: its own read, compared again)
            assert self.compare is not None
            self._started[str(sync_id)] = (d, read, self._pool.submit(_compare, self.compare, d, read))

    def take(self, d: Definition, live: dict[str, Any]) -> Future[Change] | None:
        """The comparison of ``d`` with exactly ``live`` made during the listing, or None (compare it now).

        The result raises what the comparison raised."""
        entry = self._started.pop(str(live.get("id")), None)
        if entry is None:
            return None
        wanted, read, change = entry
        _wait(change)  # (never left running on an object the planner is about to use)
        if wanted is not d or not read.done() or read.exception() is not None or read.result() is not live:
            return None
        return change

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            sys.setswitchinterval(self._interval)


def _candidates(definitions: Sequence[Definition]) -> tuple[dict[Any, Definition], dict[Any, Definition]]:
    """Definitions of the kind whose listing streams (model syncs) that can be compared early, by
    pinned id and by (unique) name."""
    paged = kinds.streamed().name
    free = [d for d in definitions if d.kind == paged and not sync_refs(d.spec)]
    names = Counter(d.name for d in definitions if d.kind == paged and not d.pinned_id)
    return ({d.pinned_id: d for d in free if d.pinned_id},
            {d.name: d for d in free if not d.pinned_id and names[d.name] == 1})


def _compare(compare: Compare, d: Definition, read: Future[dict[str, Any]]) -> Change:
    return compare(d, read.result())


def _wait(future: Future[Any]) -> None:
    try:
        future.result()
    except BaseException:  # noqa: B036 -- raised again by whoever takes the result
        pass
