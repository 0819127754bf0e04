"""Text and Markdown show a referenced connection, model or sync by the name its file uses (JSON keeps ids)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from reconciler.planning.model import Change, FieldDiff


def named(change: Change, diff: FieldDiff) -> FieldDiff:
    """``diff`` with every id the change's references resolved replaced by the referenced name."""
    if not change.names or diff.sensitive:
        return diff
    return dataclasses.replace(diff, before=_swap(diff.before, change.names), after=_swap(diff.after, change.names))


def _swap(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, Mapping):
        return {k: _swap(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_swap(v, names) for v in value]
    return value
