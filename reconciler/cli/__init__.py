"""Command-line interface: the only layer that imports click, prints, prompts or picks exit codes."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from reconciler import __version__

# Each command's module, imported only when the command runs (or help lists it): `validate`
# never pays for the HTTP client, the planner or the applier.
COMMAND_MODULES = {name: f"reconciler.cli.{name}" for name in
                   ("validate", "plan", "show", "apply", "drift", "status", "export", "emulator", "docs")}


class _LazyCommands(MutableMapping[str, click.Command]):
    """The command table: names known up front, each command loaded from its module on first use."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._modules:
                raise KeyError(name)
            self._loaded[name] = importlib.import_module(self._modules[name]).command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._modules.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._modules) | set(self._loaded))


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


@click.group(cls=_Main, commands=_LazyCommands(dict(COMMAND_MODULES)),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def main() -> None:
    """Sync-as-code for Polytomic: keep model syncs and bulk syncs as YAML in git.

    Documentation, offline: `reconciler docs` lists the topics (ci, definitions, apply, ...).
    """


#: A command lives seconds and makes millions of objects with no cycles (definitions, live syncs):
#: the default (700, 10, 10) walks them all again in full collections, for up to 0.5 s of a plan.
COLLECTOR_THRESHOLDS = (20_000, 20, 20)


def run() -> None:
    """The ``reconciler`` command: :func:`main` with the cycle collector set for a short-lived process."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    main()
