"""`apply`: carry out a fresh or saved plan, safely and concurrently.

The workflow: plan from the files (and judge a saved plan against it), refuse the whole apply on
plan problems or disallowed deletions, show the plan, ask for confirmation, re-check the deletes
after the prompt, carry out every change, collect the outcomes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reconciler.api.client import PolytomicClient
from reconciler.api.stop import Stop
from reconciler.apply import ApplyResult, Outcome, apply_plan, check_deletions, find_stale, require_scope
from reconciler.apply.executor import ProgressFn, StartFn
from reconciler.apply.prune import DEFAULT_MAX_DELETES
from reconciler.apply.replan import check_saved
from reconciler.config import ProjectConfig, PruneScope
from reconciler.errors import PlanError
from reconciler.planning.model import Plan
from reconciler.planning.planner import plan_against
from reconciler.planning.rotation import resent_in
from reconciler.planning.saved import load_plan
from reconciler.planning.unknowns import require_known
from reconciler.render.values import shown_name
from reconciler.usecases.common import (
    Connect,
    Warn,
    definition_paths,
    ignore,
    refuse_empty_prune,
    register_definition_secrets,
    register_plan_secrets,
    selected,
)


@dataclass(frozen=True)
class ApplyOptions:
    paths: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    resend: tuple[str, ...] = ()
    plan_file: str | None = None
    partial: bool = False
    auto_approve: bool = False
    prune: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    parallelism: int | None = None


def _no_answer() -> bool:
    return False


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class ApplyIO:
    """What the workflow needs from whoever runs it; every part is optional."""

    show_plan: Callable[[Plan], None] = lambda plan: None  # the plan about to be carried out
    warn: Warn = ignore  # one line for the person or log (refused and unsaved changes, plan problems)
    confirm: Callable[[], bool] = _no_answer  # asked unless auto_approve; False cancels the apply
    writing: Callable[[], None] = _nothing  # the writes begin: from here a stop ends them with a summary
    started: StartFn | None = None
    finished: ProgressFn | None = None


@dataclass(frozen=True)
class ApplyRun:
    plan: Plan  # what was carried out: the fresh plan, or the part of it a saved plan allows
    result: ApplyResult  # every change with its outcome (saved changes settled already included)
    stopped: bool = False  # a stop (SIGINT / SIGTERM) ended the writes early
    stopped_by: int | None = None  # the signal's number, when a signal asked for the stop

    def tally(self) -> dict[str, int]:
        """The summary of a stopped apply: done, failed, in flight, not started."""
        count = self.result.count
        return {"done": count("done"), "failed": count("failed") + count("skipped"),
                "in_flight": count("interrupted"), "not_started": count("not-started")}


def run_apply(connect: Connect, project: ProjectConfig, options: ApplyOptions = ApplyOptions(),
              io: ApplyIO = ApplyIO(), *, stop: Stop | None = None,
              environ: Mapping[str, str] | None = None) -> ApplyRun:
    """Make the live organisation match the files (or carry out the saved ``plan_file``)."""
    env = os.environ if environ is None else environ
    scope = require_scope(options.prune, project.prune)
    workers = options.parallelism or project.parallelism
    with connect(workers) as client:
        plan, settled = _plan_to_apply(client, project, options, scope, workers, env, io.warn)
        io.show_plan(plan)
        if not plan.has_changes:
            return ApplyRun(plan=plan, result=ApplyResult.of(list(settled)))
        stale = _approve(client, plan, options, io, workers)
        io.writing()
        result = apply_plan(client, plan, parallelism=workers, policy=client.retry, preset=stale,
                            on_start=io.started, on_done=io.finished, stop=stop)
    stopped = stop is not None and stop.is_set()
    return ApplyRun(plan=plan, result=ApplyResult.of([*result.outcomes, *settled]),
                    stopped_by=stop.signum if stop is not None else None, stopped=stopped)


def _plan_to_apply(client: PolytomicClient, project: ProjectConfig, options: ApplyOptions, scope: PruneScope | None,
                   workers: int, environ: Mapping[str, str], warn: Warn) -> tuple[Plan, tuple[Outcome, ...]]:
    """The plan to carry out and the saved changes settled already; raises before any write when refused."""
    saved = load_plan(options.plan_file, environ) if options.plan_file else None
    resend = options.resend
    if saved is not None:
        register_plan_secrets(saved)
        check_deletions(saved, prune=options.prune, scope=project.prune, max_deletes=options.max_deletes)
        resend = (*resend, *resent_in(saved))
    plan = _fresh_plan(client, project, options, scope, workers, resend, environ)
    register_plan_secrets(plan)
    _refuse_problems(plan, warn)
    settled: tuple[Outcome, ...] = ()
    if saved is not None:
        plan, settled = _judge_saved(saved, plan, options.partial, warn)
    check_deletions(plan, prune=options.prune, scope=project.prune, max_deletes=options.max_deletes)
    return plan, settled


def _fresh_plan(client: PolytomicClient, project: ProjectConfig, options: ApplyOptions, scope: PruneScope | None,
                workers: int, resend: tuple[str, ...], environ: Mapping[str, str]) -> Plan:
    selection, owns = selected(options.paths, options.targets, project, environ, prune=scope is not None,
                               resend=resend)
    definitions = list(selection.definitions)
    require_known(definitions)  # every missing variable named at once, before any request
    refuse_empty_prune(definitions, scope, definition_paths(options.paths, project))
    register_definition_secrets(definitions)
    return plan_against(client, definitions, prune=scope, parallelism=workers, owns=owns,
                        resend_write_only=frozenset(resend))


def _refuse_problems(plan: Plan, warn: Warn) -> None:
    """The problems gate: a plan with per-sync problems is not carried out at all."""
    if not plan.problems:
        return
    for problem in plan.problems:
        warn(f"Error: {problem_text(problem)}")
    raise PlanError(f"{len(plan.problems)} problem(s) in the plan; nothing was applied")


def problem_text(problem: Any) -> str:
    where = f"{problem.source}: " if getattr(problem, "source", None) else ""
    named = getattr(problem, "kind", None) and getattr(problem, "name", None)
    what = f'{problem.kind} "{problem.name}": ' if named else ""
    return f"{where}{what}{problem.message}"


def _judge_saved(saved: Plan, fresh: Plan, partial: bool, warn: Warn) -> tuple[Plan, tuple[Outcome, ...]]:
    """The part of a fresh plan a saved one may carry out, and the saved changes settled already.

    All or nothing unless ``partial``: any refused change stops the apply before a write.
    """
    check = check_saved(saved, fresh)
    for change in check.unsaved:
        warn(f"Not in the saved plan, not applied: {change.action} {change.kind} {shown_name(change.name)}")
    _report_refused({o.key + o.action + (o.sync_id or ""): o for o in check.refused}, warn)
    if check.refused and not partial:
        raise PlanError(f"{len(check.refused)} saved change(s) differ from what a fresh plan would do; nothing was "
                        "applied (run `reconciler plan --out` again, or pass --partial to apply the others)")
    return check.accepted, check.done + (check.refused if partial else ())


def _approve(client: PolytomicClient, plan: Plan, options: ApplyOptions, io: ApplyIO,
             workers: int) -> dict[str, Outcome]:
    """Confirmation (unless auto-approved), then the deletes that went stale meanwhile, refused."""
    if options.auto_approve:
        return {}
    if not io.confirm():
        raise PlanError("apply cancelled; nothing was sent")
    # The prompt may have waited for minutes: never delete a sync that moved meanwhile
    # (renamed out of the prune scope, say). Updates re-assert the files anyway.
    deletes = Plan(changes=tuple(c for c in plan.pending if c.action == "delete"))
    stale = find_stale(client, deletes, parallelism=workers)
    _report_refused(stale, io.warn)
    return stale


def _report_refused(stale: Mapping[str, Outcome], warn: Warn) -> None:
    for refused in sorted(stale.values(), key=lambda o: o.sort_key):
        ident = f" ({refused.sync_id})" if refused.sync_id else ""
        warn(f"Refusing stale change {refused.kind} {shown_name(refused.name)}{ident}: {refused.message}")
