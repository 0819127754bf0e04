"""`reconciler apply`: carry out a fresh or saved plan, safely and concurrently (see reconciler.usecases.apply)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click

from reconciler.api.stop import Stop
from reconciler.apply import ApplyResult, Outcome
from reconciler.apply.prune import DEFAULT_MAX_DELETES
from reconciler.cli.common import (
    api_options,
    by_signal,
    connector,
    emit,
    emit_json,
    exit_code_for,
    handle_errors,
    project_config,
    verbose_option,
)
from reconciler.cli.narrow import resend_option, target_option
from reconciler.errors import ConfigError, Interrupted
from reconciler.planning.model import Change, Plan
from reconciler.render.text import render_plan
from reconciler.render.outcome import outcome_line, started_line
from reconciler.secrets import redactor
from reconciler.settings import APPLY_MAX_ATTEMPTS, ENV_RETRY_BUDGET, ENV_TIMEOUT, RuntimeFlags
from reconciler.usecases.apply import ApplyIO, ApplyOptions, ApplyRun, run_apply



@click.command(name="apply")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Carry out a plan saved with `reconciler plan --out FILE`: only the saved changes a fresh plan "
                   "from the files (PATH...) would make too.")
@click.option("--partial", is_flag=True,
              help="With --plan: carry out the saved changes that still hold even when others are refused.")
@click.option("--auto-approve", is_flag=True,
              help="Do not ask for confirmation (required when stdin is not a terminal).")
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
def command(output_format: str, timeout: float | None, retry_budget: float | None, api_url: str | None,
            api_version: str | None, **flags: Any) -> int:
    """Make the live organisation match the definitions in PATH... (or carry out a saved --plan).

    Prints the plan, asks for confirmation ("yes") on a terminal, and otherwise needs
    --auto-approve. Exit 0 when every change was carried out, 1 when anything failed, was
    skipped or was refused as stale.
    """
    project = project_config()
    json_out = output_format == "json"  # then stdout carries only the JSON document
    stop = Stop()
    runtime = RuntimeFlags(api_url, api_version, timeout, retry_budget, max_attempts=APPLY_MAX_ATTEMPTS)
    progress = _Progress(stream_is_tty=sys.stderr is not None and sys.stderr.isatty(), to_stderr=json_out)
    with _Signals(stop) as signals:
        io = ApplyIO(show_plan=lambda plan: _show_plan(plan, json_out), warn=lambda line: emit(line, err=True),
                     confirm=lambda: _confirm(json_out), writing=signals.writing,
                     started=progress.started, finished=progress.finished)
        run = run_apply(connector(project, runtime, stop=stop), project, ApplyOptions(**flags), io, stop=stop)
    progress.close()
    return _finish(run, json_out, printed=progress.printed)


def _show_plan(plan: Plan, to_stderr: bool) -> None:
    emit(render_plan(plan).rstrip("\n"), err=to_stderr)
    if not plan.has_changes:
        emit("No changes.", err=to_stderr)


def _finish(run: ApplyRun, json_out: bool, *, printed: frozenset[Outcome] | set[Outcome] = frozenset()) -> int:
    """Print the result and its summary; 1 unless every change was carried out (130 / 143 after
    SIGINT / SIGTERM). Outcomes already printed as they finished (CI logs) are not repeated."""
    result: ApplyResult = run.result
    if json_out:
        emit_json(result.as_json())  # the sink scrubs every string before JSON escaping could hide a value
    else:
        for outcome in result.outcomes:
            if outcome not in printed:
                emit(_result_line(outcome))
        if result.outcomes:
            emit(result.summary_line())
    if run.stopped:
        tally = run.tally()
        emit(f"Stopped{by_signal(run.stopped_by)}: {tally['done']} done, {tally['failed']} failed, "
             f"{tally['in_flight']} in flight, {tally['not_started']} not started; re-run apply to converge.",
             err=True)
        return exit_code_for(run.stopped_by)
    return 0 if result.ok else 1


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

    def writing(self) -> None:
        """The writes begin: from here a signal stops them and the summary is printed."""
        self.applying = True

    def _handle(self, signum: int, frame: Any) -> None:
        self.stop.set(signum)
        if not self.applying:
            raise Interrupted("before any write was sent", signum=signum)


# ---- interaction ------------------------------------------------------------------------------


def _confirm(to_stderr: bool) -> bool:
    """The prompt (only on a terminal); True when the answer is "yes"."""
    if sys.stdin is None or not sys.stdin.isatty():  # None: stdin closed (`<&-`)
        raise ConfigError("stdin is not a terminal: pass --auto-approve to apply without confirmation; "
                          "nothing was sent")
    emit("\nDo you want to perform these actions? Only 'yes' will be accepted to approve.", err=to_stderr)
    answer = click.prompt("  Enter a value", default="", show_default=False, err=to_stderr)
    return bool(answer.strip() == "yes")


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
