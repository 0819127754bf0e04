"""`reconciler export`: write a YAML definition for every live sync (adopt an existing organisation)."""

from __future__ import annotations

import click

from reconciler import kinds as registry
from reconciler.cli.common import api_options, connector, emit, handle_errors, project_config, verbose_option
from reconciler.reports.export import one_line
from reconciler.settings import RuntimeFlags
from reconciler.usecases.export import ExportOptions, run_export


@click.command(name="export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="syncs", show_default=True,
              help="Directory to write one YAML file per live sync into.")
@click.option("--kind", "kinds", type=click.Choice(registry.names()), multiple=True,
              help="Only syncs of this kind (repeatable; default both).")
@click.option("--name-prefix", default=None, metavar="PREFIX", help="Only syncs whose name starts with PREFIX.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@api_options
@verbose_option
@handle_errors
def command(out_dir: str, kinds: tuple[str, ...], name_prefix: str | None, force: bool,
            api_url: str | None, api_version: str | None) -> None:
    """Write one YAML file per live sync, with its id pinned, so that a plan right after is empty.

    Secrets are never written: credential-looking values become ${env:...} placeholders to set,
    and encryption_passphrase (write-only, never returned by the API) is left out.
    """
    project = project_config()
    options = ExportOptions(out_dir=out_dir, kinds=kinds, name_prefix=name_prefix, force=force)
    run = run_export(connector(project, RuntimeFlags(api_url, api_version)), project, options)
    emit(f"Exported {len(run.paths)} sync{'s' if len(run.paths) != 1 else ''} to {run.out}/")
    for path in run.paths:
        emit(f"  {path}")
    placeholders = run.placeholders()
    if placeholders:
        emit("Set these environment variables before plan/apply (their values were not exported):", err=True)
        for env, field_path, file_name in placeholders:
            emit(f"  {env}  ({file_name}: {one_line(field_path)})", err=True)
    if run.has_write_only_values:
        emit(
            "Note: encryption_passphrase is write-only and cannot be read back, so it was not exported. "
            "For a sync that uses one, add `encryption_passphrase: ${env:NAME}` to its file and set NAME; "
            "otherwise the next apply that updates that sync sends no passphrase.",
            err=True,
        )
