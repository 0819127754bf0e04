"""What the use cases share: the client factory type, warnings, the definitions a run loads, the read cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from reconciler import kinds
from reconciler.config import Ownership, ProjectConfig, PruneScope
from reconciler.definitions.interpolate import UnknownValue, UnsetAllowed
from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError
from reconciler.planning import paths as field_paths
from reconciler.planning.model import Plan
from reconciler.planning.ownership import NARROWED
from reconciler.planning.rotation import check_names
from reconciler.planning.targeting import Selection, refuse_prune, select
from reconciler.secrets import redactor

if TYPE_CHECKING:  # (validate imports this module: the HTTP stack stays out of it)
    from reconciler.api.client import PolytomicClient
    from reconciler.planning.cache import ReadCache

#: Builds the API client when the use case needs it (given how many requests it runs at once), so
#: that the settings are resolved, and their errors raised, at the same point of every command.
Connect = Callable[[int], "PolytomicClient"]
Warn = Callable[[str], None]


def ignore(message: str) -> None:
    """A :data:`Warn` that drops the message."""


def selected(paths: Sequence[str], targets: Sequence[str], project: ProjectConfig, environ: Mapping[str, str], *,
             prune: bool = False, resend: Sequence[str] = ()) -> tuple[Selection, Ownership | None]:
    """The definitions to plan, read with unset variables allowed, and the ownership to plan them with."""
    selection = select(paths, targets, project.definitions, UnsetAllowed(environ))
    if prune:
        refuse_prune(selection)
    check_names(selection.definitions, resend)
    return selection, NARROWED if selection.narrowed else project.owns


def definition_paths(paths: Sequence[str], project: ProjectConfig) -> list[str]:
    """The paths given on the command line, else ``definitions`` from reconciler.yaml, else syncs/."""
    return list(paths) if paths else list(project.definitions)


def refuse_empty_prune(definitions: Sequence[Definition], scope: PruneScope | None, paths: Sequence[str]) -> None:
    """A mistyped or empty definitions path must not read as "delete everything in scope"."""
    if scope is not None and not definitions:
        raise ConfigError(f"no definitions were found in {', '.join(paths)}; refusing to plan deletions "
                          "(--prune) against an empty set of files; nothing was sent")


# ---- secrets: every sensitive value a run handles is known to the output sink's redactor -------


def register_value(value: Any) -> None:
    """Every string inside ``value`` becomes known to the redactor."""
    if isinstance(value, UnknownValue):
        return  # no value: its text only says which variable is not set
    if isinstance(value, str):
        redactor.add(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            register_value(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            register_value(item)


def register_definition_secrets(definitions: Sequence[Definition]) -> None:
    """Defence in depth: the sensitive values of loaded definitions are known to the redactor."""
    for definition in definitions:
        for path in definition.sensitive_paths:
            register_value(field_paths.get(definition.spec, path))


def register_plan_secrets(plan: Plan) -> None:
    """Defence in depth: every sensitive value the plan carries is known to the redactor."""
    for change in plan.changes:
        for diff in change.diffs:
            if diff.sensitive:
                register_value(diff.before)
                register_value(diff.after)
        _register_passphrases(change.body)


def _register_passphrases(value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in kinds.write_only_keys():
                register_value(item)
            else:
                _register_passphrases(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _register_passphrases(item)


# ---- the read cache as plan and drift use it ---------------------------------------------------


def open_cache(client: PolytomicClient, refresh: bool, warn: Warn, environ: Mapping[str, str]) -> ReadCache:
    from reconciler.planning.cache import ReadCache

    cache = ReadCache.for_settings(client.settings, refresh=refresh, environ=environ)
    for warning in cache.warnings:
        warn(f"Warning: {warning}")
    return cache


def save_cache(cache: ReadCache, warn: Warn) -> None:
    """Write the cache for the next run; a cache that cannot be written only costs reads."""
    try:
        cache.save()
    except OSError as exc:
        warn(f"Warning: cannot write the read cache {cache.path} ({exc.strerror or type(exc).__name__}); "
             "the next run reads every sync")
