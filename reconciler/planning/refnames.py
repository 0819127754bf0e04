"""The names a definition's references use, so that plans show ``Users`` where the body holds its id."""

from __future__ import annotations

from typing import Any

from reconciler.definitions.grammar import sync_kind, whole_reference
from reconciler.planning.references import Resolver, walk_strings


def referenced_names(value: Any, resolver: Resolver) -> dict[str, str]:
    """Live id -> the name a whole-value ``${connection|model|sync|bulk_sync:NAME}`` in ``value`` resolves it from."""
    out: dict[str, str] = {}

    def visit(text: str) -> None:
        found = whole_reference(text)
        if found is None:
            return
        scheme, name = found
        kind = sync_kind(scheme)
        if kind is not None:
            ids = resolver.syncs.get((kind, name), [])
        else:
            ids = (resolver.connections if scheme == "connection" else resolver.models).get(name, [])
        if len(ids) == 1:
            out[ids[0]] = name

    walk_strings(value, visit)
    return dict(sorted(out.items()))
