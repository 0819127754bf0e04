"""`reconciler validate`: offline checks of every definition file; never touches the network."""

from __future__ import annotations

import click

from reconciler.cli.common import emit, emit_json, github_annotation, handle_errors, in_github_actions, project_config
from reconciler.definitions.load import ValidationResult
from reconciler.errors import DefinitionError
from reconciler.usecases.validate import run_validate


def problem_record(problem: DefinitionError) -> dict[str, object]:
    """One problem for ``--format json``."""
    pos = problem.position
    return {
        "file": pos.file if pos else None,
        "line": pos.line if pos else None,
        "column": pos.column if pos else None,
        "resource": problem.resource or None,
        "path": problem.path,
        "message": problem.message,
    }


def _report(result: ValidationResult, fmt: str) -> None:
    if fmt == "json":
        # Scrubbed before serialising: a secret that reads like null or a number cannot break the JSON.
        emit_json([problem_record(p) for p in result.problems])
        for warning in result.warnings:
            emit(f"warning: {warning.render()}", err=True)
        emit(result.summary(), err=True)
    else:
        for problem in result.problems:
            emit(problem.render())
        for warning in result.warnings:
            emit(f"warning: {warning.render()}")
        emit(result.summary())
    if in_github_actions():
        # With --format json stdout must stay one JSON document; the runner reads both streams.
        for problem in result.problems:
            emit(github_annotation(problem), err=fmt == "json")
        for warning in result.warnings:
            emit("::warning" + github_annotation(warning).removeprefix("::error"), err=fmt == "json")


@click.command(name="validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per problem and a summary; json: a list of {file, line, column, path, message}.")
@handle_errors
def command(paths: tuple[str, ...], fmt: str) -> int:
    """Check the definition files in PATH... (default: syncs/ or `definitions` in reconciler.yaml).

    Offline: parse, schema, cross-file and semantic checks; no network. Exit 0 valid, 1 invalid.
    """
    run = run_validate(project_config(), paths)
    _report(run.result, fmt)
    if run.missing:
        emit(f"Note: not set, so their values are unknown (only apply needs them): {', '.join(run.missing)}", err=True)
    return 0 if run.result.ok else 1
