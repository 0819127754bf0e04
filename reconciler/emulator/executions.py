"""Sync executions: start, cancel, status and history, for model syncs and bulk syncs.

An execution's state is derived from the time elapsed since it started (settings
`execution_running_after`, default 0.3 s, and `execution_completed_after`, default 1.5 s):
`created` → `running` → `completed` with fixed counts. Canceled executions and those appended
with `/_emulator/syncs/{id}/executions` have a fixed outcome.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.emulator.context import Ctx, Reply, Route
from reconciler.emulator.errors import ApiError, not_found
from reconciler.emulator.store import Store, format_timestamp
from reconciler.emulator.validation import BULK_RESYNC_MODES, START_REQUEST, Arr, Bool, Obj, Str, is_uuid, require

TERMINAL = ("completed", "failed", "canceled", "interrupted")
OUTCOMES = ("completed", "failed", "canceled")
COMPLETED_COUNTS = {"total": 100, "insert": 60, "update": 35, "delete": 5, "upserts": 95,
                    "error": 0, "warnings": 0}
ZERO_COUNTS = {k: 0 for k in COMPLETED_COUNTS}
RUNNING_COUNTS = {k: v // 2 for k, v in COMPLETED_COUNTS.items()}
BULK_START_REQUEST = Obj({"fetch_mode": Str(enum=["none", "incremental", "full"]),
                          "resync_mode": Str(enum=BULK_RESYNC_MODES),
                          "schemas": Arr(Str(), nullable=True), "test": Bool()})
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _ts(epoch: float) -> str:
    return format_timestamp(int(epoch * 1_000_000))


def state(row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """Status, timestamps, counts and errors of an execution row at time `now` (the timings are
    those in force when the execution started)."""
    if row["outcome"]:
        counts = row["counts"] or (COMPLETED_COUNTS if row["outcome"] == "completed" else ZERO_COUNTS)
        return {"status": row["outcome"], "started_at": row["started_at"],
                "completed_at": row["finished_at"], "counts": dict(counts),
                "errors": list(row["errors"] or [])}
    elapsed = (now if now is not None else time.time()) - row["started"]
    running_after = row["running_after"]
    completed_after = max(row["completed_after"], running_after)
    if elapsed < running_after:
        return {"status": "created", "started_at": None, "completed_at": None,
                "counts": dict(ZERO_COUNTS), "errors": []}
    started_at = _ts(row["started"] + running_after)
    if elapsed < completed_after:
        return {"status": "running", "started_at": started_at, "completed_at": None,
                "counts": dict(RUNNING_COUNTS), "errors": []}
    return {"status": "completed", "started_at": started_at,
            "completed_at": _ts(row["started"] + completed_after),
            "counts": dict(COMPLETED_COUNTS), "errors": []}


def model_view(row: dict[str, Any]) -> dict[str, Any]:
    """A `GetExecutionResponseSchema`."""
    st = state(row)
    return {"id": row["id"], "status": st["status"], "type": row["type"],
            "created_at": row["created_at"], "started_at": st["started_at"],
            "completed_at": st["completed_at"], "counts": st["counts"], "errors": st["errors"]}


def bulk_view(row: dict[str, Any], schemas: list[str]) -> dict[str, Any]:
    """A `BulkSyncExecution`."""
    st = state(row)
    counts = st["counts"]
    status = st["status"]
    updated = st["completed_at"] or st["started_at"] or row["created_at"]
    per_schema = max(1, len(schemas))
    return {
        "id": row["id"], "status": status, "type": row["type"],
        "created_at": row["created_at"], "started_at": st["started_at"],
        "completed_at": st["completed_at"], "updated_at": updated,
        "record_count": counts.get("total", 0), "error_count": counts.get("error", 0),
        "warning_count": counts.get("warnings", 0), "is_partial": False,
        "is_resync": False, "is_test": row["type"] == "test", "fetch_mode": "none",
        "output_disposition": "retain", "status_message": "; ".join(st["errors"]),
        "schemas": [{"schema": s, "output_name": s.replace(".", "_").lower(),
                     "status": status,
                     "created_at": row["created_at"], "started_at": st["started_at"],
                     "completed_at": st["completed_at"], "updated_at": updated,
                     "record_count": counts.get("total", 0) // per_schema,
                     "error_count": 0, "warning_count": 0, "status_message": ""}
                    for s in schemas],
    }


def current_and_last(store: Store, sync_id: str) -> tuple[dict[str, Any] | None,
                                                                               dict[str, Any] | None]:
    """The in-progress execution (if any) and the most recent finished one (if any)."""
    current = last = None
    for row in store.executions(sync_id):
        status = state(row)["status"]
        if status in TERMINAL:
            if last is None:
                last = row
        elif current is None:
            current = row
        if last is not None and current is not None:
            break
    return current, last


def next_execution_time(schedule: dict[str, Any] | None, active: bool) -> str | None:
    """When a schedule next fires (UTC), for active hourly/daily/weekly/continuous syncs."""
    if not active or not schedule:
        return None
    now = datetime.now(UTC).replace(microsecond=0)
    frequency = schedule.get("frequency")

    def number(key: str) -> int:
        value = schedule.get(key)
        return int(value) if isinstance(value, str) and value.isdigit() else 0

    if frequency == "continuous":
        nxt = now
    elif frequency == "hourly":
        nxt = now.replace(minute=number("minute") % 60, second=0)
        if nxt <= now:
            nxt += timedelta(hours=1)
    elif frequency in ("daily", "weekly"):
        nxt = now.replace(hour=number("hour") % 24, minute=number("minute") % 60, second=0)
        if frequency == "weekly":
            day = str(schedule.get("day_of_week") or "monday").lower()
            want = _DAYS.index(day) if day in _DAYS else 0
            nxt += timedelta(days=(want - nxt.weekday()) % 7)
            if nxt <= now:
                nxt += timedelta(days=7)
        elif nxt <= now:
            nxt += timedelta(days=1)
    else:
        return None
    return nxt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _start(ctx: Ctx, kind: str, sync: dict[str, Any], test: bool) -> dict[str, Any]:
    current, _ = current_and_last(ctx.store, sync["id"])
    if current is not None:
        raise ApiError(409, f"sync {sync['id']} already has a running execution ({current['id']})",
                       key="execution_running", metadata={"execution_id": current["id"]})
    row = {"id": str(uuid.uuid4()), "org_id": ctx.org_id, "sync_id": sync["id"], "kind": kind,
           "started": time.time(), "created_at": ctx.store.now(),
           "type": "test" if test else "manual",
           "running_after": ctx.settings.execution_running_after,
           "completed_after": ctx.settings.execution_completed_after}
    ctx.store.insert_execution(row)
    return {**row, "outcome": None, "started_at": None, "finished_at": None, "counts": None,
            "errors": None}


def _cancel(ctx: Ctx, sync: dict[str, Any]) -> str:
    current, _ = current_and_last(ctx.store, sync["id"])
    if current is None:
        raise ApiError(409, f"sync {sync['id']} has no running execution to cancel",
                       key="no_running_execution")
    st = state(current)
    ctx.store.finish_execution(current["id"], "canceled", st["started_at"], ctx.store.now())
    return current["id"]


def append_finished(store: Store, sync_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`/_emulator/syncs/{id}/executions`: add a finished execution with a chosen outcome."""
    unknown = set(body) - {"status", "counts", "errors", "type"}
    if unknown:
        raise ApiError(400, f"unknown keys: {', '.join(sorted(unknown))}")
    found = store.find_sync(sync_id)
    if found is None:
        raise not_found("sync", sync_id)
    kind, row_sync = found
    outcome, counts, errors = _finished_request(body)
    base = COMPLETED_COUNTS if outcome == "completed" else ZERO_COUNTS
    created_at = store.now()
    row = {"id": str(uuid.uuid4()), "org_id": row_sync["organization_id"], "sync_id": sync_id,
           "kind": kind, "started": time.time(), "created_at": created_at,
           "type": str(body.get("type") or "scheduled"), "outcome": outcome,
           "started_at": created_at, "finished_at": store.now(),
           "counts": {**base, **(counts or {})}, "errors": errors}
    store.insert_execution(row)
    return model_view(row)


