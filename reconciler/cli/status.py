"""`reconciler status`: execution status of every managed sync."""

from __future__ import annotations

import click

from reconciler.cli.common import api_options, connector, emit, emit_json, handle_errors, project_config, verbose_option
from reconciler.reports import render_status
from reconciler.settings import RuntimeFlags
from reconciler.usecases.status import run_status

_RENDERERS = {"text": render_status.render_text, "json": render_status.render_json}


@click.command(name="status")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(_RENDERERS)), default="text", show_default=True,
              help="text table or JSON.")
@api_options
@verbose_option
@handle_errors
def command(paths: tuple[str, ...], fmt: str, api_url: str | None, api_version: str | None) -> int:
    """Show current and last execution, counts and next run of every managed sync.

    Definitions are matched to live syncs by pinned id, else by name (per kind). Exit 0, or 1 on error.
    """
    project = project_config()
    report = run_status(connector(project, RuntimeFlags(api_url, api_version)), project, paths)
    if fmt == "json":
        emit_json(render_status.status_json(report), ensure_ascii=False)
    else:
        emit(_RENDERERS[fmt](report))
    return 1 if report.errors else 0
