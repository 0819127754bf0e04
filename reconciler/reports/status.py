"""The status report: every managed sync with its current and last execution."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from reconciler import kinds as registry
from reconciler.api.client import PolytomicClient, map_concurrent
from reconciler.definitions.model import Definition, Kind
from reconciler.errors import ApiError, Position
from reconciler.reports.executions import StatusSnapshot, parse_status
from reconciler.reports.matching import Match, match_definitions


@dataclass(frozen=True)
class StatusRow:
    """One definition: its live sync (if any) and what ``GET .../status`` said about it."""

    kind: Kind
    name: str
    source: Position | None = None
    sync_id: str | None = None
    active: bool | None = None
    snapshot: StatusSnapshot | None = None
    error: str | None = None  # the sync is ambiguous, or its status could not be read

    @property
    def state(self) -> str:
        if self.error:
            return "error"
        if self.sync_id is None:
            return "not created"
        return "active" if self.active else "inactive" if self.active is False else "unknown"


@dataclass(frozen=True)
class StatusReport:
    rows: tuple[StatusRow, ...] = ()

    @property
    def errors(self) -> tuple[StatusRow, ...]:
        return tuple(r for r in self.rows if r.error)


def read_status(client: PolytomicClient, kind: Kind, sync_id: str) -> StatusSnapshot:
    """``GET .../status`` for one sync of either kind."""
    routes = registry.get(kind).routes
    return parse_status(kind, client.request("GET", routes.of(routes.status, sync_id), expect=dict))


def list_live(client: PolytomicClient, kinds: Sequence[Kind] | None = None) -> dict[Kind, list[dict[str, Any]]]:
    """Every live sync of the given kinds (default: all; list items, light or full)."""
    return {kind.name: kind.list_live(client) for kind in registry.all()
            if kinds is None or kind.name in kinds}


def collect_status(client: PolytomicClient, definitions: Sequence[Definition], *, parallelism: int = 4) -> StatusReport:
    """Match every definition to its live sync and read the status of each one found."""
    kinds = sorted({d.kind for d in definitions})
    matches = match_definitions(definitions, list_live(client, kinds)) if definitions else ()
    return StatusReport(rows=tuple(map_concurrent(lambda m: _row(client, m), matches, parallelism)))


def _row(client: PolytomicClient, match: Match) -> StatusRow:
    definition = match.definition
    row = functools.partial(StatusRow, kind=definition.kind, name=definition.name, source=definition.position)
    if match.problem:
        return row(error=match.problem)
    sync_id = match.sync_id
    if sync_id is None:
        return row()
    active = _active(match.live)
    try:
        snapshot = read_status(client, definition.kind, sync_id)
    except ApiError as exc:
        return row(sync_id=sync_id, active=active, error=f"status could not be read: {exc}")
    return row(sync_id=sync_id, active=active, snapshot=snapshot)


def _active(live: Mapping[str, Any] | None) -> bool | None:
    value = (live or {}).get("active")
    return value if isinstance(value, bool) else None