def _finished_request(body: dict[str, Any]) -> tuple[str, dict[str, int] | None, list[str]]:
    """The outcome, counts and errors of a finished-execution request (a 400 when malformed)."""
    outcome = body.get("status", "completed")
    if outcome not in OUTCOMES:
        raise ApiError(400, f"status must be one of: {', '.join(OUTCOMES)}")
    counts = body.get("counts")
    if counts is not None and (not isinstance(counts, dict) or not all(
            k in COMPLETED_COUNTS and isinstance(v, int) and not isinstance(v, bool)
            for k, v in counts.items())):
        raise ApiError(400, f"counts must map some of {', '.join(COMPLETED_COUNTS)} to integers")
    errors = body.get("errors") or []
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        raise ApiError(400, "errors must be a list of strings")
    return outcome, counts, errors


# -- model-sync handlers ------------------------------------------------------------------------


def _model_sync(ctx: Ctx) -> dict[str, Any]:
    sync_id = ctx.params["id"]
    sync = ctx.store.get_sync("model", ctx.org_id, sync_id) if is_uuid(sync_id) else None
    if sync is None:
        raise not_found("sync", sync_id)
    return sync


def start_model(ctx: Ctx) -> Reply:
    sync = _model_sync(ctx)
    body = ctx.body if ctx.body is not None else {}
    require(body, START_REQUEST)
    row = _start(ctx, "model", sync, bool(body.get("test")))
    view = model_view(row)
    return 200, {"data": {"id": view["id"], "status": view["status"], "created_at": view["created_at"]}}


