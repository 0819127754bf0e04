"""Where values are written, kept packed: one int per field path, a :class:`Position` only when asked.

A definition records where each of its values is written, and almost none is ever shown: an
int costs far less to make and to keep than a Position, and the garbage collector never walks it.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from reconciler.errors import Position

#: A packed mark is ``line << COLUMN_BITS | column`` (0-based, as in YAML's marks); a column is
#: below 2**32 (no text that long is ever loaded), the line is unbounded.
COLUMN_BITS = 32
_COLUMN_MASK = (1 << COLUMN_BITS) - 1


def pack(mark: Any) -> int:
    """A YAML mark (``line``, ``column``, 0-based) as one int."""
    return mark.line << COLUMN_BITS | mark.column


def line_of(packed: int) -> int:
    """The 1-based line of a packed mark."""
    return (packed >> COLUMN_BITS) + 1


def unpack(file: str, packed: int) -> Position:
    """The 1-based ``file:line:column`` of a packed mark."""
    return Position(file, (packed >> COLUMN_BITS) + 1, (packed & _COLUMN_MASK) + 1)


class Positions(Mapping[str, Position]):
    """Field path -> where its value is written, in one file (Positions made on lookup)."""

    __slots__ = ("file", "packed")

    def __init__(self, file: str, packed: dict[str, int]) -> None:
        self.file = file
        self.packed = packed

    def __getitem__(self, path: str) -> Position:
        return unpack(self.file, self.packed[path])

    def __contains__(self, path: object) -> bool:
        return path in self.packed

    def __iter__(self) -> Iterator[str]:
        return iter(self.packed)

    def __len__(self) -> int:
        return len(self.packed)

    def __repr__(self) -> str:
        return f"Positions({dict(self)!r})"
