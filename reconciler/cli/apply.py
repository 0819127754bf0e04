"""`reconciler apply`: carry out a fresh or saved plan, safely and concurrently."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import threading
from typing import Any, Mapping

import click

from reconciler.api import PolytomicClient, RetryPolicy
from reconciler.api.stop import Stop
from reconciler.apply import ApplyResult, Outcome, apply_plan, check_deletions, find_stale, require_scope
from reconciler.apply.prune import DEFAULT_MAX_DELETES
from reconciler.apply.replan import check_saved
from reconciler.cli.common import (
    api_options,
    definition_paths,
    ENV_TIMEOUT,
    emit,
    emit_json,
    env_seconds,
    by_signal,
    exit_code_for,
    handle_errors,
    make_client,
    project_config,
    refuse_empty_prune,
    register_definition_secrets,
    register_value,
    settings_from,
    verbose_option,
)
from reconciler.cli.narrow import resend_option, selected, target_option
from reconciler.errors import ConfigError, Interrupted, PlanError
from reconciler.planning.model import Change, Plan
from reconciler.planning.planner import plan_against
from reconciler.planning.saved import load_plan
from reconciler.planning.rotation import resent_in
from reconciler.planning.unknowns import require_known
from reconciler.render.text import render_plan
from reconciler.render.outcome import outcome_line, started_line
from reconciler.render.values import shown_name
from reconciler.secrets import redactor

ENV_RETRY_BASE_DELAY = "RECONCILER_RETRY_BASE_DELAY"
ENV_RETRY_BUDGET = "RECONCILER_RETRY_BUDGET"
DEFAULT_RETRY_BUDGET = 120.0
DEFAULT_MAX_ATTEMPTS = 10


@click.command(name="apply")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Carry out a plan saved with `reconciler plan --out FILE`: only the saved changes a fresh plan "
                   "from the files (PATH...) would make too.")
@click.option("--partial", is_flag=True,
              help="With --plan: carry out the saved changes that still hold even when others are refused.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@click.option("--prune", is_flag=True, help="Delete unmanaged syncs inside the prune scope of reconciler.yaml.")
@click.option("--max-deletes", type=click.IntRange(min=0), default=DEFAULT_MAX_DELETES, show_default=True,
              help="Refuse the whole apply when it would delete more syncs than this.")
@click.option("--parallelism", type=click.IntRange(min=1), default=None,
              help="Changes carried out at once (default: reconciler.yaml, else 4).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Result format on stdout.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help=f"Total deadline of one request: connect and every read (env {ENV_TIMEOUT}; default 30).")
@click.option("--retry-budget", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help=f"Total time spent retrying one request or change (env {ENV_RETRY_BUDGET}; default 120).")
@target_option
@resend_option
@api_options
@verbose_option
@handle_errors
def command(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    resend: tuple[str, ...],
    plan_file: str | None,
    partial: bool,
    auto_approve: bool,
    prune: bool,
    max_deletes: int,
    parallelism: int | None,
    output_format: str,
    timeout: float | None,
    retry_budget: float | None,
    api_url: str | None,
    api_version: str | None,
) -> None:
    """Make the live organisation match the definitions in PATH... (or carry out a saved --plan).

    Prints the plan, asks for confirmation ("yes") on a terminal, and otherwise needs
    --auto-approve. Exit 0 when every change was carried out, 1 when anything failed, was
    skipped or was refused as stale.
    """
    project = project_config()
    scope = require_scope(prune, project.prune)
    workers = parallelism or project.parallelism
    settings = settings_from(api_url, api_version, project)
    if timeout is not None:
        settings = dataclasses.replace(settings, timeout=timeout)
    stop = Stop()
    policy = dataclasses.replace(retry_policy(retry_budget, os.environ), sleep=stop.sleep)
    json_out = output_format == "json"
    info_err = json_out  # with --format json, stdout carries only the JSON document

    with _Signals(stop) as signals, make_client(settings, parallelism=workers, retry=policy, stop=stop) as client:
        saved = _load_saved_plan(plan_file) if plan_file else None
        if saved is not None:
            _register_sensitive(saved)
            check_deletions(saved, prune=prune, scope=project.prune, max_deletes=max_deletes)
            resend = (*resend, *resent_in(saved))
        plan = _fresh_plan(client, paths, project, scope, workers, targets, resend)
        _register_sensitive(plan)
        if plan.problems:
            for problem in plan.problems:
                emit(f"Error: {_problem_text(problem)}", err=True)
            raise PlanError(f"{len(plan.problems)} problem(s) in the plan; nothing was applied")
        settled: tuple[Outcome, ...] = ()
        if saved is not None:
            plan, settled = _judge_saved(saved, plan, partial)
        check_deletions(plan, prune=prune, scope=project.prune, max_deletes=max_deletes)

        emit(_render_plan(plan), err=info_err)
        if not plan.has_changes:
            emit("No changes.", err=info_err)
            _finish(ApplyResult.of(list(settled)), json_out)
            return
        _confirm(auto_approve, info_err)
        stale: dict[str, Outcome] = {}
        if not auto_approve:
            # The prompt may have waited for minutes: never delete a sync that moved meanwhile
            # (renamed out of the prune scope, say). Updates re-assert the files anyway.
            deletes = Plan(changes=tuple(c for c in plan.pending if c.action == "delete"))
            stale = find_stale(client, deletes, parallelism=workers)
            _report_refused(stale)

        progress = _Progress(stream_is_tty=sys.stderr is not None and sys.stderr.isatty(), to_stderr=json_out)
        signals.applying = True  # from here a signal stops the writes and the summary is printed
        result = apply_plan(
            client,
            plan,
            parallelism=workers,
            policy=policy,
            preset=stale,
            on_start=progress.started,
            on_done=progress.finished,
            stop=stop,
        )
        progress.close()
    _finish(ApplyResult.of([*result.outcomes, *settled]), json_out, printed=progress.printed, stop=stop)


def _finish(result: ApplyResult, json_out: bool, *, printed: frozenset[Outcome] | set[Outcome] = frozenset(),
            stop: Stop | None = None) -> None:
    """Print the result and its summary; exit 1 unless every change was carried out (130 / 143
    after SIGINT / SIGTERM). Outcomes already printed as they finished (CI logs) are not repeated."""
    if json_out:
        emit_json(_scrubbed_json(result))
    else:
        for outcome in result.outcomes:
            if outcome not in printed:
                emit(_result_line(outcome))
        if result.outcomes:
            emit(result.summary_line())
    if stop is not None and stop.is_set():
        count = result.count
        emit(f"Stopped{by_signal(stop.signum)}: {count('done')} done, {count('failed') + count('skipped')} failed, "
             f"{count('interrupted')} in flight, {count('not-started')} not started; re-run apply to converge.",
             err=True)
        sys.exit(exit_code_for(stop.signum))
    if not result.ok:
        sys.exit(1)


class _Signals:
    """SIGINT / SIGTERM during apply. Before the writes start: stop at once (nothing was sent).
    During the writes: ask the applier to stop (no new request, retry waits cut, in-flight writes
    keep their deadline) so that the summary of what was done can be printed."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop
        self.applying = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        self.stop.set(signum)
        if not self.applying:
            raise Interrupted("before any write was sent", signum=signum)


