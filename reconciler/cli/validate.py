"""`reconciler validate`."""

from __future__ import annotations

import click


@click.command(name="validate")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler validate' is not built yet")
