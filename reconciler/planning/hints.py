"""Hints where users go wrong: a create that looks like the rename of an unmanaged live sync."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from reconciler import kinds
from reconciler.api.client import PolytomicClient, map_concurrent
from reconciler.definitions.model import Definition, Kind
from reconciler.errors import ApiError
from reconciler.planning.model import Change, Hint

MAX_RENAME_READS = 10  # live syncs read to check a likely rename, per plan
MAX_ALIKE = 3  # unmanaged syncs whose list items agree with one create, at most, to read them

Same = Callable[[Definition, Mapping[str, Any]], bool]


def read_full(client: PolytomicClient, kind: Kind, item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The full live object of a list item (with its schema selection for a bulk sync)."""
    sync_id = str(item["id"])
    spec = kinds.get(kind)
    live = dict(item) if spec.is_full_item(item) else spec.get(client, sync_id)
    return {**live, "schemas": client.get_bulk_sync_schemas(sync_id)} if spec.schema_selection else live


def _agrees(want: Any, have: Any) -> bool:
    """Whether a list item's value does not contradict the body's (lists are not judged cheaply)."""
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        return all(_agrees(v, have[k]) for k, v in want.items() if k in have)
    if isinstance(want, (list, Mapping)) or isinstance(have, (list, Mapping)):
        return True
    return bool(want == have)


def _plausible(kind: Kind, body: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """What a list item tells cheaply (light items too) agrees with the create's body."""
    want = {k: v for k, v in body.items() if k != "name"}
    target = body.get("target")
    if kinds.get(kind).has_target and isinstance(target, Mapping):
        want.update(target_connection_id=target.get("connection_id"), target_object=target.get("object"))
    return _agrees({k: v for k, v in want.items() if v is not None}, item)


def rename_hints(client: PolytomicClient, creates: Sequence[tuple[Definition, Change]],
                 unmanaged: Sequence[tuple[Kind, Mapping[str, Any]]], same: Same, *, parallelism: int = 4,
                 ) -> tuple[Hint, ...]:
    """A hint for each create whose body matches one unmanaged live sync of its kind except for the name."""
    pairs: list[tuple[Definition, Mapping[str, Any]]] = []
    for d, change in creates:
        alike = sorted((item for kind, item in unmanaged
                        if kind == d.kind and change.body is not None and _plausible(kind, change.body, item)),
                       key=lambda item: str(item.get("id")))  # the listing's order moves with every edit
        # more look-alikes than that: no single rename to point at; and a create's look-alikes are
        # read all or none (one read of two twins would name it as the rename)
        if len(alike) <= MAX_ALIKE and len(pairs) + len(alike) <= MAX_RENAME_READS:
            pairs += [(d, item) for item in alike]

    def check(pair: tuple[Definition, Mapping[str, Any]]) -> tuple[Definition, Mapping[str, Any]] | None:
        d, item = pair
        try:
            live = read_full(client, d.kind, item)
        except ApiError:
            return None  # gone meanwhile, or unreadable: no hint, never an error
        return (d, item) if same(d, live) else None

    found: dict[str, list[Mapping[str, Any]]] = {}
    for hit in map_concurrent(check, pairs, parallelism):
        if hit is not None:
            found.setdefault(hit[0].label, []).append(hit[1])
    hints = []
    for d, _ in creates:
        matches = found.get(d.label, [])
        if len(matches) == 1:
            old = matches[0]
            hints.append(Hint(f"looks like a rename: the unmanaged {d.kind} {old.get('name')!r} ({old.get('id')}) "
                              f"matches it except the name; pin `id: {old.get('id')}` to rename it in place "
                              "instead of creating a second sync", d.kind, d.name, d.position))
    return tuple(hints)