def _judge_saved(saved: Plan, fresh: Plan, partial: bool) -> tuple[Plan, tuple[Outcome, ...]]:
    """The part of a fresh plan a saved one may carry out, and the saved changes settled already.

    All or nothing unless ``partial``: any refused change stops the apply before a write.
    """
    check = check_saved(saved, fresh)
    for change in check.unsaved:
        emit(f"Not in the saved plan, not applied: {change.action} {change.kind} {shown_name(change.name)}", err=True)
    _report_refused({o.key + o.action + (o.sync_id or ""): o for o in check.refused})
    if check.refused and not partial:
        raise PlanError(f"{len(check.refused)} saved change(s) differ from what a fresh plan would do; nothing was "
                        "applied (run `reconciler plan --out` again, or pass --partial to apply the others)")
    return check.accepted, check.done + (check.refused if partial else ())


# ---- settings ---------------------------------------------------------------------------------


def retry_policy(budget: float | None, environ: Mapping[str, str]) -> RetryPolicy:
    """The retry policy for reads and writes: flags, then environment, then defaults."""
    base = env_seconds(environ, ENV_RETRY_BASE_DELAY)
    total = budget if budget is not None else env_seconds(environ, ENV_RETRY_BUDGET)
    values: dict[str, Any] = {"max_attempts": DEFAULT_MAX_ATTEMPTS, "budget": DEFAULT_RETRY_BUDGET}
    if base is not None:
        values["base_delay"] = base
        values["max_delay"] = max(base, min(RetryPolicy.max_delay, base * 64))
    if total is not None:
        values["budget"] = total
    return RetryPolicy(**values)


