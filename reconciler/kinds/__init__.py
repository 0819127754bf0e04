"""The registry of sync kinds: one module per kind (:mod:`.model`, :mod:`.bulk`) holds what differs.

Adding a kind is one module defining ``KIND`` plus its name in :data:`_MODULES`. The entries are
loaded on first use, so a kind's module may bind hooks into any package that itself asks the
registry (no import cycle).
"""

from __future__ import annotations

import functools
import importlib

from reconciler.kinds.base import ExportRule, MergedList, Routes, SyncKind, WriteOnlyPlaceholder

__all__ = ["ExportRule", "MergedList", "Routes", "SyncKind", "WriteOnlyPlaceholder",
           "all", "get", "names", "by_scheme", "streamed", "sync_schemes", "write_only_keys", "write_only_paths"]

_MODULES = ("reconciler.kinds.model", "reconciler.kinds.bulk")  # the registry's (stable) order


@functools.cache
def _entries() -> tuple[SyncKind, ...]:
    return tuple(importlib.import_module(module).KIND for module in _MODULES)


def all() -> tuple[SyncKind, ...]:
    """Every kind, in registry order."""
    return _entries()


def names() -> tuple[str, ...]:
    return tuple(k.name for k in _entries())


@functools.cache
def get(name: str) -> SyncKind:
    """The kind called ``name``; ValueError for one the registry does not know."""
    for kind in _entries():
        if kind.name == name:
            return kind
    raise ValueError(f"unknown kind {name!r}")


def by_scheme(scheme: str) -> SyncKind:
    """The kind a ``${scheme:NAME}`` reference names (``sync``, ``bulk_sync``)."""
    for kind in _entries():
        if kind.ref_scheme == scheme:
            return kind
    raise ValueError(f"unknown sync reference scheme {scheme!r}")


@functools.cache
def streamed() -> SyncKind:
    """The kind whose listing offers its pages as they come (``streams_listing``): the plan pages it
    itself, starting reads and comparisons meanwhile, and reads the other kinds' listings alongside."""
    [kind] = [k for k in _entries() if k.streams_listing]
    return kind


@functools.cache
def sync_schemes() -> dict[str, str]:
    """``${scheme:NAME}`` reference scheme (``sync``, ``bulk_sync``) -> the name of the kind it names."""
    return {kind.ref_scheme: kind.name for kind in _entries()}


@functools.cache
def write_only_keys() -> frozenset[str]:
    """Request keys of any kind whose values are always secret (``encryption_passphrase``)."""
    return frozenset(key for kind in _entries() for key in kind.always_sensitive)


@functools.cache
def write_only_paths() -> frozenset[str]:
    """Every write-only path of any kind."""
    return frozenset(path for kind in _entries() for path in kind.write_only_paths)
