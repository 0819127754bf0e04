"""Render a :class:`StatusReport` as an aligned text table or versioned JSON."""

from __future__ import annotations

import json
from typing import Any

from reconciler.render.values import position_json, shown_name, visible
from reconciler.reports.executions import Execution
from reconciler.reports.render_drift import execution_json
from reconciler.reports.status import StatusReport, StatusRow

FORMAT_VERSION = 1
_COLUMNS = ("KIND", "NAME", "SYNC ID", "STATE", "CURRENT", "LAST", "STARTED", "COMPLETED",
            "INSERT", "UPDATE", "DELETE", "ERROR", "TOTAL", "NEXT RUN")
_NONE = "-"


def status_json(report: StatusReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "report": "status",
        "syncs": [_row_json(r) for r in report.rows],
    }


def render_json(report: StatusReport) -> str:
    return json.dumps(status_json(report), indent=2, ensure_ascii=False, default=str)


def _row_json(row: StatusRow) -> dict[str, Any]:
    snapshot = row.snapshot
    return {
        "kind": row.kind,
        "name": row.name,
        "source": position_json(row.source),
        "sync_id": row.sync_id,
        "state": row.state,
        "active": row.active,
        "current_execution": execution_json(snapshot.current) if snapshot else None,
        "last_execution": execution_json(snapshot.last) if snapshot else None,
        "next_execution_time": snapshot.next_run if snapshot else None,
        "error": row.error,
    }


def render_text(report: StatusReport) -> str:
    if not report.rows:
        return "No managed syncs: no definitions found."
    table = [_COLUMNS] + [_cells(r) for r in report.rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table]
    notes = _notes(report)
    if notes:
        lines += ["", *notes]
    lines += ["", _summary(report)]
    return "\n".join(lines)


def _cells(row: StatusRow) -> tuple[str, ...]:
    snapshot = row.snapshot
    current = snapshot.current if snapshot else None
    last = snapshot.last if snapshot else None
    shown = last or current  # times and counts of the last finished run, else the running one
    counts = shown.counts if shown else None
    return (
        row.kind,
        visible(row.name),
        row.sync_id or _NONE,
        row.state,
        _status(current),
        _status(last),
        (shown.started_at if shown else None) or _NONE,
        (shown.completed_at if shown else None) or _NONE,
        _num(counts.insert if counts else None),
        _num(counts.update if counts else None),
        _num(counts.delete if counts else None),
        _num(counts.error if counts else None),
        _num(counts.total if counts else None),
        (snapshot.next_run if snapshot else None) or _NONE,
    )


def _status(execution: Execution | None) -> str:
    return (execution.status or "unknown") if execution else _NONE


def _num(value: int | None) -> str:
    return _NONE if value is None else str(value)


def _notes(report: StatusReport) -> list[str]:
    notes = []
    for row in report.rows:
        label = f"{row.kind} {shown_name(row.name)}"
        if row.error:
            notes.append(f"{label}: error: {row.error}")
            continue
        snapshot = row.snapshot
        for which, execution in (("current", snapshot.current if snapshot else None), ("last", snapshot.last if snapshot else None)):
            for message in execution.errors if execution else ():
                notes.append(f"{label}: {which} execution error: {message}")
    return notes


def _summary(report: StatusReport) -> str:
    rows = report.rows
    created = sum(1 for r in rows if r.sync_id)
    missing = sum(1 for r in rows if r.state == "not created")
    failing = sum(1 for r in rows if r.snapshot and r.snapshot.last and (r.snapshot.last.failed or r.snapshot.last.has_errors))
    text = f"{len(rows)} managed sync{'s' if len(rows) != 1 else ''}: {created} live, {missing} not created, {failing} with a failed or erroring last execution."
    if report.errors:
        text += f" {len(report.errors)} error{'s' if len(report.errors) != 1 else ''}."
    return text
