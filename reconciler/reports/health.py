"""Whether a managed sync is healthy: judged from its status snapshot and its definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reconciler.reports.executions import StatusSnapshot

IssueCode = Literal["last_execution_failed", "last_execution_errors", "inactive"]


@dataclass(frozen=True)
class HealthIssue:
    code: IssueCode
    message: str


def assess(snapshot: StatusSnapshot, *, wants_active: bool | None, live_active: bool | None) -> tuple[HealthIssue, ...]:
    """Every reason a managed sync is unhealthy; empty when it is healthy.

    - its last execution failed (``failed``, ``interrupted``, bulk ``errors``);
    - its last execution finished with errors (error messages or an error count above zero);
    - it is inactive although its file says ``active: true``.
    """
    issues: list[HealthIssue] = []
    last = snapshot.latest
    if last is not None and last.failed:
        issues.append(HealthIssue("last_execution_failed", f"last execution {last.status}" + _when(last.completed_at)))
    elif last is not None and last.has_errors:
        count = last.counts.error
        detail = f"{count} record error{'s' if count != 1 else ''}" if count else "errors"
        what = f"last execution {last.status or 'finished'} with {detail}"
        issues.append(HealthIssue("last_execution_errors", what + _when(last.completed_at)))
    if wants_active is True and live_active is False:
        issues.append(HealthIssue("inactive", "inactive, but its file says active: true"))
    return tuple(issues)


def _when(stamp: str | None) -> str:
    return f" at {stamp}" if stamp else ""
