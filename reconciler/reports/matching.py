"""Match definitions to live syncs, kind-aware: the pinned ``id``, else the one live sync with the name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reconciler.definitions.model import Definition, Kind
from reconciler.planning.identity import match


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
    """One :class:`Match` per definition, sorted by (kind, name). Never guesses between namesakes.

    The same identity rules as ``plan`` (:mod:`reconciler.planning.identity`), so that ``status``
    never shows a sync the plan would not manage: a pinned id that matches no live sync, an id
    pinned twice, or a name whose live sync another file pins is a problem, not a silent match.
    """
    matching = match(definitions, live)
    matches = [Match(m.definition, None if m.problem else m.item, m.problem) for m in matching.matches]
    return tuple(sorted(matches, key=lambda m: (m.definition.kind, m.definition.name)))
