"""Read full live objects while the listing is still being paged, through the read cache.

With light list items (2025-09-18) every model sync a definition could own needs a
``GET /api/syncs/{id}``. Those reads start as soon as a page names a candidate (the name of an
unpinned definition, or a pinned id), on a pool of ``parallelism`` workers that also serves every
other read of the plan, so the listing and the reads overlap while concurrency stays bounded. A
sync seen again with a newer ``updated_at`` (edited during the listing) is read again; a read is
used only if it was started after the list item the plan finally keeps.

With a :class:`~reconciler.planning.cache.ReadCache`, a read whose sync is at the ``updated_at``
an earlier run read it at is answered from the cache (:meth:`Reads.cached`, for any URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from reconciler import kinds
from reconciler.config import DEFAULT_PARALLELISM, ProjectConfig
from reconciler.definitions.model import Definition, Kind
from reconciler.planning.bulk_schemas import read_schemas
from reconciler.planning.cache import ReadCache

if TYPE_CHECKING:
    from reconciler.api.client import PolytomicClient

#: Live syncs read at once by plan and drift unless --parallelism or reconciler.yaml says otherwise:
#: reads change nothing, and at 20 ms a request ten at a time is slower than the listing needs.
DEFAULT_READ_PARALLELISM = 16
T = TypeVar("T")
_IN_CACHE = "in the cache"  # an early read the cache answers: parsed only when handed over
_CLAIMED = "claimed"  # handed over to the early comparisons (reading it again is the caller's)


def read_parallelism(flag: int | None, project: ProjectConfig) -> int:
    """``--parallelism``, else reconciler.yaml's ``parallelism``, else the read default. (The
    project settings cannot tell a ``parallelism: 4`` written out from the default 4: both read
    16 at a time.)"""
    if flag:
        return flag
    return project.parallelism if project.parallelism != DEFAULT_PARALLELISM else DEFAULT_READ_PARALLELISM


class Reads:
    """One bounded pool for all the reads of a plan, with early model-sync reads."""

    def __init__(self, client: PolytomicClient, definitions: Sequence[Definition], parallelism: int,
                 cache: ReadCache | None = None) -> None:
        self.client = client
        self.cache = cache
        streamed = [d for d in definitions if kinds.get(d.kind).streams_listing]  # read during the listing
        self.names = {d.name for d in streamed if not d.pinned_id}
        self.ids = {d.pinned_id for d in streamed if d.pinned_id}
        self._by_id = {(d.kind, d.pinned_id): d for d in definitions if d.pinned_id}
        self._by_name = {(d.kind, d.name): d for d in definitions if not d.pinned_id}
        self.pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="plan-read")
        #: sync id -> (the listed updated_at, its read, or a marker: in the cache / claimed)
        self.early: dict[str, tuple[Any, Future[dict[str, Any]] | str]] = {}

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def offer(self, items: list[dict[str, Any]]) -> None:
        """Called with each page of the model-sync listing: start reading the candidates."""
        for item in items:
            sync_id = item.get("id")
            if not isinstance(sync_id, str) or kinds.streamed().is_full_item(item):
                continue
            if sync_id in self.ids or item.get("name") in self.names:
                stamp = item.get("updated_at")
                known = self.early.get(sync_id)
                if known is None or known[0] != stamp:
                    self.early[sync_id] = (stamp, _IN_CACHE if self._cache_holds(item) else self.model_sync(item))

    def early_read(self, item: Mapping[str, Any]) -> Future[dict[str, Any]] | None:
        """The read started for this version of the list item, if any (handed over once: the
        caller keeps the object only as long as it needs it)."""
        known = self.early.pop(str(item.get("id")), None)
        if known is None or known[0] != item.get("updated_at"):
            return None
        read = known[1]
        if isinstance(read, Future):
            return read
        return self.model_sync(item) if read == _IN_CACHE else None  # (claimed: the claimer's)

    def claim(self, item: Mapping[str, Any]) -> Callable[[], Future[dict[str, Any]]] | None:
        """Hand the read started for this version of the list item over for good (to the early
        comparisons): :meth:`early_read` then has none. The object is in memory only from when
        the returned function is called (an object in the cache is parsed then)."""
        sync_id = str(item.get("id"))
        known = self.early.get(sync_id)
        if known is None or known[0] != item.get("updated_at") or known[1] == _CLAIMED:
            return None
        self.early[sync_id] = (known[0], _CLAIMED)
        read = known[1]
        if isinstance(read, Future):
            return lambda: read
        return lambda: self.model_sync(item)  # in the cache

    def give_back(self, item: Mapping[str, Any], read: Future[dict[str, Any]]) -> None:
        """A claimed read the early comparisons did not use: :meth:`early_read` hands it out again."""
        self.early[str(item.get("id"))] = (item.get("updated_at"), read)

    def _cache_holds(self, item: Mapping[str, Any]) -> bool:
        return self.cache is not None and self.cache.holds(f"/api/syncs/{item['id']}", item.get("updated_at"))

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.pool.submit(fn, *args)

    def model_sync(self, item: Mapping[str, Any]) -> Future[dict[str, Any]]:
        """The full model sync of a list item: from the cache when it has not moved, else read."""
        sync_id = str(item["id"])
        url = f"/api/syncs/{sync_id}"
        hit = self.cache.get(url, item.get("updated_at")) if self.cache is not None else None
        if hit is not None:
            done: Future[dict[str, Any]] = Future()
            done.set_result(hit)
            return done

        def read() -> dict[str, Any]:
            live = self.client.get_model_sync(sync_id)
            self._keep("ModelSync", item, url, live.get("updated_at") if isinstance(live, dict) else None, live)
            return live
        return self.pool.submit(read)

    def known_listing(self, url: str) -> dict[str, str] | None:
        """The last complete listing of ``url`` the cache kept (id -> ``updated_at``), if any."""
        return self.cache.listing(url) if self.cache is not None else None

    def keep_listing(self, url: str, items: Sequence[Mapping[str, Any]]) -> None:
        if self.cache is not None:
            self.cache.keep_listing(url, items)

    def cached(self, kind: Kind, item: Mapping[str, Any], url: str, read: Callable[[], T]) -> T:
        """``read()`` of ``url``, a read belonging to the sync of list item ``item``, or what it
        returned when that sync was last at this ``updated_at`` (bulk schemas, per-schema reads)."""
        stamp = item.get("updated_at")
        if self.cache is not None:
            hit = self.cache.get(url, stamp)
            if hit is not None:
                return hit
        value = read()
        self._keep(kind, item, url, stamp, value)
        return value

    def bulk_schemas(self, sync_id: str, item: Mapping[str, Any]) -> list[dict[str, Any]]:
        return self.cached("BulkSync", item, f"/api/bulk/syncs/{sync_id}/schemas",
                           lambda: read_schemas(self.client, sync_id))

    def _keep(self, kind: Kind, item: Mapping[str, Any], url: str, stamp: Any, value: Any) -> None:
        if self.cache is None:
            return
        sync_id, name = item.get("id"), item.get("name")
        definition = ((self._by_id.get((kind, sync_id)) if isinstance(sync_id, str) else None)
                      or (self._by_name.get((kind, name)) if isinstance(name, str) else None))
        self.cache.put(url, stamp, value, sensitive_paths=definition.sensitive_paths if definition else ())
