"""`reconciler export`."""

from __future__ import annotations

import click


@click.command(name="export")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler export' is not built yet")
