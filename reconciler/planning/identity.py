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

    def unrefused(self) -> list[Match]:
        """The matches the tool did not refuse (no problem)."""
        return [m for m in self.matches if not m.problem]


def match(definitions: Sequence[Definition], live: Mapping[Kind, Sequence[Mapping[str, Any]]]) -> Matching:
    """Match every definition; list the live syncs nobody claims (namesakes of a definition are claimed)."""
    index = _Index(definitions, live)
    matches = tuple(index.match(d) for d in definitions)
    # an id a file pins is never unmanaged (nor pruned), even when the file's kind is wrong
    pinned_ids = {sync_id for _, sync_id in index.pinned}
    unmanaged = tuple(
        (kind, item)
        for kind, items in live.items()
        for item in items
        if isinstance(item.get("id"), str) and (kind, item["id"]) not in index.claimed
        and item["id"] not in pinned_ids
    )
    return Matching(matches, unmanaged)


class _Index:
    """The live syncs by id, name and name key; the definitions by pinned id; what is claimed so far."""

    def __init__(self, definitions: Sequence[Definition], live: Mapping[Kind, Sequence[Mapping[str, Any]]]) -> None:
        self.live = live
        self.by_id: dict[tuple[Kind, str], Mapping[str, Any]] = {}
        self.by_name: dict[tuple[Kind, str], list[Mapping[str, Any]]] = {}
        self.by_key: dict[tuple[Kind, str], list[Mapping[str, Any]]] = {}  # names as a server may normalise them
        for kind, items in live.items():
            for item in items:
                if isinstance(item.get("id"), str):
                    self.by_id[(kind, item["id"])] = item
                if isinstance(item.get("name"), str):
                    self.by_name.setdefault((kind, item["name"]), []).append(item)
                    self.by_key.setdefault((kind, name_key(item["name"])), []).append(item)
        self.pinned: dict[tuple[Kind, str], Definition] = {}
        self.twice: dict[tuple[Kind, str], list[Definition]] = {}
        for d in definitions:
            if d.pinned_id:
                self.twice.setdefault((d.kind, d.pinned_id), []).append(d)
                self.pinned.setdefault((d.kind, d.pinned_id), d)
        self.claimed: set[tuple[Kind, str]] = set()

    def match(self, d: Definition) -> Match:
        if isinstance(d.pinned_id, UnknownValue):  # read-only commands without the variable
            # its namesake is likely its own sync: never unmanaged, never pruned
            self.claimed.update((d.kind, str(s.get("id"))) for s in self.by_name.get((d.kind, d.name), []))
            return Match(d, problem=f"id {d.pinned_id}: which live sync this is cannot be told until it is set")
        if d.pinned_id:
            return self._by_pinned_id(d, d.pinned_id)
        return self._by_name(d)

    def _by_pinned_id(self, d: Definition, pinned_id: str) -> Match:
        item = self.by_id.get((d.kind, pinned_id))
        self.claimed.add((d.kind, pinned_id))
        others = [o for o in self.twice[(d.kind, pinned_id)] if o is not d]
        if others:
            where = ", ".join(f"{o.label} at {o.position}" for o in others)
            return Match(d, problem=f"id {pinned_id} is also pinned by {where}")
        if item is None:
            other = next((k for k in self.live if k != d.kind and (k, pinned_id) in self.by_id), None)
            hint = f" (it is a {other}: check `kind`)" if other else "; remove `id` to create a new sync"
            return Match(d, problem=f"pinned id {pinned_id} matches no live {d.kind}{hint}")
        return Match(d, item)

    def _by_name(self, d: Definition) -> Match:
        namesakes = self.by_name.get((d.kind, d.name)) or self.by_key.get((d.kind, name_key(d.name)), [])
        ids = sorted(str(s.get("id")) for s in namesakes)
        self.claimed.update((d.kind, i) for i in ids)
        if len(namesakes) > 1:
            return Match(d, problem=f"{len(namesakes)} live {d.kind} syncs are named {d.name!r} "
                                    f"({', '.join(ids)}); pin one with `id`")
        if not namesakes:
            return Match(d)
        owner = self.pinned.get((d.kind, ids[0]))
        if owner is not None:
            return Match(d, problem=f"the live {d.kind} named {d.name!r} ({ids[0]}) is pinned by "
                                    f"{owner.label} at {owner.position}")
        return Match(d, namesakes[0])
