"""``${sync:NAME}`` / ``${bulk_sync:NAME}`` references to syncs created earlier in the same run."""

from __future__ import annotations

import re
from typing import Any, Mapping

from reconciler import kinds
from reconciler.planning.references import walk_strings

REF = re.compile(r"\$\{(sync|bulk_sync):([^}]+)\}")


def ref_key(scheme: str, name: str) -> str:
    """The change key (``Kind/name``) a reference points at."""
    return f"{kinds.by_scheme(scheme).name}/{name}"


def references(value: Any) -> set[str]:
    """Change keys referenced anywhere in ``value`` (strings inside dicts and lists)."""
    found: set[str] = set()
    walk_strings(value, lambda text: found.update(ref_key(m.group(1), m.group(2)) for m in REF.finditer(text)))
    return found


def unresolved(value: Any) -> list[str]:
    """The reference texts still present in ``value``, sorted."""
    found: set[str] = set()
    walk_strings(value, lambda text: found.update(m.group(0) for m in REF.finditer(text)))
    return sorted(found)


def substitute(value: Any, ids: Mapping[str, str]) -> Any:
    """A copy of ``value`` with every reference whose key is in ``ids`` replaced by that id."""
    if isinstance(value, str):
        def repl(match: re.Match[str]) -> str:
            return ids.get(ref_key(match.group(1), match.group(2)), match.group(0))

        return REF.sub(repl, value)
    if isinstance(value, Mapping):
        return {k: substitute(v, ids) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [substitute(v, ids) for v in value]
    return value
