"""The plan: plain, frozen operation values that rendering and applying read and never recompute."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from reconciler.definitions.model import Kind
from reconciler.errors import Position

Action = Literal["create", "update", "delete", "no-op"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "no-op")


@dataclass(frozen=True)
class FieldDiff:
    """One changed field path: live value before, desired value after."""

    path: str
    before: Any = None
    after: Any = None
    sensitive: bool = False  # shown as (sensitive), never the value
    write_only: bool = False  # cannot be read back; shown as (write-only)


@dataclass(frozen=True)
class SecretSource:
    """Where one sensitive value of a change's body comes from (never the value itself).

    ``template`` is the file's text with its ``${env:NAME}`` placeholders; without one (a value
    written literally in the file, such as ``encryption_passphrase``) ``file`` names the
    definition file to read it from again.
    """

    path: str  # field path in the body, e.g. "filters[0].value"
    template: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Change:
    """What will happen to one sync."""

    kind: Kind
    name: str
    action: Action
    sync_id: str | None = None  # the live sync's id; None for a create
    source: Position | None = None  # the definition's position; None for a delete
    diffs: tuple[FieldDiff, ...] = ()
    fingerprint: str | None = None  # of the live object this change was computed against
    # The full request body for create/update. May hold sensitive values and
    # "${sync:NAME}"/"${bulk_sync:NAME}" references to syncs created by this same plan
    # (listed in depends_on as "Kind/name"). Never rendered or saved as is.
    body: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    depends_on: tuple[str, ...] = ()
    # where the body's sensitive values come from, for saved plans (no values)
    secrets: tuple[SecretSource, ...] = field(default=(), repr=False, compare=False)
    # live id -> the name the file's reference uses (``${model:Users}``), for text and Markdown
    names: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Unmanaged:
    """A live sync no definition declares (reported only, deleted only by prune)."""

    kind: Kind
    sync_id: str
    name: str


@dataclass(frozen=True)
class Problem:
    """A per-sync planning error (ambiguous live name, unresolvable reference, ...)."""

    message: str
    kind: Kind | None = None
    name: str | None = None
    source: Position | None = None


@dataclass(frozen=True)
class Hint:
    """Advice where users often go wrong (a likely rename, unknown values, ...); never an error."""

    message: str
    kind: Kind | None = None
    name: str | None = None
    source: Position | None = None


@dataclass(frozen=True)
class Summary:
    create: int
    update: int
    delete: int
    unchanged: int
    unmanaged: int
    errors: int

    def line(self) -> str:
        text = (
            f"Plan: {self.create} to create, {self.update} to update, {self.delete} to delete, "
            f"{self.unchanged} unchanged, {self.unmanaged} unmanaged."
        )
        if self.errors:
            text += f" {self.errors} error{'s' if self.errors != 1 else ''}."
        return text


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()  # one per definition (and per prune delete), sorted by (kind, name)
    unmanaged: tuple[Unmanaged, ...] = ()
    problems: tuple[Problem, ...] = ()
    hints: tuple[Hint, ...] = ()
    unowned: int = 0  # unmanaged live syncs outside what this run owns: counted, not listed
    #: those syncs themselves: never rendered, but a saved delete of one is judged by its live name
    not_listed: tuple[Unmanaged, ...] = ()
    unknown_variables: tuple[str, ...] = ()  # unset ${env:...} variables: values not known, not applicable

    @property
    def summary(self) -> Summary:
        count = {a: 0 for a in ACTIONS}
        for change in self.changes:
            count[change.action] += 1
        return Summary(
            create=count["create"],
            update=count["update"],
            delete=count["delete"],
            unchanged=count["no-op"],
            unmanaged=len(self.unmanaged),
            errors=len(self.problems),
        )

    @property
    def pending(self) -> tuple[Change, ...]:
        """The changes that write something."""
        return tuple(c for c in self.changes if c.action != "no-op")

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)


def fingerprint(live: Mapping[str, Any]) -> str:
    """Stable digest of a live object as the API returned it (full object, not a list item)."""
    canonical = json.dumps(live, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
