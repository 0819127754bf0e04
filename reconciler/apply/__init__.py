"""Apply: carry out a frozen Plan against the API, safely, idempotently and concurrently.

The applier reads the Plan and never recomputes it. Public entry points:

- :func:`apply_plan` -- run every pending change and return an :class:`ApplyResult`;
- :func:`find_stale` -- re-read a saved plan's targets (``stale`` outcomes);
- :func:`check_deletions` / :func:`require_scope` -- prune safety checks before any write.
"""

from __future__ import annotations

from typing import Mapping

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.api.stop import Stop
from reconciler.apply.executor import ProgressFn, StartFn, execute
from reconciler.apply.outcome import ApplyResult, Outcome
from reconciler.apply.prune import check_deletions, require_scope
from reconciler.apply.stale import find_stale
from reconciler.apply.twins import settle_twins
from reconciler.apply.writer import Confirms, Writer
from reconciler.planning.model import Plan

__all__ = [
    "ApplyResult",
    "Outcome",
    "apply_plan",
    "check_deletions",
    "find_stale",
    "require_scope",
]


def apply_plan(
    client: PolytomicClient,
    plan: Plan,
    *,
    parallelism: int = 4,
    policy: RetryPolicy | None = None,
    preset: Mapping[str, Outcome] | None = None,
    confirms: Confirms | None = None,
    on_done: ProgressFn | None = None,
    on_start: StartFn | None = None,
    stop: Stop | None = None,
) -> ApplyResult:
    """Carry out every pending change of ``plan``; the outcome of each, sorted by (kind, name)."""
    writer = Writer(client, policy, confirms=confirms)
    result = execute(plan.changes, writer.write, parallelism=parallelism, preset=preset, on_done=on_done,
                     on_start=on_start, stop=stop)
    if stop is not None and stop.is_set():
        return result  # no new request: the next run's plan finds any twin
    return settle_twins(client, result, writer.created, lambda change: writer.write(change, None))
