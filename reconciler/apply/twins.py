"""After the writes: make sure no definition ended with two live syncs (a twin), and undo ours.

A twin can still appear when a sync of the same name is created elsewhere (the UI, a job whose
key differs) between this run's read and its create. The rule every run follows is the same, so
two runs never both remove theirs: the **oldest** sync of a name (``created_at``, then id) stays;
a run removes the twin it created itself when it is not the oldest. A twin this run did not create
is never deleted. Either way the change is reported failed with every id (exit 1); the next run
then plans against the one sync left and converges.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from reconciler.api.client import PolytomicClient
from reconciler.apply.ops import ops_for
from reconciler.apply.outcome import ApplyResult, Outcome
from reconciler.errors import ApiError
from reconciler.planning.model import Change
from reconciler.planning.names import same_name

# (a delete change for a sync this run created) -> its outcome
DeleteFn = Callable[[Change], Outcome]


def _age(item: Mapping[str, Any]) -> tuple[str, str]:
    return (str(item.get("created_at") or ""), str(item.get("id")))


def settle_twins(client: PolytomicClient, result: ApplyResult, created: set[str], delete: DeleteFn) -> ApplyResult:
    """``result`` with every create that ended with a twin turned into a failure naming both ids."""
    creates = [o for o in result.outcomes if o.action == "create" and o.status == "done" and o.sync_id]
    if not creates:
        return result
    live: dict[str, list[dict[str, Any]]] = {}
    for kind in sorted({o.kind for o in creates}):
        try:
            live[kind] = ops_for(client, kind).list_all()
        except ApiError:
            live[kind] = []  # the check cannot be made: the next plan reports any twin
    settled = {o.sort_key: _settle(o, live[o.kind], created, delete) for o in creates}
    return ApplyResult.of([settled.get(o.sort_key, o) for o in result.outcomes])


def _settle(outcome: Outcome, items: list[dict[str, Any]], created: set[str], delete: DeleteFn) -> Outcome:
    group = sorted((i for i in items if same_name(i.get("name"), outcome.name) and isinstance(i.get("id"), str)),
                   key=_age)
    if len(group) <= 1:
        return outcome
    ids = ", ".join(sorted(str(i["id"]) for i in group))
    oldest = str(group[0]["id"])
    ours = outcome.sync_id or ""
    head = f"twin: {len(group)} live {outcome.kind} syncs are named {outcome.name!r} ({ids})"
    if ours in created and ours != oldest:
        change = Change(kind=outcome.kind, name=outcome.name, action="delete", sync_id=ours)
        removed = delete(change)
        if removed.status == "done":
            return Outcome(outcome.kind, outcome.name, "create", "failed", oldest,
                           f"{head}; removed {ours}, which this run created, and kept the older {oldest}: "
                           "re-run apply to bring it up to date")
        return Outcome(outcome.kind, outcome.name, "create", "failed", ours,
                       f"{head}; removing {ours}, which this run created, failed ({removed.message}): re-run apply")
    return Outcome(outcome.kind, outcome.name, "create", "failed", ours,
                   f"{head}; the other was made elsewhere after this run's create: delete it or pin one with `id`")
