"""Command-line interface: the only layer that imports click, prints, prompts or picks exit codes."""

from __future__ import annotations

from typing import Any

import click

from reconciler import __version__
from reconciler.cli import apply as apply_cmd
from reconciler.cli import docs as docs_cmd
from reconciler.cli import drift as drift_cmd
from reconciler.cli import emulator as emulator_cmd
from reconciler.cli import export as export_cmd
from reconciler.cli import plan as plan_cmd
from reconciler.cli import show as show_cmd
from reconciler.cli import status as status_cmd
from reconciler.cli import validate as validate_cmd


class _Main(click.Group):
    """The command group; a usage mistake (bad flag, bad value, unknown command) exits 1.

    Click's own exit code for usage errors is 2, which `drift` uses for "drift found" and
    `plan --detailed-exitcode` for "changes": a typo in a CI job must read as an error.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # click reads it from the instance
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # click reads it from the instance
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def main() -> None:
    """Sync-as-code for Polytomic: keep model syncs and bulk syncs as YAML in git.

    Documentation, offline: `reconciler docs` lists the topics (ci, definitions, apply, ...).
    """


for _module in (validate_cmd, plan_cmd, show_cmd, apply_cmd, drift_cmd, status_cmd, export_cmd, emulator_cmd, docs_cmd):
    main.add_command(_module.command)
