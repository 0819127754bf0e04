"""`status`: the execution status of every managed sync."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

from reconciler.config import ProjectConfig
from reconciler.definitions.interpolate import UnsetAllowed
from reconciler.definitions.load import load_definitions
from reconciler.reports.status import StatusReport, collect_status
from reconciler.usecases.common import Connect, definition_paths


def run_status(connect: Connect, project: ProjectConfig, paths: Sequence[str] = (), *,
               environ: Mapping[str, str] | None = None) -> StatusReport:
    """Match every definition to its live sync (pinned id, else name) and read its status."""
    env = os.environ if environ is None else environ
    definitions = load_definitions(definition_paths(paths, project), UnsetAllowed(env))
    with connect(project.parallelism) as client:
        return collect_status(client, definitions, parallelism=project.parallelism)
