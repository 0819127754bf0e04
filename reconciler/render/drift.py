"""Render a :class:`DriftReport` as text (terminal, CI logs), JSON (machines) or Markdown (an issue body)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from reconciler.planning.model import Change
from reconciler.render.budget import COMMENT_BUDGET, Item, Section, fit
from reconciler.render.change import change_head, diff_json
from reconciler.render.json_plan import problem_json, unmanaged_json
from reconciler.render.markdown import COLLAPSE_OVER, change_item, code, escape
from reconciler.render.values import SYMBOL, diff_line, label, position_json, problem_text
from reconciler.reports.drift import DriftReport, UnhealthySync
from reconciler.reports.executions import Counts, Execution

FORMAT_VERSION = 1
MARKER = "<!-- reconciler-drift -->"


# ---- JSON ---------------------------------------------------------------------------------


def drift_json(report: DriftReport) -> dict[str, Any]:
    """The versioned JSON document described in docs/drift-json.md."""
    summary = report.summary
    return {
        "format_version": FORMAT_VERSION,
        "report": "drift",
        "drift": summary.drifted,
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "delete": summary.delete,
            "unmanaged": summary.unmanaged,
            "unhealthy": summary.unhealthy,
            "errors": summary.errors,
            "unchanged": summary.unchanged,
        },
        "changes": [_change_json(c) for c in report.changes],
        "unmanaged": [unmanaged_json(u) for u in report.unmanaged],
        "unhealthy": [_unhealthy_json(u) for u in report.unhealthy],
        "errors": [problem_json(p) for p in report.problems],
    }


def render_json(report: DriftReport) -> str:
    return json.dumps(drift_json(report), indent=2, sort_keys=False, ensure_ascii=False, default=str)


def _change_json(change: Change) -> dict[str, Any]:
    return {**change_head(change), "fields": [diff_json(d) for d in sorted(change.diffs, key=lambda d: d.path)]}


def _unhealthy_json(item: UnhealthySync) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "name": item.name,
        "sync_id": item.sync_id,
        "source": position_json(item.source),
        "issues": [{"code": i.code, "message": i.message} for i in item.issues],
        "last_execution": execution_json(item.execution),
    }


def execution_json(execution: Execution | None) -> dict[str, Any] | None:
    if execution is None:
        return None
    return {
        "id": execution.id,
        "status": execution.status,
        "type": execution.type,
        "created_at": execution.created_at,
        "started_at": execution.started_at,
        "completed_at": execution.completed_at,
        "counts": counts_json(execution.counts),
        "errors": list(execution.errors),
    }


def counts_json(counts: Counts) -> dict[str, int | None]:
    return {
        "insert": counts.insert,
        "update": counts.update,
        "delete": counts.delete,
        "error": counts.error,
        "total": counts.total,
        "warnings": counts.warnings,
    }


# ---- text ---------------------------------------------------------------------------------


def render_text(report: DriftReport) -> str:
    lines: list[str] = []
    for title, body in (("Changes a plan would make:", _text_changes(report)),
                        ("Unmanaged live syncs (no file declares them):",
                         [f"  ? {label(u.kind, u.name)}{_id(u.sync_id)}" for u in report.unmanaged]),
                        ("Unhealthy syncs:", _text_unhealthy(report)),
                        ("Errors:", [f"  {problem_text(p)}" for p in report.problems])):
        if body:
            lines += [title, *body, ""]
    lines.append(report.summary.line())
    return "\n".join(lines)


def _text_changes(report: DriftReport) -> list[str]:
    lines = []
    for change in report.changes:
        lines.append(f"  {SYMBOL[change.action]} {label(change.kind, change.name)}{_id(change.sync_id)}"
                     f"{_where(change)}")
        if change.action == "create" and not change.diffs:
            lines.append("      (no live sync: it would be created)")
        lines += [f"      {diff_line(change, diff)}" for diff in sorted(change.diffs, key=lambda d: d.path)]
    return lines


def _text_unhealthy(report: DriftReport) -> list[str]:
    lines = []
    for item in report.unhealthy:
        lines.append(f"  ! {label(item.kind, item.name)}{_id(item.sync_id)}")
        lines += [f"      {issue.message}" for issue in item.issues]
        lines += [f"      error: {message}" for message in item.errors]
    return lines


def _id(sync_id: str | None) -> str:
    return f" ({sync_id})" if sync_id else ""


def _where(change: Change) -> str:
    return f"  [{change.source}]" if change.source is not None else ""


# ---- Markdown -----------------------------------------------------------------------------


FULL_DRIFT = "the job's step summary and in `reconciler drift --format text`"


def render_markdown(report: DriftReport, *, limit: int = COMMENT_BUDGET, full_at: str = FULL_DRIFT) -> str:
    """An issue body of at most ``limit`` bytes: a hidden marker, the summary, one section per finding type."""
    summary = report.summary
    head = [MARKER, "## Reconciler drift report", "", f"**{escape(summary.line())}**", ""]
    if summary.drifted or summary.errors:
        head += [
            "| to create | to update | to delete | unmanaged | unhealthy | errors |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {summary.create} | {summary.update} | {summary.delete} | {summary.unmanaged} | {summary.unhealthy} "
            f"| {summary.errors} |",
            "",
        ]
    sections = []
    if report.problems:
        sections.append(Section(f"### Errors ({len(report.problems)})", "error",
                                tuple(Item((f"- {escape(problem_text(p))}",)) for p in report.problems)))
    if report.changes:
        sections.append(Section(f"### Changes a plan would make ({len(report.changes)})", "change",
                                tuple(_md_change(c) for c in report.changes)))
    if report.unhealthy:
        sections.append(Section(f"### Unhealthy syncs ({len(report.unhealthy)})", "unhealthy sync",
                                tuple(_md_unhealthy(u) for u in report.unhealthy)))
    if report.unmanaged:
        sections.append(Section(f"### Unmanaged live syncs ({len(report.unmanaged)})", "unmanaged sync",
                                tuple(Item((f"- {_md_label(u.kind, u.name)}{_md_id(u.sync_id)}",))
                                      for u in report.unmanaged),
                                intro=("No file declares these syncs.", ""),
                                collapsed=len(report.unmanaged) > COLLAPSE_OVER))
    tail = ["_Read-only report from `reconciler drift`; run `reconciler plan` for details and "
            "`reconciler apply` to converge._"]
    return fit(head, sections, tail, limit=limit, full_at=full_at)


def _md_change(change: Change) -> Item:
    item = change_item(replace(change, diffs=tuple(sorted(change.diffs, key=lambda d: d.path))))
    if change.action == "create" and not change.diffs:
        return replace(item, body=("+ (no live sync: it would be created)",))
    return item


def _md_unhealthy(item: UnhealthySync) -> Item:
    issues = escape("; ".join(i.message for i in item.issues))
    lines = [f"- {_md_label(item.kind, item.name)}{_md_id(item.sync_id)}: {issues}"]
    lines += [f"  - error: {code(message)}" for message in item.errors]
    return Item(tuple(lines))


def _md_label(kind: str, name: str) -> str:
    return f"{kind} **{escape(name)}**"


def _md_id(sync_id: str | None) -> str:
    return f" ({code(sync_id)})" if sync_id else ""
