"""Re-read the targets of a saved plan and refuse every change whose live object moved."""

from __future__ import annotations

from typing import Mapping

from reconciler.api.client import PolytomicClient, map_concurrent
from reconciler.apply.executor import change_uid
from reconciler.apply.ops import ops_for
from reconciler.apply.outcome import Outcome
from reconciler.definitions.model import Kind
from reconciler.errors import ApiError
from reconciler.planning.model import Change, Plan, fingerprint

REPLAN = "run reconciler plan again"


def find_stale(client: PolytomicClient, plan: Plan, *, parallelism: int = 4) -> dict[str, Outcome]:
    """``stale`` outcomes, keyed by :func:`change_uid`, for the pending changes that no longer apply.

    Updates and deletes: the sync is read by id; gone or a different fingerprint is stale.
    Creates: stale when a live sync of that kind now has the name. Read errors propagate
    (:class:`ApiError`): nothing is written when the check itself cannot be made.
    """
    pending = plan.pending
    stale: dict[str, Outcome] = {}
    creates = [c for c in pending if c.action == "create"]
    taken = _live_names(client, sorted({c.kind for c in creates}))
    for change in creates:
        ids = taken.get((change.kind, change.name))
        if ids:
            stale[change_uid(change)] = Outcome.of(
                change, "stale", f"a live {change.kind} named {change.name!r} now exists ({', '.join(ids)}); {REPLAN}"
            )
    existing = [c for c in pending if c.action in ("update", "delete")]
    verdicts = map_concurrent(lambda c: _moved(client, c), existing, parallelism)
    for change, verdict in zip(existing, verdicts, strict=True):
        if verdict:
            stale[change_uid(change)] = Outcome.of(change, "stale", f"{verdict}; {REPLAN}")
    return stale


def _live_names(client: PolytomicClient, kinds: list[Kind]) -> Mapping[tuple[str, str], list[str]]:
    names: dict[tuple[str, str], list[str]] = {}
    for kind in kinds:
        for item in ops_for(client, kind).list_all():
            if item.get("name") and item.get("id"):
                names.setdefault((kind, str(item["name"])), []).append(str(item["id"]))
    return {k: sorted(v) for k, v in names.items()}


def _moved(client: PolytomicClient, change: Change) -> str | None:
    """Why the live object no longer matches the plan, or None when it does."""
    try:
        live = ops_for(client, change.kind).get(change.sync_id or "")
    except ApiError as exc:
        if exc.status == 404:
            return f"sync {change.sync_id} no longer exists"
        raise
    if change.fingerprint is None or fingerprint(live) != change.fingerprint:
        return f"sync {change.sync_id} changed since the plan was made"
    return None
