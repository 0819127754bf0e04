"""`validate`: offline checks of every definition file; never touches the network."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Sequence

from reconciler.config import ProjectConfig
from reconciler.definitions.interpolate import UnsetAllowed
from reconciler.definitions.load import ValidationResult, validate_paths
from reconciler.planning.unknowns import missing_variables
from reconciler.usecases.common import definition_paths


@dataclass(frozen=True)
class ValidateRun:
    result: ValidationResult
    missing: tuple[str, ...]  # variables not set: their values are unknown (only apply needs them)


def run_validate(project: ProjectConfig, paths: Sequence[str] = (), *,
                 environ: Mapping[str, str] | None = None) -> ValidateRun:
    env = os.environ if environ is None else environ
    result = validate_paths(definition_paths(paths, project), UnsetAllowed(env))
    return ValidateRun(result=result, missing=tuple(missing_variables(result.definitions)))
