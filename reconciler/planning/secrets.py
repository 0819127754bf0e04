"""Sensitive values inside a definition, marked so that comparison keeps them and display never shows them."""

from __future__ import annotations

from typing import Any, Iterable

# Walked values are JSON/YAML data, plain dicts and lists: isinstance(x, dict) costs a fraction of an ABC check.

MASK = "(sensitive)"


class Secret(str):
    """A string that must never be shown. Compares and hashes like the plain string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret(***)"


def mark(value: Any, sensitive_paths: Iterable[str], path: str = "") -> Any:
    """A copy of ``value`` whose strings at (or under) any of ``sensitive_paths`` are :class:`Secret`."""
    paths = frozenset(sensitive_paths)
    if not paths:
        return _copy(value)
    return _mark(value, paths, path, False)


def _mark(value: Any, paths: frozenset[str], path: str, inside: bool) -> Any:
    inside = inside or path in paths
    if isinstance(value, str):
        return Secret(value) if inside else value
    if isinstance(value, dict):
        return {k: _mark(v, paths, f"{path}.{k}" if path else str(k), inside) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mark(v, paths, f"{path}[{i}]", inside) for i, v in enumerate(value)]
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_secret(v) for v in value)
    return False


def masked(value: Any) -> Any:
    """``value`` with every :class:`Secret` replaced by ``(sensitive)``; plain types only."""
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """``value`` with every :class:`Secret` turned back into a plain ``str`` (for request bodies)."""
    if isinstance(value, Secret):
        return str.__str__(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
