"""`reconciler status`."""

from __future__ import annotations

import click


@click.command(name="status")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler status' is not built yet")
