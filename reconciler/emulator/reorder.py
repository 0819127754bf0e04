"""The `reorder` fault: answers with every order-free list in another order than stored.

The lists whose order means nothing to the API (a sync's ``fields``, ``filters``, ``overrides``,
``policies``, ``run_after`` ids, a bulk sync's ``additional_schedules`` and their ``schemas``, a
schema listing and a schema's ``fields`` and ``filters``) come back permuted, never in the stored
order when they have two or more distinct items; ordered listings (``GET /api/syncs``) keep their
order. A client that compares such lists by position sees changes that are not there.
"""

from __future__ import annotations

import random
from typing import Any

ORDER_FREE = frozenset({"fields", "filters", "overrides", "override_fields", "policies", "sync_ids",
                        "bulk_sync_ids", "additional_schedules", "schemas"})
SCHEMA_LISTING_SUFFIX = "/schemas"


def reordered(body: Any, path: str, rng: random.Random) -> Any:
    """``body`` (a JSON answer to ``path``) with its order-free lists permuted."""
    if isinstance(body, dict) and isinstance(body.get("data"), list) and path.endswith(SCHEMA_LISTING_SUFFIX):
        return {**body, "data": _permuted([_walk(item, rng) for item in body["data"]], rng)}
    return _walk(body, rng)


def _walk(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return {k: _permuted([_walk(v, rng) for v in item], rng) if k in ORDER_FREE and isinstance(item, list)
                else _walk(item, rng) for k, item in ((k, value[k]) for k in value)}
    if isinstance(value, list):
        return [_walk(v, rng) for v in value]
    return value


def _permuted(items: list[Any], rng: random.Random) -> list[Any]:
    """Another order of ``items`` (a shuffle, rotated when it happened to keep the stored order)."""
    out = list(items)
    rng.shuffle(out)
    if out == items and len(items) > 1:
        out = out[1:] + out[:1]
    return out
