"""`reconciler export`: write a YAML definition for every live sync (adopt an existing organisation)."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.common import (
    api_options,
    emit,
    handle_errors,
    make_client,
    project_config,
    settings_from,
    verbose_option,
)
from reconciler.reports.export import (
    build_export,
    one_line,
    read_catalog,
    read_live_syncs,
    schema_ref,
    write_export,
)


@click.command(name="export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="syncs", show_default=True,
              help="Directory to write one YAML file per live sync into.")
@click.option("--kind", "kinds", type=click.Choice(["ModelSync", "BulkSync"]), multiple=True,
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
    settings = settings_from(api_url, api_version, project)
    wanted = kinds or ("ModelSync", "BulkSync")
    with make_client(settings, parallelism=project.parallelism) as client:
        live = read_live_syncs(client, kinds=wanted, name_prefix=name_prefix, parallelism=project.parallelism)  # type: ignore[arg-type]
        catalog = read_catalog(client, project.parallelism)
    exported = build_export(live, catalog=catalog)
    out = Path(out_dir)
    paths = write_export(exported, out, schema=schema_ref(out), force=force)
    emit(f"Exported {len(paths)} sync{'s' if len(paths) != 1 else ''} to {out}/")
    for path in paths:
        emit(f"  {path}")
    placeholders = sorted({(p.env, p.path, e.file_name) for e in exported for p in e.placeholders})
    if placeholders:
        emit("Set these environment variables before plan/apply (their values were not exported):", err=True)
        for env, path, file_name in placeholders:
            emit(f"  {env}  ({file_name}: {one_line(path)})", err=True)
    if any(e.kind == "ModelSync" for e in exported):
        emit(
            "Note: encryption_passphrase is write-only and cannot be read back, so it was not exported. "
            "For a sync that uses one, add `encryption_passphrase: ${env:NAME}` to its file and set NAME; "
            "otherwise the next apply that updates that sync sends no passphrase.",
            err=True,
        )
