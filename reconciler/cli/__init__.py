"""Command-line interface: the only layer that imports click, prints, prompts or picks exit codes."""

from __future__ import annotations

import click

from reconciler import __version__
from reconciler.cli import apply as apply_cmd
from reconciler.cli import drift as drift_cmd
from reconciler.cli import emulator as emulator_cmd
from reconciler.cli import export as export_cmd
from reconciler.cli import plan as plan_cmd
from reconciler.cli import status as status_cmd
from reconciler.cli import validate as validate_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def main() -> None:
    """Sync-as-code for Polytomic: keep model syncs and bulk syncs as YAML in git."""


for _module in (validate_cmd, plan_cmd, apply_cmd, drift_cmd, status_cmd, export_cmd, emulator_cmd):
    main.add_command(_module.command)
