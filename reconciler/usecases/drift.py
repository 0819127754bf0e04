"""`drift`: the read-only report of every difference between the files and the live organisation."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from reconciler.config import ProjectConfig
from reconciler.planning.prefetch import read_parallelism
from reconciler.reports.drift import DriftReport, collect_drift
from reconciler.usecases.common import Connect, Warn, ignore, open_cache, save_cache, selected


@dataclass(frozen=True)
class DriftOptions:
    paths: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    refresh: bool = False


@dataclass(frozen=True)
class DriftRun:
    report: DriftReport


def run_drift(connect: Connect, project: ProjectConfig, options: DriftOptions = DriftOptions(), *,
              warn: Warn = ignore, environ: Mapping[str, str] | None = None) -> DriftRun:
    """Plan (read-only, no prune) and read the status of every managed sync; only GET requests."""
    env = os.environ if environ is None else environ
    selection, owns = selected(options.paths, options.targets, project, env)
    workers = read_parallelism(None, project)
    with connect(workers) as client:
        cache = open_cache(client, options.refresh, warn, env)
        report = collect_drift(client, list(selection.definitions), parallelism=workers, owns=owns, cache=cache)
    save_cache(cache, warn)
    return DriftRun(report=report)
