"""The names a definition's references use, so that plans show ``Users`` where the body holds its id."""

from __future__ import annotations

from typing import Any

from reconciler import kinds
from reconciler.planning.references import REF, Resolver, walk_strings


def referenced_names(value: Any, resolver: Resolver) -> dict[str, str]:
    """Live id -> the name a whole-value ``${connection|model|sync|bulk_sync:NAME}`` in ``value`` resolves it from."""
    out: dict[str, str] = {}

    def visit(text: str) -> None:
        match = REF.fullmatch(text)
        if match is None:
            return
        scheme, name = match.group(1), match.group(2)
        kind = kinds.sync_schemes().get(scheme)
        if kind is not None:
            ids = resolver.syncs.get((kind, name), [])
        else:
            ids = (resolver.connections if scheme == "connection" else resolver.models).get(name, [])
        if len(ids) == 1:
            out[ids[0]] = name

    walk_strings(value, visit)
    return dict(sorted(out.items()))
