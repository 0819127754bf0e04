"""The per-kind API calls the applier needs, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reconciler import kinds
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
    """The calls for ``kind``, on the routes its registry entry names (ValueError for an unknown kind)."""
    spec = kinds.get(kind)
    routes = spec.routes

    def update(sync_id: str, body: Body, key: str) -> dict[str, Any]:
        return client.request(
            "PUT", routes.of(routes.item, sync_id), json=body, idempotency_key=key, write=True, expect=dict)

    def delete(sync_id: str, key: str) -> None:
        client.request("DELETE", routes.of(routes.item, sync_id), idempotency_key=key, write=True)

    return SyncOps(
        kind=kind,
        create=lambda body, key: client.create(routes.collection, body, idempotency_key=key),
        update=update,
        delete=delete,
        get=lambda sync_id: spec.get(client, sync_id),
        list_all=lambda: spec.list_live(client),  # the complete listing (safe against concurrent edits)
    )


def named(ops: SyncOps, name: str) -> list[dict[str, Any]]:
    """Every live sync of this kind whose name is ``name`` once normalised (complete listing), by id."""
    found = [s for s in ops.list_all() if same_name(s.get("name"), name) and isinstance(s.get("id"), str)]
    return sorted(found, key=lambda s: str(s["id"]))


def ids_named(ops: SyncOps, name: str) -> list[str]:
    """Ids of every live sync of this kind named ``name`` (normalised as the server may)."""
    return [str(s["id"]) for s in named(ops, name)]