def cancel_model(ctx: Ctx) -> Reply:
    execution_id = _cancel(ctx, _model_sync(ctx))
    return 200, {"data": {"message": f"execution {execution_id} canceled"}}


def model_status(ctx: Ctx) -> Reply:
    sync = _model_sync(ctx)
    current, last = current_and_last(ctx.store, sync["id"])
    data: dict[str, Any] = {"next_execution_time": next_execution_time(sync.get("schedule"),
                                                                       sync.get("active", False))}
    if current is not None:
        data["current_execution"] = model_view(current)
    if last is not None:
        data["last_execution"] = model_view(last)
    return 200, {"data": data}


def _history(ctx: Ctx, sync_id: str) -> list[dict[str, Any]]:
    rows = ctx.store.executions(sync_id)
    if ctx.query.get("ascending", "").lower() in ("true", "1"):
        rows.reverse()
    return rows


def list_model_executions(ctx: Ctx) -> Reply:
    sync = _model_sync(ctx)
    views = [model_view(r) for r in _history(ctx, sync["id"])]
    if ctx.query.get("only_completed", "").lower() in ("true", "1"):
        views = [v for v in views if v["status"] in TERMINAL]
    return 200, {"data": views, "pagination": {}}


def get_model_execution(ctx: Ctx) -> Reply:
    sync = _model_sync(ctx)
    for row in ctx.store.executions(sync["id"]):
        if row["id"] == ctx.params["execution_id"]:
            return 200, {"data": model_view(row)}
    raise not_found("execution", ctx.params["execution_id"])


# -- bulk-sync handlers ---------------------------------------------------------------------------


def _bulk_sync(ctx: Ctx) -> dict[str, Any]:
    sync_id = ctx.params["id"]
    sync = ctx.store.get_sync("bulk", ctx.org_id, sync_id) if is_uuid(sync_id) else None
    if sync is None:
        raise not_found("bulk sync", sync_id)
    return sync


def _selected(ctx: Ctx, sync: dict[str, Any]) -> list[str]:
    extra = ctx.store.get_sync_extra(sync["id"])
    return [s["id"] for s in extra.get("schemas", []) if s.get("enabled")]


def start_bulk(ctx: Ctx) -> Reply:
    sync = _bulk_sync(ctx)
    body = ctx.body if ctx.body is not None else {}
    require(body, BULK_START_REQUEST)
    row = _start(ctx, "bulk", sync, bool(body.get("test")))
    return 200, {"data": bulk_view(row, _selected(ctx, sync))}


def cancel_bulk(ctx: Ctx) -> Reply:
    execution_id = _cancel(ctx, _bulk_sync(ctx))
    return 200, {"data": {"message": f"execution {execution_id} canceled"}}


def bulk_status(ctx: Ctx) -> Reply:
    sync = _bulk_sync(ctx)
    current, last = current_and_last(ctx.store, sync["id"])
    schemas = _selected(ctx, sync)
    data: dict[str, Any] = {"next_execution_time": next_execution_time(sync.get("default_schedule"),
                                                                       sync.get("active", False))}
    if current is not None:
        data["current_execution"] = bulk_view(current, schemas)
    if last is not None:
        data["last_execution"] = bulk_view(last, schemas)
    return 200, {"data": data}


def list_bulk_executions(ctx: Ctx) -> Reply:
    sync = _bulk_sync(ctx)
    schemas = _selected(ctx, sync)
    views = [bulk_view(r, schemas) for r in _history(ctx, sync["id"])]
    if ctx.query.get("only_terminal", "").lower() in ("true", "1"):
        views = [v for v in views if v["status"] in TERMINAL]
    return 200, {"data": views, "pagination": {}}


ROUTES = [
    Route("POST", "/api/syncs/{id}/executions", start_model, version_required=True),
    Route("POST", "/api/syncs/{id}/cancel", cancel_model, version_required=True),
    Route("GET", "/api/syncs/{id}/status", model_status, version_required=True),
    Route("GET", "/api/syncs/{id}/executions", list_model_executions, version_required=True),
    Route("GET", "/api/syncs/{id}/executions/{execution_id}", get_model_execution,
          version_required=True),
    Route("POST", "/api/bulk/syncs/{id}/executions", start_bulk),
    Route("POST", "/api/bulk/syncs/{id}/cancel", cancel_bulk),
    Route("GET", "/api/bulk/syncs/{id}/status", bulk_status),
    Route("GET", "/api/bulk/syncs/{id}/executions", list_bulk_executions),
]
