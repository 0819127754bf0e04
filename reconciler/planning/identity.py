"""Which live sync each definition owns: the pinned ``id``, else the one live sync of its kind with its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reconciler.definitions.interpolate import UnknownValue
from reconciler.definitions.model import Definition, Kind
from reconciler.planning.names import name_key


@dataclass(frozen=True)
class Match:
    definition: Definition
    item: Mapping[str, Any] | None = None  # the live list item; None: nothing live yet (create)
    problem: str | None = None  # set when the tool refuses to guess

    @property
    def sync_id(self) -> str | None:
        value = self.item.get("id") if self.item is not None else None
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Matching:
    matches: tuple[Match, ...]
    unmanaged: tuple[tuple[Kind, Mapping[str, Any]], ...]  # live syncs no definition claims


def match(definitions: Sequence[Definition], live: Mapping[Kind, Sequence[Mapping[str, Any]]]) -> Matching:
    """Match every definition; list the live syncs nobody claims (namesakes of a definition are claimed)."""
    by_id: dict[tuple[Kind, str], Mapping[str, Any]] = {}
    by_name: dict[tuple[Kind, str], list[Mapping[str, Any]]] = {}
    by_key: dict[tuple[Kind, str], list[Mapping[str, Any]]] = {}  # names as a server may normalise them
    for kind, items in live.items():
        for item in items:
            if isinstance(item.get("id"), str):
                by_id[(kind, item["id"])] = item
            if isinstance(item.get("name"), str):
                by_name.setdefault((kind, item["name"]), []).append(item)
                by_key.setdefault((kind, name_key(item["name"])), []).append(item)
    pinned: dict[tuple[Kind, str], Definition] = {}
    twice: dict[tuple[Kind, str], list[Definition]] = {}
    for d in definitions:
        if d.pinned_id:
            twice.setdefault((d.kind, d.pinned_id), []).append(d)
            pinned.setdefault((d.kind, d.pinned_id), d)
    claimed: set[tuple[Kind, str]] = set()
    matches: list[Match] = []
    for d in definitions:
        if isinstance(d.pinned_id, UnknownValue):  # read-only commands without the variable
            matches.append(Match(d, problem=f"id {d.pinned_id}: which live sync this is cannot be told until it is set"))
            # its namesake is likely its own sync: never unmanaged, never pruned
            claimed.update((d.kind, str(s.get("id"))) for s in by_name.get((d.kind, d.name), []))
            continue
        if d.pinned_id:
            pinned_item = by_id.get((d.kind, d.pinned_id))
            claimed.add((d.kind, d.pinned_id))
            others = [o for o in twice[(d.kind, d.pinned_id)] if o is not d]
            if others:
                where = ", ".join(f"{o.label} at {o.position}" for o in others)
                matches.append(Match(d, problem=f"id {d.pinned_id} is also pinned by {where}"))
            elif pinned_item is None:
                other = next((k for k in live if k != d.kind and (k, d.pinned_id) in by_id), None)
                hint = f" (it is a {other}: check `kind`)" if other else "; remove `id` to create a new sync"
                matches.append(Match(d, problem=f"pinned id {d.pinned_id} matches no live {d.kind}{hint}"))
            else:
                matches.append(Match(d, pinned_item))
            continue
        namesakes = by_name.get((d.kind, d.name)) or by_key.get((d.kind, name_key(d.name)), [])
        ids = sorted(str(s.get("id")) for s in namesakes)
        claimed.update((d.kind, i) for i in ids)
        if len(namesakes) > 1:
            matches.append(Match(d, problem=f"{len(namesakes)} live {d.kind} syncs are named {d.name!r} "
                                            f"({', '.join(ids)}); pin one with `id`"))
        elif namesakes:
            owner = pinned.get((d.kind, ids[0]))
            if owner is not None:
                matches.append(Match(d, problem=f"the live {d.kind} named {d.name!r} ({ids[0]}) is pinned by "
                                                f"{owner.label} at {owner.position}"))
            else:
                matches.append(Match(d, namesakes[0]))
        else:
            matches.append(Match(d))
    # an id a file pins is never unmanaged (nor pruned), even when the file's kind is wrong
    pinned_ids = {sync_id for _, sync_id in pinned}
    unmanaged = tuple(
        (kind, item)
        for kind, items in live.items()
        for item in items
        if isinstance(item.get("id"), str) and (kind, item["id"]) not in claimed and item["id"] not in pinned_ids
    )
    return Matching(tuple(matches), unmanaged)
