"""Ids of syncs created earlier in the same run, put where the plan left a ``${sync:NAME}`` reference.

A sync reference is a whole value in a ``run_after`` id field (:func:`~reconciler.definitions.grammar.reference_slot`);
the same text anywhere else is data (a file writes it with ``$${``) and is sent exactly as it is.
Which changes wait for which is the plan's ``depends_on``: nothing here re-derives it.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from reconciler.definitions.grammar import reference_slot, sync_key, sync_kind, whole_reference


def slot_reference(path: str, value: Any) -> str | None:
    """The change key (``Kind/name``) the value at ``path`` refers to, or None (an id, or text elsewhere)."""
    slot = reference_slot(path)
    if slot is None or sync_kind(slot) is None or not isinstance(value, str):
        return None
    found = whole_reference(value)
    return sync_key(*found) if found is not None and found[0] == slot else None


def substitute(value: Any, ids: Mapping[str, str], path: str = "") -> Any:
    """A copy of ``value`` with every sync reference whose key is in ``ids`` replaced by that id."""
    if isinstance(value, Mapping):
        return {k: substitute(v, ids, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [substitute(v, ids, f"{path}[{i}]") for i, v in enumerate(value)]
    key = slot_reference(path, value)
    return ids.get(key, value) if key is not None else value


def unresolved(value: Any) -> list[str]:
    """The sync reference texts still present in ``value``, sorted."""
    return sorted({text for path, text in _strings(value, "") if slot_reference(path, text) is not None})


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")
