"""`reconciler emulator`."""

from __future__ import annotations

import click


@click.command(name="emulator")
def command() -> None:
    """Not built yet."""
    raise click.ClickException("'reconciler emulator' is not built yet")
