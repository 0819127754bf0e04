"""Checks across all definitions: unique names per kind, sane ``runafter`` chains."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from reconciler import kinds
from reconciler.definitions.grammar import REFERENCE
from reconciler.definitions.model import Definition
from reconciler.errors import DefinitionError


def cross_file_problems(definitions: Sequence[Definition]) -> list[DefinitionError]:
    return _duplicate_names(definitions) + _duplicate_ids(definitions) + _run_after(definitions)


def cross_file_warnings(definitions: Sequence[Definition]) -> list[DefinitionError]:
    """Names shared by definitions that all pin an id: the API allows it and the ids tell them apart."""
    out = []
    for (kind, name), group in _name_groups(definitions).items():
        if len(group) > 1 and _all_pinned(group):
            for d in group:
                others = ", ".join(str(o.position_of("name")) for o in group if o is not d)
                out.append(DefinitionError(
                    f"{kind} name {name!r} is also used at {others}; allowed because each pins its id, "
                    "but ${sync:...} references to this name are ambiguous", d.position_of("name"), "name", d.label))
    return out


def _name_groups(definitions: Sequence[Definition]) -> dict[tuple[str, str], list[Definition]]:
    groups: dict[tuple[str, str], list[Definition]] = defaultdict(list)
    for d in definitions:
        if d.name:
            groups[(d.kind, d.name)].append(d)
    return groups


def _all_pinned(group: Sequence[Definition]) -> bool:
    """Every definition pins an id, and no two the same one (that is its own error)."""
    ids = [d.pinned_id.lower() for d in group if d.pinned_id]
    return len(ids) == len(group) and len(set(ids)) == len(ids)


def _duplicate_names(definitions: Sequence[Definition]) -> list[DefinitionError]:
    problems = []
    for (kind, name), group in _name_groups(definitions).items():
        if len(group) < 2 or _all_pinned(group):
            continue
        for d in group:
            others = ", ".join(str(o.position_of("name")) for o in group if o is not d)
            problems.append(DefinitionError(
                f"duplicate {kind} name {name!r}: also defined at {others}; names must be unique per kind",
                d.position_of("name"), "name", d.label))
    return problems


def _duplicate_ids(definitions: Sequence[Definition]) -> list[DefinitionError]:
    groups: dict[str, list[Definition]] = defaultdict(list)
    for d in definitions:
        if d.pinned_id:
            groups[d.pinned_id.lower()].append(d)
    problems = []
    for group in groups.values():
        if len(group) < 2:
            continue
        for d in group:
            others = ", ".join(f"{o.label} at {o.id_position or o.position}" for o in group if o is not d)
            problems.append(DefinitionError(f"id {d.pinned_id} is also pinned by {others}",
                                            d.id_position or d.position, "id", d.label))
    return problems


def _sync_refs(d: Definition) -> list[tuple[int, str]]:
    schedule = d.spec.get("schedule")
    run_after = schedule.get("run_after") if isinstance(schedule, dict) else None
    ids = run_after.get("sync_ids") if isinstance(run_after, dict) else None
    out = []
    for i, item in enumerate(ids if isinstance(ids, list) else []):
        match = REFERENCE.match(item) if isinstance(item, str) else None
        if match and match.group(1) == "sync":
            out.append((i, match.group(2)))
    return out


def _run_after(definitions: Sequence[Definition]) -> list[DefinitionError]:
    named = kinds.by_scheme("sync").name  # what schedule.run_after.sync_ids names
    models = {d.name: d for d in definitions if d.kind == named and d.name}
    problems = []
    edges: dict[str, list[str]] = {}
    for d in models.values():
        edges[d.name] = []
        for i, name in _sync_refs(d):
            path = f"schedule.run_after.sync_ids[{i}]"
            if name == d.name:
                problems.append(DefinitionError("a sync cannot run after itself", d.position_of(path), path, d.label))
            elif name in models:
                edges[d.name].append(name)
    reported: set[frozenset[str]] = set()
    for start in sorted(edges):
        cycle = _find_cycle(start, edges)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            d = models[start]
            chain = " -> ".join([*cycle, cycle[0]])
            problems.append(DefinitionError(f"runafter chain loops back: {chain}",
                                            d.position_of("schedule.run_after"), "schedule.run_after", d.label))
    return problems


def _find_cycle(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """A cycle through ``start``, as the list of names along it."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for nxt in edges.get(node, []):
            if nxt == start:
                return trail
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*trail, nxt]))
    return None
