"""`reconciler emulator`: serve the local Polytomic API emulator."""

from __future__ import annotations

import click


@click.command(name="emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--db", "db", metavar="FILE", default=None,
              help="SQLite file keeping state across restarts (omitted: in memory).")
@click.option("--api-key", default="demo-api-key", show_default=True, metavar="KEY",
              help="API key of the demo organisation.")
@click.option("--faults", "faults_file", metavar="FILE", default=None,
              type=click.Path(exists=True, dir_okay=False),
              help="YAML file of fault rules (see `reconciler docs emulator`).")
@click.option("--list-items", type=click.Choice(["light", "full"]), default="light",
              show_default=True, help="Shape of GET /api/syncs items.")
def command(host: str, port: int, db: str | None, api_key: str, faults_file: str | None,
            list_items: str) -> None:
    """Serve a local emulator of the Polytomic API (see `reconciler docs emulator`)."""
    try:
        from reconciler.emulator.faults import RuleError
        from reconciler.emulator.server import serve
    except ModuleNotFoundError as exc:  # starlette / uvicorn: the `emulator` extra
        raise click.ClickException(f"the emulator needs {exc.name}, which this install lacks: "
                                   "pip install 'reconciler[emulator]'") from None

    try:
        serve(host=host, port=port, db=db, api_key=api_key, faults_file=faults_file,
              list_items=list_items)
    except RuleError as exc:
        raise click.ClickException(f"invalid faults file: {exc}") from None
    except OSError as exc:
        raise click.ClickException(f"cannot start the emulator: {exc}") from None
