"""The loaded, validated form of one definition document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from reconciler.errors import DefinitionError, Position

Kind = Literal["ModelSync", "BulkSync"]  # the names in reconciler.kinds (the registry), for type checks

# Keys that belong to reconciler, not to the API request body.
RECONCILER_KEYS = ("kind", "id", "ignore_changes", "write_only_rotated_at")


@dataclass(frozen=True)
class Definition:
    """One ``kind: ModelSync|BulkSync`` document.

    ``spec`` is the API create-request body: reconciler-only keys removed, ``${env:NAME}``
    substituted (those values are sensitive and listed in ``sensitive_paths``), while
    ``${connection:NAME}`` / ``${model:NAME}`` are still the literal reference text; the planner
    resolves them against the live organisation.
    """

    kind: Kind
    name: str
    spec: Mapping[str, Any]
    position: Position
    pinned_id: str | None = None
    ignore_changes: tuple[str, ...] = ()
    # field path ("schedule.frequency", "fields[2].target") -> where its value is written
    positions: Mapping[str, Position] = field(default_factory=dict)
    # field paths whose values are sensitive (env-substituted, encryption_passphrase)
    sensitive_paths: frozenset[str] = frozenset()
    # field path -> the original string with its ${env:...} placeholders, for saved plans
    templates: Mapping[str, str] = field(default_factory=dict)
    # where the pinned ``id`` is written (None when not pinned)
    id_position: Position | None = None
    # field paths of strings written with a ``$${`` escape: literal data, never resolved
    literal_paths: frozenset[str] = frozenset()
    # field path -> the unset ${env:...} variables that make its value unknown (read-only commands)
    unknown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # ``write_only_rotated_at``: write-only values are sent again unless live was updated after it
    rotated_at: str | None = None
    # what validate is stricter about than the API (reported, never refused)
    warnings: tuple[DefinitionError, ...] = ()

    @property
    def label(self) -> str:
        return f'{self.kind} "{self.name}"'

    def position_of(self, path: str) -> Position:
        """Best position for a field path: the path itself, else its nearest written parent."""
        probe = path
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.position
