"""Read full model syncs by id while the listing is still being paged.

With light list items (2025-09-18) every model sync a definition could own needs a
``GET /api/syncs/{id}``. Those reads start as soon as a page names a candidate (the name of an
unpinned definition, or a pinned id), on a pool of ``parallelism`` workers that also serves every
other read of the plan, so the listing and the reads overlap while concurrency stays bounded. A
sync seen again with a newer ``updated_at`` (edited during the listing) is read again; a read is
used only if it was started after the list item the plan finally keeps.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Mapping, Sequence, TypeVar

from reconciler.api.client import PolytomicClient
from reconciler.definitions.model import Definition

FULL_ITEM_KEYS = ("fields", "target")  # a model-sync list item carrying these is the full object
T = TypeVar("T")


def is_full_model_item(item: Mapping[str, Any]) -> bool:
    return all(key in item for key in FULL_ITEM_KEYS)


class Reads:
    """One bounded pool for all the reads of a plan, with early model-sync reads."""

    def __init__(self, client: PolytomicClient, definitions: Sequence[Definition], parallelism: int) -> None:
        self.client = client
        self.names = {d.name for d in definitions if d.kind == "ModelSync" and not d.pinned_id}
        self.ids = {d.pinned_id for d in definitions if d.kind == "ModelSync" and d.pinned_id}
        self.pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="plan-read")
        self.early: dict[str, tuple[Any, Future[dict[str, Any]]]] = {}

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def offer(self, items: list[dict[str, Any]]) -> None:
        """Called with each page of the model-sync listing: start reading the candidates."""
        for item in items:
            sync_id = item.get("id")
            if not isinstance(sync_id, str) or is_full_model_item(item):
                continue
            if sync_id in self.ids or item.get("name") in self.names:
                stamp = item.get("updated_at")
                known = self.early.get(sync_id)
                if known is None or known[0] != stamp:
                    self.early[sync_id] = (stamp, self.pool.submit(self.client.get_model_sync, sync_id))

    def early_read(self, item: Mapping[str, Any]) -> Future[dict[str, Any]] | None:
        """The read started for this version of the list item, if any."""
        known = self.early.get(str(item.get("id")))
        return known[1] if known is not None and known[0] == item.get("updated_at") else None

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.pool.submit(fn, *args)
