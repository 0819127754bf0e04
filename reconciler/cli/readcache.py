"""The read cache as plan and drift use it: ``--refresh``, warnings, saving after the run."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

from reconciler.cli.common import emit
from reconciler.config import ApiSettings
from reconciler.planning.cache import ReadCache

F = TypeVar("F", bound=Callable[..., Any])


def refresh_option(fn: F) -> F:
    return click.option(
        "--refresh", is_flag=True,
        help="Read every live sync again instead of answering from the read cache (.reconciler/cache/, "
             "or $RECONCILER_CACHE_DIR); the cache is refilled.")(fn)


def open_cache(settings: ApiSettings, refresh: bool) -> ReadCache:
    cache = ReadCache.for_settings(settings, refresh=refresh)
    for warning in cache.warnings:
        emit(f"Warning: {warning}", err=True)
    return cache


def save_cache(cache: ReadCache) -> None:
    """Write the cache for the next run; a cache that cannot be written only costs reads."""
    try:
        cache.save()
    except OSError as exc:
        emit(f"Warning: cannot write the read cache {cache.path} ({exc.strerror or type(exc).__name__}); "
             "the next run reads every sync", err=True)
