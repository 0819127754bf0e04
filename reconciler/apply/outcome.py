"""What happened to each change of an apply: plain values, sorted for deterministic output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from reconciler.definitions.model import Kind
from reconciler.planning.model import Action, Change

Status = Literal["done", "failed", "skipped", "stale", "interrupted", "not-started"]
# interrupted: in flight when a stop was asked for (its outcome is read by the next run);
# not-started: nothing was sent for it
STATUSES: tuple[Status, ...] = ("done", "failed", "skipped", "stale", "interrupted", "not-started")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Outcome:
    """The result of one change. ``message`` is user-facing text (scrubbed again on output)."""

    kind: Kind
    name: str
    action: Action
    status: Status
    sync_id: str | None = None
    message: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.name, self.action, self.sync_id or "")

    @classmethod
    def of(cls, change: Change, status: Status, message: str = "", sync_id: str | None = None) -> Outcome:
        return cls(
            kind=change.kind,
            name=change.name,
            action=change.action,
            status=status,
            sync_id=sync_id if sync_id is not None else change.sync_id,
            message=message,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "sync_id": self.sync_id,
            "outcome": self.status,
            "message": self.message,
        }


@dataclass(frozen=True)
class ApplyResult:
    """Every change's outcome, sorted by (kind, name) whatever order they finished in."""

    outcomes: tuple[Outcome, ...] = ()

    @classmethod
    def of(cls, outcomes: list[Outcome] | tuple[Outcome, ...]) -> ApplyResult:
        return cls(tuple(sorted(outcomes, key=lambda o: o.sort_key)))

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """True when every change was carried out."""
        return all(o.status == "done" for o in self.outcomes)

    def summary_line(self) -> str:
        done = {a: 0 for a in ("create", "update", "delete")}
        for o in self.outcomes:
            if o.status == "done" and o.action in done:
                done[o.action] += 1
        text = (
            f"Apply {'complete' if self.ok else 'finished with problems'}: "
            f"{done['create']} created, {done['update']} updated, {done['delete']} deleted"
        )
        extra = [f"{self.count(s)} {s}" for s in ("failed", "stale", "skipped", "interrupted", "not-started")
                 if self.count(s)]
        return text + (", " + ", ".join(extra) if extra else "") + "."

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "ok": self.ok,
            "summary": {s: self.count(s) for s in STATUSES},
            "changes": [o.as_json() for o in self.outcomes],
        }
