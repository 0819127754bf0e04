"""`reconciler drift`: read-only report of every difference between the files and the live organisation."""

from __future__ import annotations

import click

from reconciler.cli import github
from reconciler.cli.common import api_options, connector, emit, emit_json, handle_errors, project_config, verbose_option
from reconciler.cli.narrow import target_option
from reconciler.cli.readcache import refresh_option
from reconciler.reports import render_drift
from reconciler.settings import RuntimeFlags
from reconciler.usecases.drift import DriftOptions, run_drift

EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2
_RENDERERS = {"text": render_drift.render_text, "json": render_drift.render_json,
              "markdown": render_drift.render_markdown}
FULL_LOG = "`reconciler drift --format text` (run it with the same files)"


@click.command(name="drift")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(_RENDERERS)), default="text", show_default=True,
              help="text for logs, json for machines (see `reconciler docs drift-json`), markdown for an issue body.")
@target_option
@refresh_option
@api_options
@verbose_option
@handle_errors
def command(paths: tuple[str, ...], fmt: str, refresh: bool, api_url: str | None, api_version: str | None,
            targets: tuple[str, ...]) -> int:
    """Report drift: changes a plan would make, unmanaged live syncs, unhealthy managed syncs.

    Read-only (only GET requests). Exit 0 in sync, 2 when drift exists, 1 on error.
    """
    project = project_config()
    options = DriftOptions(paths=paths, targets=targets, refresh=refresh)
    connect = connector(project, RuntimeFlags(api_url, api_version))
    report = run_drift(connect, project, options, warn=lambda line: emit(line, err=True)).report
    if fmt == "json":
        emit_json(render_drift.drift_json(report), sort_keys=False, ensure_ascii=False)
    else:
        emit(_RENDERERS[fmt](report))
    github.publish(report.problems,
                   lambda limit, full_at: render_drift.render_markdown(report, limit=limit, full_at=full_at), FULL_LOG)
    if report.problems:
        return EXIT_ERROR
    return EXIT_DRIFT if report.has_drift else EXIT_IN_SYNC
