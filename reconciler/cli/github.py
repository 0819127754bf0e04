"""Under GitHub Actions: plan-time errors as annotations, the full report in the job's step summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from reconciler.cli.common import emit, github_annotation, in_github_actions
from reconciler.errors import DefinitionError
from reconciler.planning.model import Problem
from reconciler.render.budget import SUMMARY_LIMIT, size
from reconciler.render.values import label
from reconciler.secrets import redactor

Render = Callable[[int, str], str]  # (limit in bytes, where the full text is) -> Markdown


def annotate(problems: Iterable[Problem]) -> None:
    """One ``::error file=...,line=...::`` per plan-time problem (on stderr: stdout may be the report)."""
    if not in_github_actions():
        return
    for problem in problems:
        resource = label(problem.kind, problem.name) if problem.kind and problem.name is not None else ""
        emit(github_annotation(DefinitionError(problem.message, problem.source, resource=resource)), err=True)


def write_step_summary(render: Render, full_at: str) -> None:
    """Append the report to ``$GITHUB_STEP_SUMMARY``, within what is left of its 1 MiB."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    path = Path(target)
    try:
        used = path.stat().st_size if path.exists() else 0
        room = SUMMARY_LIMIT - used - 2
        if room < 1_024:
            return  # full already: the report stays in the log
        text = _fitted(render, room, full_at)
        if text is None:
            emit("warning: the report does not fit what is left of the step summary; it stays in the log", err=True)
            return
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        emit(f"warning: could not write the step summary {target}: {exc.strerror or exc}", err=True)


def _fitted(render: Render, room: int, full_at: str) -> str | None:
    """The scrubbed report in ``room`` bytes: scrubbing can lengthen it, so it is rendered smaller then."""
    limit = room
    for _ in range(3):
        text = redactor.scrub(render(limit, full_at))
        excess = size([text]) - room
        if excess <= 0:
            return text
        limit -= 2 * excess + 1_024
        if limit < 1_024:
            break
    return None


def publish(problems: Iterable[Problem], render: Render, full_at: str) -> None:
    """Annotations and step summary for one report (no-ops outside GitHub Actions)."""
    annotate(problems)
    write_step_summary(render, full_at)
