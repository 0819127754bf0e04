"""`reconciler drift`."""

from __future__ import annotations

import click


@click.command(name="drift")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler drift' is not built yet")
