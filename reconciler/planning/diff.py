"""Field-level differences between a live view and a desired view (see :mod:`reconciler.planning.views`).

Mappings are compared key by key (null, missing and empty alike); the unordered lists named in the
kind's ``list_rules`` (:mod:`reconciler.kinds`) are compared as multisets, items paired by a
readable key so that a change inside one item names that item and field (``filters[plan].value``);
other lists are compared whole. Sensitive values (:class:`~reconciler.planning.secrets.Secret`)
are masked in every diff.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping  # isinstance checks: typing's alias is three times slower
from dataclasses import dataclass
from typing import Any, Callable

from reconciler import kinds
from reconciler.planning.model import FieldDiff
from reconciler.planning.views import clean, is_empty
from reconciler.planning.secrets import MASK, Secret, contains_secret, masked

KeyFn = Callable[[Any], str | None]
AlignFn = Callable[[Mapping[str, Any], Mapping[str, Any] | None], Mapping[str, Any]]


def _shown_key(value: Any) -> str | None:
    """A list item's key as it may appear in a path: never a sensitive value."""
    if value is None:
        return None
    return MASK if contains_secret(value) else str(value)


def field_ref(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return None
    field = item.get("field")
    if isinstance(field, Mapping) and field.get("field") is not None:
        return _shown_key(field["field"])
    return _shown_key(item.get("field_id"))


def _named(name: str, item: Any) -> str | None:
    """The key of a list item: its ``name`` field (a plain string item is its own key)."""
    return _shown_key(item.get(name) if isinstance(item, Mapping) else item if isinstance(item, str) else None)


def keyed(name: str) -> KeyFn:
    """The pairing key of items named by their ``name`` field."""
    return functools.partial(_named, name)


def _same(live: Mapping[str, Any], desired: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return live


@dataclass(frozen=True)
class ListRule:
    key: KeyFn | None  # pairs changed items; None: only a single leftover pair is matched
    align: AlignFn = _same


def diff_views(kind: str, live: Mapping[str, Any], desired: Mapping[str, Any]) -> list[FieldDiff]:
    """Every changed path from ``live`` to ``desired``, sorted by path."""
    out: list[FieldDiff] = []
    _diff_mapping("", live, desired, kinds.get(kind).list_rules, out)
    return sorted(out, key=lambda d: d.path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _diff_mapping(path: str, live: Mapping[str, Any], desired: Mapping[str, Any], rules: Mapping[str, ListRule],
                  out: list[FieldDiff]) -> None:
    for key in sorted(set(live) | set(desired), key=str):
        before, after = live.get(key), desired.get(key)
        sub = _join(path, str(key))
        rule = rules.get(key)  # (nested mappings are diffed without rules)
        if rule is not None and (isinstance(before, list) or isinstance(after, list)):
            _diff_list(sub, list(before or []), list(after or []), rule, out)
        else:
            _diff_value(sub, before, after, out)


# Walked values are JSON/YAML data, plain dicts and lists: isinstance(x, dict) costs a fraction of an ABC check.
def _diff_value(path: str, before: Any, after: Any, out: list[FieldDiff]) -> None:
    if is_empty(before) and is_empty(after):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        _diff_mapping(path, before, after, {}, out)
        return
    if isinstance(after, dict) and is_empty(before):
        _diff_mapping(path, {}, after, {}, out)
        return
    if isinstance(before, dict) and is_empty(after):
        _diff_mapping(path, before, {}, {}, out)
        return
    if _equal(before, after):
        return
    out.append(leaf(path, before, after))


def _equal(a: Any, b: Any) -> bool:
    return same_value(clean(a), clean(b))


def same_value(a: Any, b: Any) -> bool:
    """JSON equality: unlike Python's ``==``, ``true`` is not ``1`` and ``false`` is not ``0``
    (``1`` and ``1.0`` are one JSON number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def leaf(path: str, before: Any, after: Any, *, write_only: bool = False) -> FieldDiff:
    """One diff, with sensitive values masked."""
    before = None if is_empty(before) else before
    after = None if is_empty(after) else after
    if isinstance(after, Secret) or isinstance(before, Secret):
        return FieldDiff(path, MASK if before is not None else None, MASK if after is not None else None,
                         sensitive=True, write_only=write_only)
    return FieldDiff(path, masked(before), masked(after), write_only=write_only)


def _diff_list(path: str, live: list[Any], desired: list[Any], rule: ListRule, out: list[FieldDiff]) -> None:
    left = list(live)
    added: list[Any] = []
    for item in desired:
        match = _find(left, item, rule)
        if match is None:
            added.append(item)
        else:
            left.pop(match)
    removed = left
    if rule.key is not None:
        pairs, added, removed = _pair_by_key(added, removed, rule.key)
    elif len(added) == 1 and len(removed) == 1:
        pairs, added, removed = [(added[0], removed[0], str(desired.index(added[0])))], [], []
    else:
        pairs = []
    for want, have, label in pairs:
        aligned = rule.align(have, want) if isinstance(have, Mapping) and isinstance(want, Mapping) else have
        _diff_value(f"{path}[{label}]", aligned, want, out)
    for item in removed:
        out.append(leaf(f"{path}[{_label(item, rule, live)}]", item, None))
    for item in added:
        out.append(leaf(f"{path}[{_label(item, rule, desired)}]", None, item))


def _find(candidates: list[Any], item: Any, rule: ListRule) -> int | None:
    for i, have in enumerate(candidates):
        if isinstance(have, dict) and isinstance(item, dict):
            if _equal(rule.align(have, item), item):
                return i
        elif _equal(have, item):
            return i
    return None


def _pair_by_key(added: list[Any], removed: list[Any],
                 key: KeyFn) -> tuple[list[tuple[Any, Any, str]], list[Any], list[Any]]:
    def keyed(items: list[Any]) -> dict[str, list[Any]]:
        groups: dict[str, list[Any]] = {}
        for item in items:
            k = key(item)
            if k is not None:
                groups.setdefault(k, []).append(item)
        return groups

    want, have = keyed(added), keyed(removed)
    pairs = []
    for k in sorted(set(want) & set(have)):
        if len(want[k]) == 1 and len(have[k]) == 1:
            pairs.append((want[k][0], have[k][0], k))
    paired_w = {id(p[0]) for p in pairs}
    paired_h = {id(p[1]) for p in pairs}
    return pairs, [a for a in added if id(a) not in paired_w], [r for r in removed if id(r) not in paired_h]


def _label(item: Any, rule: ListRule, items: list[Any]) -> str:
    if rule.key is not None:
        k = rule.key(item)
        if k is not None:
            return k
    return str([id(candidate) for candidate in items].index(id(item)))

