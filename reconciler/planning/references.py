"""``${connection:NAME}``, ``${model:NAME}``, ``${sync:NAME}`` and ``${bulk_sync:NAME}`` in a definition.

Connections and models resolve to the id of the one live object with that name. Syncs resolve to
the live id of the one sync of that kind and name; a sync this same plan creates keeps the
reference text (apply substitutes the new id) and becomes a dependency. Anything else is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Sequence

from reconciler.definitions.grammar import OPEN, REFERENCE_IN_TEXT, references_in, sync_kind
from reconciler.definitions.schema import suggest
from reconciler.planning.secrets import Secret


def schemes_in(value: Any) -> set[str]:
    """The reference schemes used anywhere in ``value``."""
    return {m.group(1) for text in texts_with_open(value) for m in references_in(text)}


@dataclass
class Resolver:
    """Name -> ids lookups for each scheme; ``pending`` keys are syncs created by this plan."""

    connections: Mapping[str, list[str]] = field(default_factory=dict)
    models: Mapping[str, list[str]] = field(default_factory=dict)
    syncs: Mapping[tuple[str, str], list[str]] = field(default_factory=dict)  # (Kind, name) -> live ids
    pending: frozenset[str] = frozenset()  # "Kind/name" of syncs this plan creates

    def resolve(self, value: Any, literal: Collection[str] = frozenset()
                ) -> tuple[Any, list[str], list[tuple[str, str]]]:
        """(value with references resolved, dependency keys, (field path, problem) pairs).

        Strings at ``literal`` paths (written with ``$${``) are data and resolved no further."""
        depends: list[str] = []
        problems: list[tuple[str, str]] = []

        def one(path: str, match: re.Match[str]) -> str:
            scheme, name = match.group(1), match.group(2)
            kind = sync_kind(scheme)
            if kind is not None:
                key = f"{kind}/{name}"
                if key in self.pending:
                    depends.append(key)
                    return match.group(0)
                ids = self.syncs.get((kind, name), [])
                known = [n for k, n in self.syncs if k == kind] + [p.split("/", 1)[1] for p in self.pending
                                                                  if p.startswith(f"{kind}/")]
                what = f"live {kind}"
            else:
                names = self.connections if scheme == "connection" else self.models
                ids = list(names.get(name, []))
                known = list(names)
                what = f"live {scheme}"
            if len(ids) == 1:
                return ids[0]
            if not ids:
                hint = suggest(name, sorted(known))
                problems.append((path, f"{match.group(0)}: no {what} is named {name!r}"
                                       + (f" (did you mean {hint!r}?)" if hint else "")))
            else:
                problems.append((path, f"{match.group(0)}: {len(ids)} {what}s are named {name!r} "
                                       f"({', '.join(sorted(ids))})"))
            return match.group(0)

        resolved = _map(value, "", frozenset(literal),
                        lambda path, text: REFERENCE_IN_TEXT.sub(lambda m: one(path, m), text))
        return resolved, sorted(set(depends)), sorted(set(problems))


def sync_refs(value: Any) -> set[tuple[str, str]]:
    """(Kind, name) of every ``${sync:NAME}`` / ``${bulk_sync:NAME}`` inside ``value``."""
    return {(kind, m.group(2)) for text in texts_with_open(value) for m in references_in(text)
            if (kind := sync_kind(m.group(1))) is not None}


def by_name(items: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item.get("name"), str) and isinstance(item.get("id"), str):
            out.setdefault(item["name"], []).append(item["id"])
    return out


# Walked values are JSON/YAML data, plain dicts and lists: isinstance(x, dict) costs a fraction of an ABC check.
def _map(value: Any, path: str, literal: frozenset[str], fn: Callable[[str, str], str]) -> Any:
    if isinstance(value, str):
        if OPEN not in value or path in literal:
            return value
        if isinstance(value, Secret):
            return value  # an environment value is used as given, never resolved (nor quoted in a problem)
        return fn(path, value)
    if isinstance(value, dict):
        return {k: _map(v, f"{path}.{k}" if path else str(k), literal, fn) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map(v, f"{path}[{i}]", literal, fn) for i, v in enumerate(value)]
    return value


def texts_with_open(value: Any) -> list[str]:
    """Every string inside ``value`` that holds a ``${`` (the only ones a reference can be in)."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if OPEN in item:
                found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def walk_strings(value: Any, visit: Callable[[str], None]) -> None:
    """Call ``visit`` on every string inside ``value`` (dicts and lists, depth first)."""
    if isinstance(value, str):
        visit(value)
    elif isinstance(value, dict):
        for v in value.values():
            walk_strings(v, visit)
    elif isinstance(value, (list, tuple)):
        for v in value:
            walk_strings(v, visit)
