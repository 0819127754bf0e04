"""`reconciler show PLAN`: render a saved plan; no network, no credentials, no secret values."""

from __future__ import annotations

import click

from reconciler.cli.common import handle_errors
from reconciler.cli.plan import FORMATS, show_plan
from reconciler.usecases.plan import run_show


@click.command(name="show")
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text, json (`reconciler docs plan-json`) or markdown, as `reconciler plan` prints them.")
@handle_errors
def command(plan_file: str, fmt: str) -> None:
    """Show a plan saved with `reconciler plan --out PLAN`, without reading the live organisation.

    Offline: no API key, no environment variable is needed. Exit 0, or 1 when PLAN cannot be read.
    """
    show_plan(run_show(plan_file), fmt)
