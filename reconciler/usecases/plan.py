"""`plan` and `show`: compute the plan against the live organisation; read a saved one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from reconciler.apply.prune import require_scope
from reconciler.config import ProjectConfig
from reconciler.planning.model import Plan
from reconciler.planning.planner import plan_against
from reconciler.planning.prefetch import read_parallelism
from reconciler.planning.saved import load_plan
from reconciler.usecases.common import (
    Connect,
    Warn,
    definition_paths,
    ignore,
    open_cache,
    refuse_empty_prune,
    register_definition_secrets,
    save_cache,
    selected,
)


@dataclass(frozen=True)
class PlanOptions:
    paths: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    resend: tuple[str, ...] = ()
    prune: bool = False
    parallelism: int | None = None
    refresh: bool = False


@dataclass(frozen=True)
class PlanRun:
    plan: Plan


def run_plan(connect: Connect, project: ProjectConfig, options: PlanOptions = PlanOptions(), *,
             warn: Warn = ignore, environ: Mapping[str, str] | None = None) -> PlanRun:
    """Load and check the definitions (before any request), read the live side, plan; read-only."""
    env = os.environ if environ is None else environ
    scope = require_scope(options.prune, project.prune)
    workers = read_parallelism(options.parallelism, project)
    selection, owns = selected(options.paths, options.targets, project, env, prune=options.prune,
                               resend=options.resend)
    definitions = list(selection.definitions)
    refuse_empty_prune(definitions, scope, definition_paths(options.paths, project))
    register_definition_secrets(definitions)
    with connect(workers) as client:
        cache = open_cache(client, options.refresh, warn, env)
        plan = plan_against(client, definitions, prune=scope, parallelism=workers, owns=owns,
                            resend_write_only=frozenset(options.resend), cache=cache)
    save_cache(cache, warn)
    return PlanRun(plan=plan)  # saved (``--out``) by the caller, after it is shown


def run_show(path: str, environ: Mapping[str, str] | None = None) -> Plan:
    """`show`: a saved plan, offline, with no sensitive value in its bodies."""
    return load_plan(path, os.environ if environ is None else environ, derive_secrets=False)
