"""The drift report: a plan's pending changes, unmanaged live syncs and unhealthy managed syncs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from reconciler.api.client import PolytomicClient, map_concurrent
from reconciler.config import Ownership
from reconciler.definitions.model import Definition, Kind
from reconciler.errors import ApiError, Position
from reconciler.planning.cache import ReadCache
from reconciler.planning.model import Change, Plan, Problem, Unmanaged
from reconciler.planning.planner import plan_against
from reconciler.reports.executions import Execution
from reconciler.reports.health import HealthIssue, assess
from reconciler.reports.status import list_live, read_status


@dataclass(frozen=True)
class UnhealthySync:
    """A managed sync whose last execution failed or had errors, or that is inactive against its file."""

    kind: Kind
    name: str
    sync_id: str
    issues: tuple[HealthIssue, ...]
    source: Position | None = None
    execution: Execution | None = None  # the last execution, with its error messages

    @property
    def errors(self) -> tuple[str, ...]:
        return self.execution.errors if self.execution is not None else ()


@dataclass(frozen=True)
class DriftSummary:
    create: int
    update: int
    delete: int
    unmanaged: int
    unhealthy: int
    errors: int
    unchanged: int

    @property
    def drifted(self) -> bool:
        return bool(self.create or self.update or self.delete or self.unmanaged or self.unhealthy)

    def line(self) -> str:
        if not self.drifted and not self.errors:
            plural = self.unchanged != 1
            return (f"No drift: {self.unchanged} managed sync{'s' if plural else ''} match{'' if plural else 'es'} "
                    "their files and are healthy.")
        text = (
            f"Drift: {self.create} to create, {self.update} to update, {self.delete} to delete, "
            f"{self.unmanaged} unmanaged, {self.unhealthy} unhealthy."
        )
        if self.errors:
            text += f" {self.errors} error{'s' if self.errors != 1 else ''}."
        return text


@dataclass(frozen=True)
class DriftReport:
    changes: tuple[Change, ...] = ()  # only changes that would write something, sorted by (kind, name)
    unmanaged: tuple[Unmanaged, ...] = ()
    unhealthy: tuple[UnhealthySync, ...] = ()
    problems: tuple[Problem, ...] = ()
    unchanged: int = 0  # managed syncs with nothing to change

    @property
    def summary(self) -> DriftSummary:
        count = {"create": 0, "update": 0, "delete": 0}
        for change in self.changes:
            count[change.action] += 1
        return DriftSummary(
            create=count["create"],
            update=count["update"],
            delete=count["delete"],
            unmanaged=len(self.unmanaged),
            unhealthy=len(self.unhealthy),
            errors=len(self.problems),
            unchanged=self.unchanged,
        )

    @property
    def has_drift(self) -> bool:
        return self.summary.drifted


@dataclass(frozen=True)
class HealthTarget:
    """A managed sync that exists live, with what its file wants."""

    definition: Definition
    sync_id: str


def _without_resends(change: Change) -> Change:
    """An update without its write-only lines: re-sending what cannot be read back is not drift."""
    if change.action != "update":
        return change
    return replace(change, diffs=tuple(d for d in change.diffs if not d.write_only))


def build_drift_report(
    plan: Plan,
    unhealthy: Sequence[UnhealthySync] = (),
    problems: Sequence[Problem] = (),
) -> DriftReport:
    """Combine a plan with health findings into a sorted, frozen report."""
    changes = tuple(sorted((_without_resends(c) for c in plan.pending),
                           key=lambda c: (c.kind, c.name, c.sync_id or "")))
    return DriftReport(
        changes=changes,
        unmanaged=tuple(sorted(plan.unmanaged, key=lambda u: (u.kind, u.name, u.sync_id))),
        unhealthy=tuple(sorted(unhealthy, key=lambda u: (u.kind, u.name, u.sync_id))),
        problems=tuple(plan.problems) + tuple(problems),
        unchanged=plan.summary.unchanged,
    )


def health_targets(plan: Plan, definitions: Sequence[Definition]) -> tuple[HealthTarget, ...]:
    """Managed syncs the plan matched to a live sync (updates and no-ops), with their definitions."""
    by_key = {(d.kind, d.name): d for d in definitions}
    targets = []
    for change in plan.changes:
        definition = by_key.get((change.kind, change.name))
        if change.action in ("update", "no-op") and change.sync_id and definition is not None:
            targets.append(HealthTarget(definition, change.sync_id))
    return tuple(sorted(targets, key=lambda t: (t.definition.kind, t.definition.name)))


def check_health(
    client: PolytomicClient,
    targets: Sequence[HealthTarget],
    live_active: Mapping[tuple[Kind, str], bool],
    *,
    parallelism: int = 4,
) -> tuple[tuple[UnhealthySync, ...], tuple[Problem, ...]]:
    """Read the status of every target; return the unhealthy ones and any status that could not be read."""

    def one(target: HealthTarget) -> UnhealthySync | Problem | None:
        d = target.definition
        try:
            snapshot = read_status(client, d.kind, target.sync_id)
        except ApiError as exc:
            return Problem(f"status could not be read: {exc}", kind=d.kind, name=d.name, source=d.position)
        wants = d.spec.get("active")
        issues = assess(
            snapshot,
            wants_active=wants if isinstance(wants, bool) else None,
            live_active=live_active.get((d.kind, target.sync_id)),
        )
        if not issues:
            return None
        return UnhealthySync(d.kind, d.name, target.sync_id, issues, source=d.position, execution=snapshot.latest)

    results = map_concurrent(one, targets, parallelism)
    unhealthy = tuple(r for r in results if isinstance(r, UnhealthySync))
    problems = tuple(r for r in results if isinstance(r, Problem))
    return unhealthy, problems


def active_states(client: PolytomicClient, kinds: Sequence[Kind]) -> dict[tuple[Kind, str], bool]:
    """``(kind, id) -> active`` for every live sync of the given kinds."""
    states: dict[tuple[Kind, str], bool] = {}
    for kind, items in list_live(client, kinds).items():
        for item in items:
            if isinstance(item.get("id"), str) and isinstance(item.get("active"), bool):
                states[(kind, item["id"])] = item["active"]
    return states


def collect_drift(client: PolytomicClient, definitions: Sequence[Definition], *, parallelism: int = 4,
                  owns: Ownership | None = None, cache: ReadCache | None = None) -> DriftReport:
    """Plan (read-only, no prune), then read the status of every managed live sync.

    Unmanaged syncs outside ``owns`` are not this repository's business: never drift."""
    plan = plan_against(client, definitions, prune=None, parallelism=parallelism, owns=owns, cache=cache)
    targets = health_targets(plan, definitions)
    wanted = sorted({t.definition.kind for t in targets if t.definition.spec.get("active") is True})
    live_active = active_states(client, wanted) if wanted else {}
    unhealthy, problems = check_health(client, targets, live_active, parallelism=parallelism)
    return build_drift_report(plan, unhealthy, problems)
