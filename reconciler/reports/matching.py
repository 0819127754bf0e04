"""Match definitions to live syncs, kind-aware: the pinned ``id``, else the one live sync with the name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reconciler.definitions.model import Definition, Kind


@dataclass(frozen=True)
class Match:
    """One definition and the live sync it names (``live`` is None when there is none)."""

    definition: Definition
    live: Mapping[str, Any] | None = None
    problem: str | None = None  # several live syncs carry the name: the tool never guesses

    @property
    def sync_id(self) -> str | None:
        if self.live is None:
            return None
        value = self.live.get("id")
        return value if isinstance(value, str) else None


def match_definitions(
    definitions: Sequence[Definition],
    live: Mapping[Kind, Sequence[Mapping[str, Any]]],
) -> tuple[Match, ...]:
    """One :class:`Match` per definition, sorted by (kind, name). Never guesses between namesakes."""
    by_id: dict[Kind, dict[str, Mapping[str, Any]]] = {}
    by_name: dict[Kind, dict[str, list[Mapping[str, Any]]]] = {}
    for kind, items in live.items():
        for item in items:
            sync_id, name = item.get("id"), item.get("name")
            if isinstance(sync_id, str):
                by_id.setdefault(kind, {})[sync_id] = item
            if isinstance(name, str):
                by_name.setdefault(kind, {}).setdefault(name, []).append(item)
    matches = []
    for definition in definitions:
        kind = definition.kind
        if definition.pinned_id:
            matches.append(Match(definition, by_id.get(kind, {}).get(definition.pinned_id)))
            continue
        namesakes = by_name.get(kind, {}).get(definition.name, [])
        if len(namesakes) == 1:
            matches.append(Match(definition, namesakes[0]))
        elif not namesakes:
            matches.append(Match(definition))
        else:
            ids = ", ".join(sorted(str(s.get("id")) for s in namesakes))
            matches.append(Match(definition, None, f"{len(namesakes)} live {kind}s are named {definition.name!r} ({ids}); pin one with id"))
    return tuple(sorted(matches, key=lambda m: (m.definition.kind, m.definition.name)))
