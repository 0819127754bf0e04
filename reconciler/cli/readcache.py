"""``--refresh`` for plan and drift (the read cache itself: :mod:`reconciler.usecases.common`)."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def refresh_option(fn: F) -> F:
    return click.option(
        "--refresh", is_flag=True,
        help="Read every live sync again instead of answering from the read cache (.reconciler/cache/, "
             "or $RECONCILER_CACHE_DIR); the cache is refilled.")(fn)
