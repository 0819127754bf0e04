"""The per-kind API calls the applier needs, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reconciler.api.client import PolytomicClient
from reconciler.definitions.model import Kind

Body = Mapping[str, Any]


@dataclass(frozen=True)
class SyncOps:
    """Create, update, delete, get and list for one kind of sync."""

    kind: Kind
    create: Callable[[Body, str], dict[str, Any]]
    update: Callable[[str, Body, str], dict[str, Any]]
    delete: Callable[[str, str], None]
    get: Callable[[str], dict[str, Any]]
    list_all: Callable[[], list[dict[str, Any]]]


def ops_for(client: PolytomicClient, kind: Kind) -> SyncOps:
    if kind == "ModelSync":
        return SyncOps(
            kind=kind,
            create=lambda body, key: client.create_model_sync(body, idempotency_key=key),
            update=lambda sync_id, body, key: client.update_model_sync(sync_id, body, idempotency_key=key),
            delete=lambda sync_id, key: client.delete_model_sync(sync_id, idempotency_key=key),
            get=client.get_model_sync,
            list_all=client.list_model_syncs,  # the complete listing (safe against concurrent edits)
        )
    if kind == "BulkSync":
        return SyncOps(
            kind=kind,
            create=lambda body, key: client.create_bulk_sync(body, idempotency_key=key),
            update=lambda sync_id, body, key: client.update_bulk_sync(sync_id, body, idempotency_key=key),
            delete=lambda sync_id, key: client.delete_bulk_sync(sync_id, idempotency_key=key),
            get=client.get_bulk_sync,
            list_all=client.list_bulk_syncs,
        )
    raise ValueError(f"unknown kind {kind!r}")


def ids_named(ops: SyncOps, name: str) -> list[str]:
    """Ids of every live sync of this kind with exactly ``name`` (complete listing)."""
    return sorted(str(s["id"]) for s in ops.list_all() if s.get("name") == name and s.get("id"))
