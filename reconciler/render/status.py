"""Render a :class:`StatusReport` as an aligned text table or versioned JSON."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone
from typing import Any

from reconciler import kinds
from reconciler.render.values import label, position_json, visible
from reconciler.reports.executions import Counts, Execution
from reconciler.render.drift import execution_json
from reconciler.reports.status import StatusReport, StatusRow

FORMAT_VERSION = 1
_COLUMNS = ("KIND", "NAME", "ID", "STATE", "RUN", "FINISHED", "ROWS", "NEXT RUN")
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


WIDTH = 120  # the table fits a 120-column terminal or CI log
_MIN_NAME = 12
_MAX_CELL = 20  # columns of any cell but NAME


def render_text(report: StatusReport) -> str:
    """An aligned table of at most :data:`WIDTH` columns (long names cut with …; ids shortened)."""
    if not report.rows:
        return "No managed syncs: no definitions found."
    rows = [_cells(r) for r in report.rows]
    name = _COLUMNS.index("NAME")
    widths = [max(_columns(line[i]) for line in [_COLUMNS, *rows]) for i in range(len(_COLUMNS))]
    widths = [w if i == name else min(w, _MAX_CELL) for i, w in enumerate(widths)]  # live values can be any length
    others = sum(w for i, w in enumerate(widths) if i != name) + 2 * (len(_COLUMNS) - 1)
    widths[name] = max(len("NAME"), min(widths[name], max(_MIN_NAME, WIDTH - others)))
    lines = ["  ".join(_pad(_cut(cell, w), w) for cell, w in zip(line, widths, strict=False)).rstrip()
             for line in [_COLUMNS, *rows]]
    notes = _notes(report)
    lines += ["", "ROWS of the last finished run: +inserted ~updated -deleted !errors. "
                  "Full ids and times: --format json."]
    if notes:
        lines += ["", *notes]
    lines += ["", _summary(report)]
    return "\n".join(lines)


def _columns(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ending in … when cut."""
    if _columns(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += _columns(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))


def _cells(row: StatusRow) -> tuple[str, ...]:
    snapshot = row.snapshot
    current = snapshot.current if snapshot else None
    last = snapshot.last if snapshot else None
    shown = last or current  # times and counts of the last finished run, else the running one
    counts = shown.counts if shown else None
    return (
        kinds.get(row.kind).label,
        visible(row.name),
        row.sync_id[:8] if row.sync_id else _NONE,
        row.state,
        _status(current) if current else _status(last),
        _time(shown.completed_at or shown.started_at if shown else None),
        _rows(counts),
        _time(snapshot.next_run if snapshot else None),
    )


def _time(value: str | None) -> str:
    """``2024-01-02 06:30`` in UTC (minutes), or the text as given when it is not a time."""
    if not value:
        return _NONE
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def _rows(counts: Counts | None) -> str:
    if counts is None:
        return _NONE
    parts = [f"{sign}{_num(value)}" for sign, value in (("+", counts.insert), ("~", counts.update),
                                                         ("-", counts.delete), ("!", counts.error))]
    return _NONE if all(p[1:] == _NONE for p in parts) else " ".join(parts)


def _status(execution: Execution | None) -> str:
    return (execution.status or "unknown") if execution else _NONE


def _num(value: int | None) -> str:
    return _NONE if value is None else str(value)


def _notes(report: StatusReport) -> list[str]:
    notes = []
    for row in report.rows:
        where = label(row.kind, row.name)
        if row.error:
            notes.append(f"{where}: error: {row.error}")
            continue
        snapshot = row.snapshot
        for which, execution in (("current", snapshot.current if snapshot else None),
                                 ("last", snapshot.last if snapshot else None)):
            for message in execution.errors if execution else ():
                notes.append(f"{where}: {which} execution error: {message}")
    return notes


def _summary(report: StatusReport) -> str:
    rows = report.rows
    created = sum(1 for r in rows if r.sync_id)
    missing = sum(1 for r in rows if r.state == "not created")
    failing = sum(1 for r in rows
                  if r.snapshot and r.snapshot.last and (r.snapshot.last.failed or r.snapshot.last.has_errors))
    text = (f"{len(rows)} managed sync{'s' if len(rows) != 1 else ''}: {created} live, {missing} not created, "
            f"{failing} with a failed or erroring last execution.")
    if report.errors:
        text += f" {len(report.errors)} error{'s' if len(report.errors) != 1 else ''}."
    return text
