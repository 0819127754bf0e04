"""`reconciler apply`."""

from __future__ import annotations

import click


@click.command(name="apply")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler apply' is not built yet")
