"""`reconciler apply`: carry out a fresh or saved plan, safely and concurrently."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any, Mapping

import click

from reconciler.api import PolytomicClient, RetryPolicy
from reconciler.apply import ApplyResult, Outcome, apply_plan, check_deletions, find_stale, require_scope
from reconciler.apply.prune import DEFAULT_MAX_DELETES
from reconciler.cli.common import (
    api_options,
    definition_paths,
    emit,
    emit_json,
    handle_errors,
    project_config,
    refuse_empty_prune,
    register_definition_secrets,
    register_value,
    settings_from,
    verbose_option,
)
from reconciler.cli.narrow import resend_option, selected, target_option
from reconciler.errors import ConfigError, PlanError
from reconciler.planning.model import Change, Plan
from reconciler.planning.planner import plan_against
from reconciler.planning.saved import load_plan
from reconciler.planning.unknowns import require_known
from reconciler.render.text import render_plan
from reconciler.secrets import redactor

ENV_RETRY_BASE_DELAY = "RECONCILER_RETRY_BASE_DELAY"
ENV_RETRY_BUDGET = "RECONCILER_RETRY_BUDGET"
ENV_TIMEOUT = "RECONCILER_API_TIMEOUT"
DEFAULT_RETRY_BUDGET = 120.0
DEFAULT_MAX_ATTEMPTS = 10
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}


@click.command(name="apply")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Carry out a plan saved with `reconciler plan --out FILE` (each target is re-read first).")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@click.option("--prune", is_flag=True, help="Delete unmanaged syncs inside the prune scope of reconciler.yaml.")
@click.option("--max-deletes", type=click.IntRange(min=0), default=DEFAULT_MAX_DELETES, show_default=True,
              help="Refuse the whole apply when it would delete more syncs than this.")
@click.option("--parallelism", type=click.IntRange(min=1), default=None,
              help="Changes carried out at once (default: reconciler.yaml, else 4).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Result format on stdout.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help=f"Per-request timeout (env {ENV_TIMEOUT}; default 30).")
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
    """Make the live organisation match the definitions in PATH... (or a saved --plan).

    Prints the plan, asks for confirmation ("yes") on a terminal, and otherwise needs
    --auto-approve. Exit 0 when every change was carried out, 1 when anything failed, was
    skipped or was refused as stale.
    """
    project = project_config()
    scope = require_scope(prune, project.prune)
    if plan_file and (paths or targets or resend):
        raise ConfigError("give either definition PATHs (and --target, --resend-write-only) or --plan FILE, not both")
    workers = parallelism or project.parallelism
    settings = settings_from(api_url, api_version, project)
    settings = dataclasses.replace(settings, timeout=_timeout(timeout, os.environ, settings.timeout))
    policy = retry_policy(retry_budget, os.environ)
    json_out = output_format == "json"
    info_err = json_out  # with --format json, stdout carries only the JSON document

    with PolytomicClient(settings, retry=policy, max_connections=max(8, workers * 2)) as client:
        if plan_file:
            plan = _load_saved_plan(plan_file)
        else:
            plan = _fresh_plan(client, paths, project, scope, workers, targets, resend)
        _register_sensitive(plan)
        if plan.problems:
            for problem in plan.problems:
                emit(f"Error: {_problem_text(problem)}", err=True)
            raise PlanError(f"{len(plan.problems)} problem(s) in the plan; nothing was applied")
        check_deletions(plan, prune=prune, scope=project.prune, max_deletes=max_deletes)
        stale = find_stale(client, plan, parallelism=workers) if plan_file else {}

        emit(_render_plan(plan), err=info_err)
        if not plan.has_changes:
            emit("No changes.", err=info_err)
            if json_out:
                emit_json(ApplyResult().as_json())
            return
        _report_refused(stale)
        _confirm(auto_approve, info_err)
        if not plan_file and not auto_approve:
            # The prompt may have waited for minutes: never delete a sync that moved meanwhile
            # (renamed out of the prune scope, say). Updates re-assert the files anyway.
            deletes = Plan(changes=tuple(c for c in plan.pending if c.action == "delete"))
            moved = find_stale(client, deletes, parallelism=workers)
            _report_refused(moved)
            stale = {**stale, **moved}

        progress = _Progress(stream_is_tty=sys.stderr is not None and sys.stderr.isatty())
        result = apply_plan(
            client,
            plan,
            parallelism=workers,
            policy=policy,
            preset=stale,
            on_start=progress.started,
            on_done=progress.finished,
        )
        progress.close()

    if json_out:
        emit_json(_scrubbed_json(result))
    else:
        for outcome in result.outcomes:
            emit(_result_line(outcome))
        emit(result.summary_line())
    if not result.ok:
        sys.exit(1)


# ---- settings ---------------------------------------------------------------------------------


def retry_policy(budget: float | None, environ: Mapping[str, str]) -> RetryPolicy:
    """The retry policy for reads and writes: flags, then environment, then defaults."""
    base = _env_float(environ, ENV_RETRY_BASE_DELAY)
    total = budget if budget is not None else _env_float(environ, ENV_RETRY_BUDGET)
    values: dict[str, Any] = {"max_attempts": DEFAULT_MAX_ATTEMPTS, "budget": DEFAULT_RETRY_BUDGET}
    if base is not None:
        values["base_delay"] = base
        values["max_delay"] = max(base, min(RetryPolicy.max_delay, base * 64))
    if total is not None:
        values["budget"] = total
    return RetryPolicy(**values)


def _timeout(flag: float | None, environ: Mapping[str, str], default: float) -> float:
    if flag is not None:
        return flag
    value = _env_float(environ, ENV_TIMEOUT)
    if value is not None and value <= 0:
        raise ConfigError(f"{ENV_TIMEOUT} must be a positive number of seconds")
    return value if value is not None else default


def _env_float(environ: Mapping[str, str], name: str) -> float | None:
    raw = environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds (got {raw!r})") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value


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
        emit(f"Refusing stale change {refused.kind} \"{refused.name}\"{ident}: {refused.message}", err=True)


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
    """On a terminal: one status line rewritten in place. Otherwise one line per finished change.

    Written to stderr so that stdout holds only the deterministic, sorted result.
    """

    def __init__(self, *, stream_is_tty: bool) -> None:
        self.tty = stream_is_tty
        self.dirty = False

    def started(self, change: Change, count: int, total: int) -> None:
        if self.tty:
            self._status(f"[{count}/{total}] {_SYMBOL.get(change.action, ' ')} {change.kind} \"{change.name}\" ...")

    def finished(self, outcome: Outcome, count: int, total: int) -> None:
        line = f"[{count}/{total}] {_result_line(outcome).strip()}"
        if self.tty:
            self._status(line)
        else:
            emit(line, err=True)

    def _status(self, text: str) -> None:
        width = 120
        # Scrub before cutting to width: a cut through an echoed secret would leave its start.
        emit("\r\x1b[K" + redactor.scrub(text)[:width], err=True, nl=False)
        self.dirty = True

    def close(self) -> None:
        if self.tty and self.dirty:
            emit("", err=True)


def _result_line(outcome: Outcome) -> str:
    symbol = _SYMBOL.get(outcome.action, " ") if outcome.status == "done" else "!"
    ident = f" ({outcome.sync_id})" if outcome.sync_id else ""
    verb = {"done": outcome.action, "failed": f"{outcome.action} FAILED", "skipped": f"{outcome.action} SKIPPED",
            "stale": f"{outcome.action} REFUSED (stale)"}[outcome.status]
    message = f": {outcome.message}" if outcome.message else ""
    return f"  {symbol} {outcome.kind} \"{outcome.name}\"{ident} {verb}{message}"