# ---- planning ---------------------------------------------------------------------------------


def _fresh_plan(client: PolytomicClient, paths: tuple[str, ...], project: Any, scope: Any, workers: int,
                targets: tuple[str, ...] = (), resend: tuple[str, ...] = ()) -> Plan:
    selection, owns = selected(paths, targets, project, prune=scope is not None, resend=resend)
    definitions = list(selection.definitions)
    require_known(definitions)  # every missing variable named at once, before any request
    refuse_empty_prune(definitions, scope, definition_paths(paths, project))
    register_definition_secrets(definitions)
    return plan_against(client, definitions, prune=scope, parallelism=workers, owns=owns,
                        resend_write_only=frozenset(resend))


def _load_saved_plan(path: str) -> Plan:
    return load_plan(path, os.environ)


def _render_plan(plan: Plan) -> str:
    return render_plan(plan).rstrip("\n")


def _problem_text(problem: Any) -> str:
    where = f"{problem.source}: " if getattr(problem, "source", None) else ""
    what = f'{problem.kind} "{problem.name}": ' if getattr(problem, "kind", None) and getattr(problem, "name", None) else ""
    return f"{where}{what}{problem.message}"


# ---- secrets ----------------------------------------------------------------------------------


def _register_sensitive(plan: Plan) -> None:
    """Defence in depth: every sensitive value the plan carries is known to the redactor."""
    for change in plan.changes:
        for diff in change.diffs:
            if diff.sensitive:
                register_value(diff.before)
                register_value(diff.after)
        _register_passphrases(change.body)


def _register_passphrases(value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "encryption_passphrase":
                register_value(item)
            else:
                _register_passphrases(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _register_passphrases(item)


def _scrubbed_json(result: ApplyResult) -> dict[str, Any]:
    document = result.as_json()
    for item in document["changes"]:
        item["message"] = redactor.scrub(item["message"])  # before JSON escaping can hide a value
    return document


def _report_refused(stale: Mapping[str, Outcome]) -> None:
    for refused in sorted(stale.values(), key=lambda o: o.sort_key):
        ident = f" ({refused.sync_id})" if refused.sync_id else ""
        emit(f"Refusing stale change {refused.kind} {shown_name(refused.name)}{ident}: {refused.message}", err=True)


# ---- interaction ------------------------------------------------------------------------------


def _confirm(auto_approve: bool, to_stderr: bool) -> None:
    if auto_approve:
        return
    if sys.stdin is None or not sys.stdin.isatty():  # None: stdin closed (`<&-`)
        raise ConfigError("stdin is not a terminal: pass --auto-approve to apply without confirmation; nothing was sent")
    emit("\nDo you want to perform these actions? Only 'yes' will be accepted to approve.", err=to_stderr)
    answer = click.prompt("  Enter a value", default="", show_default=False, err=to_stderr)
    if answer.strip() != "yes":
        raise PlanError("apply cancelled; nothing was sent")


class _Progress:
    """On a terminal: one status line rewritten in place (stderr), the sorted result after it.

    Otherwise (CI logs) each change is printed exactly once, when it finishes: on stdout as the
    result itself (stderr with --format json, whose stdout is the document alone).
    """

    def __init__(self, *, stream_is_tty: bool, to_stderr: bool = False) -> None:
        self.tty = stream_is_tty
        self.to_stderr = to_stderr
        self.dirty = False
        self.printed: set[Outcome] = set()  # shown as they finished: not repeated in the result

    def started(self, change: Change, count: int, total: int) -> None:
        if self.tty:
            self._status(started_line(change, count, total))

    def finished(self, outcome: Outcome, count: int, total: int) -> None:
        line = f"[{count}/{total}] {_result_line(outcome).strip()}"
        if self.tty:
            self._status(line)
        else:
            emit(line, err=self.to_stderr)
            if not self.to_stderr:
                self.printed.add(outcome)

    def _status(self, text: str) -> None:
        width = 120
        # Scrub before cutting to width: a cut through an echoed secret would leave its start.
        emit("\r\x1b[K" + redactor.scrub(text)[:width], err=True, nl=False)
        self.dirty = True

    def close(self) -> None:
        if self.tty and self.dirty:
            emit("", err=True)


_result_line = outcome_line  # (render/outcome.py: the one outcome line)
