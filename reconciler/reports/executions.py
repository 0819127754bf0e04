"""Execution status of one sync, parsed from ``GET .../status`` into frozen values.

Model syncs answer with ``SyncStatusResponse`` (executions carry ``counts`` and ``errors``);
bulk syncs with ``BulkSyncStatusResponse`` (executions carry ``record_count``, ``error_count``
and a ``status_message``). Both are reduced to the same :class:`Execution` shape here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from reconciler import kinds
from reconciler.definitions.model import Kind

# Execution statuses that mean the run did not succeed (model and bulk enums together).
FAILED_STATUSES = frozenset({"failed", "interrupted", "errors"})


@dataclass(frozen=True)
class Counts:
    """Record counts of one execution; ``None`` where the API does not report that count."""

    insert: int | None = None
    update: int | None = None
    delete: int | None = None
    error: int | None = None
    total: int | None = None
    warnings: int | None = None


@dataclass(frozen=True)
class Execution:
    id: str | None
    status: str | None
    counts: Counts
    errors: tuple[str, ...] = ()
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    type: str | None = None

    @property
    def failed(self) -> bool:
        return (self.status or "") in FAILED_STATUSES

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or bool(self.counts.error)


@dataclass(frozen=True)
class StatusSnapshot:
    """What ``GET .../status`` said about one sync."""

    current: Execution | None = None
    last: Execution | None = None
    next_run: str | None = None

    @property
    def latest(self) -> Execution | None:
        """The execution to judge health by: the last finished one."""
        return self.last


def parse_status(kind: Kind, raw: Mapping[str, Any] | None) -> StatusSnapshot:
    """Reduce a status response (the ``data`` object) of either kind to a :class:`StatusSnapshot`."""
    if not isinstance(raw, Mapping):
        return StatusSnapshot()
    parse = kinds.get(kind).parse_execution
    next_run = raw.get("next_execution_time")
    if next_run is None:
        next_run = raw.get("nextExecutionTime")
    return StatusSnapshot(
        current=parse(raw.get("current_execution")),
        last=parse(raw.get("last_execution")),
        next_run=_str(next_run),
    )


def model_execution(raw: Any) -> Execution | None:
    if not _present(raw):
        return None
    counts = raw.get("counts") if isinstance(raw.get("counts"), Mapping) else {}
    return Execution(
        id=_str(raw.get("id")),
        status=_str(raw.get("status")),
        counts=Counts(
            insert=_int(counts.get("insert")),
            update=_int(counts.get("update")),
            delete=_int(counts.get("delete")),
            error=_int(counts.get("error")),
            total=_int(counts.get("total")),
            warnings=_int(counts.get("warnings")),
        ),
        errors=_messages(raw.get("errors")),
        created_at=_str(raw.get("created_at")),
        started_at=_str(raw.get("started_at")),
        completed_at=_str(raw.get("completed_at")),
        type=_str(raw.get("type")),
    )


def bulk_execution(raw: Any) -> Execution | None:
    if not _present(raw):
        return None
    status = _str(raw.get("status"))
    error_count = _int(raw.get("error_count"))
    errors = _messages(raw.get("errors"))
    message = _str(raw.get("status_message"))
    if message and not errors and ((status or "") in FAILED_STATUSES or error_count):
        errors = (message,)
    return Execution(
        id=_str(raw.get("id")),
        status=status,
        counts=Counts(error=error_count, total=_int(raw.get("record_count")), warnings=_int(raw.get("warning_count"))),
        errors=errors,
        created_at=_str(raw.get("created_at")),
        started_at=_str(raw.get("started_at")),
        completed_at=_str(raw.get("completed_at")),
        type=_str(raw.get("type")),
    )


def _present(raw: Any) -> bool:
    """An execution object with something in it (the API may send ``{}`` or null for none)."""
    return isinstance(raw, Mapping) and any(v not in (None, "", [], {}) for v in raw.values())


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _messages(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for item in value:
        if isinstance(item, str) and item:
            out.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("message"), str):
            out.append(item["message"])
    return tuple(out)
