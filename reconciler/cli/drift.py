"""`reconciler drift`: read-only report of every difference between the files and the live organisation."""

from __future__ import annotations

import sys

import click

from reconciler.cli.common import (
    api_options,
    emit,
    emit_json,
    handle_errors,
    make_client,
    project_config,
    settings_from,
    verbose_option,
)
from reconciler.cli import github
from reconciler.cli.narrow import selected, target_option
from reconciler.cli.readcache import open_cache, refresh_option, save_cache
from reconciler.planning.prefetch import read_parallelism
from reconciler.reports import render_drift
from reconciler.reports.drift import collect_drift

EXIT_IN_SYNC, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2
_RENDERERS = {"text": render_drift.render_text, "json": render_drift.render_json, "markdown": render_drift.render_markdown}


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
            targets: tuple[str, ...]) -> None:
    """Report drift: changes a plan would make, unmanaged live syncs, unhealthy managed syncs.

    Read-only (only GET requests). Exit 0 in sync, 2 when drift exists, 1 on error.
    """
    project = project_config()
    selection, owns = selected(paths, targets, project)
    definitions = list(selection.definitions)
    settings = settings_from(api_url, api_version, project)
    workers = read_parallelism(None, project)
    cache = open_cache(settings, refresh)
    with make_client(settings, parallelism=workers) as client:
        report = collect_drift(client, definitions, parallelism=workers, owns=owns, cache=cache)
    save_cache(cache)
    if fmt == "json":
        emit_json(render_drift.drift_json(report), sort_keys=False, ensure_ascii=False)
    else:
        emit(_RENDERERS[fmt](report))
    github.publish(report.problems, lambda limit, full_at: render_drift.render_markdown(report, limit=limit, full_at=full_at),
                   "`reconciler drift --format text` (run it with the same files)")
    if report.problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_DRIFT if report.has_drift else EXIT_IN_SYNC)
