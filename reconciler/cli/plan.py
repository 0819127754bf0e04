"""`reconciler plan`: read the live organisation, compute the plan, print it (and save it with --out)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from reconciler.cli import github
from reconciler.cli.common import api_options, connector, emit, emit_json, handle_errors, project_config, verbose_option
from reconciler.cli.narrow import resend_option, target_option
from reconciler.cli.readcache import refresh_option
from reconciler.planning.model import Plan
from reconciler.planning.saved import save_plan
from reconciler.render.json_plan import plan_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_plan
from reconciler.settings import RuntimeFlags
from reconciler.usecases.plan import PlanOptions, run_plan

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
FULL_LOG = "`reconciler plan --format text` (run it with the same files)"
FORMATS = ("text", "json", "markdown")


@click.command(name="plan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for terminals and logs, json for machines (see `reconciler docs plan-json`), "
                   "markdown for a PR comment.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Save the plan for `reconciler apply --plan FILE` (holds no secret values).")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when the plan has changes (0 none, 1 error).")
@click.option("--prune", is_flag=True,
              help="Plan deletion of unmanaged syncs inside the prune scope of reconciler.yaml.")
@click.option("--parallelism", type=click.IntRange(min=1), default=None,
              help="Live syncs read at once (default: reconciler.yaml, else 16).")
@target_option
@resend_option
@refresh_option
@api_options
@verbose_option
@handle_errors
def command(fmt: str, out: str | None, detailed_exitcode: bool, api_url: str | None, api_version: str | None,
            **flags: Any) -> int:
    """Show what `apply` would change so that the live syncs match the definitions in PATH...

    Read-only. Exit 0 on success, 1 on error (invalid files, API errors, plan errors such as an
    ambiguous live name); with --detailed-exitcode, 2 when there are changes.
    """
    project = project_config()
    connect = connector(project, RuntimeFlags(api_url, api_version))
    plan = run_plan(connect, project, PlanOptions(**flags), warn=lambda line: emit(line, err=True)).plan
    show_plan(plan, fmt)
    github.publish(plan.problems, lambda limit, full_at: render_markdown(plan, limit=limit, full_at=full_at), FULL_LOG)
    if out:
        save_plan(plan, out)
        if fmt == "text":
            emit(f"\nSaved the plan to {out}; carry it out with: reconciler apply --plan {out}", err=True)
    if plan.problems:
        return EXIT_ERROR
    return EXIT_CHANGES if detailed_exitcode and plan.has_changes else EXIT_OK


def show_plan(plan: Plan, fmt: str) -> None:
    """Print the plan in ``fmt`` (also ``reconciler show``)."""
    if fmt == "json":
        emit_json(plan_json(plan), ensure_ascii=False)  # scrubbed before encoding: stays valid JSON
    elif fmt == "markdown":
        emit(render_markdown(plan).rstrip("\n"))
    else:
        emit(render_plan(plan, color=_colour()).rstrip("\n"))


def _colour() -> bool:
    """Colour only on a terminal, and never with NO_COLOR set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

