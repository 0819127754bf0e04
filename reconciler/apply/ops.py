"""The per-kind API calls the applier needs, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reconciler.api.client import PolytomicClient
from reconciler.definitions.model import Kind
from reconciler.planning.names import same_name

Body = Mapping[str, Any]


@dataclass(frozen=True)
class SyncOps:
    """Create, update, delete, get and list for one kind of sync."""

    kind: Kind
    create: Callable[[Body, str], tuple[dict[str, Any], bool]]  # (created, replayed)
    update: Callable[[str, Body, str], dict[str, Any]]
    delete: Callable[[str, str], None]
    get: Callable[[str], dict[str, Any]]
    list_all: Callable[[], list[dict[str, Any]]]


def ops_for(client: PolytomicClient, kind: Kind) -> SyncOps:
    if kind == "ModelSync":
        return SyncOps(
            kind=kind,
            create=lambda body, key: client.create("/api/syncs", body, idempotency_key=key),
            update=lambda sync_id, body, key: client.update_model_sync(sync_id, body, idempotency_key=key),
            delete=lambda sync_id, key: client.delete_model_sync(sync_id, idempotency_key=key),
            get=client.get_model_sync,
            list_all=client.list_model_syncs,  # the complete listing (safe against concurrent edits)
        )
    if kind == "BulkSync":
        return SyncOps(
            kind=kind,
            create=lambda body, key: client.create("/api/bulk/syncs", body, idempotency_key=key),
            update=lambda sync_id, body, key: client.update_bulk_sync(sync_id, body, idempotency_key=key),
            delete=lambda sync_id, key: client.delete_bulk_sync(sync_id, idempotency_key=key),
            get=client.get_bulk_sync,
            list_all=client.list_bulk_syncs,
        )
    raise ValueError(f"unknown kind {kind!r}")


def named(ops: SyncOps, name: str) -> list[dict[str, Any]]:
    """Every live sync of this kind whose name is ``name`` once normalised (complete listing), by id."""
    found = [s for s in ops.list_all() if same_name(s.get("name"), name) and isinstance(s.get("id"), str)]
    return sorted(found, key=lambda s: str(s["id"]))


def ids_named(ops: SyncOps, name: str) -> list[str]:
    """Ids of every live sync of this kind named ``name`` (normalised as the server may)."""
    return [str(s["id"]) for s in named(ops, name)]
