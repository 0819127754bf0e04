"""`reconciler plan`."""

from __future__ import annotations

import click


@click.command(name="plan")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler plan' is not built yet")
