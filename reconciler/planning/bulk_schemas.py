"""Reading a bulk sync's per-schema configuration (2025-09-18 schema endpoints).

``GET /api/bulk/syncs/{id}/schemas`` gives light items (selection, partition/tracking fields,
cutoffs); the fields (enabled, obfuscated) and filters of a schema come from
``GET /api/bulk/syncs/{id}/schemas/{schema_id}``, read for each selected schema (a schema that is
not selected has no setting that matters). Reads per bulk sync: 1 + the number of selected schemas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import quote

from reconciler.errors import ApiError

if TYPE_CHECKING:
    from reconciler.api.client import PolytomicClient


def read_schemas(client: PolytomicClient, sync_id: str) -> list[dict[str, Any]]:
    """The schema listing, each selected schema completed with its ``fields`` and ``filters``.

    List items never carry trustworthy ``fields`` (the API leaves them unpopulated there); a
    schema gone between the listing and its read (404) keeps its light item.
    """
    base = f"/api/bulk/syncs/{quote(sync_id, safe='')}/schemas"
    listing = client.request("GET", base) or []
    out = []
    for item in listing:
        if not isinstance(item, Mapping):
            continue
        entry = {k: v for k, v in item.items() if k not in ("fields", "filters")}
        if _selected(entry):
            try:
                full = client.request("GET", f"{base}/{quote(str(entry['id']), safe='')}")
            except ApiError as exc:
                if exc.status != 404:
                    raise
                full = None
            if isinstance(full, Mapping):
                entry = {**entry, "fields": full.get("fields") or [], "filters": full.get("filters") or []}
        out.append(entry)
    return out


def _selected(item: Mapping[str, Any]) -> bool:
    return bool(item.get("enabled")) and bool(item.get("id"))
