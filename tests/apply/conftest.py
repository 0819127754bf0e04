"""Collects the fault-matrix rows and notes; tests/conftest.py prints them at the end of the test report
(and gathers them from pytest-xdist's workers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MATRIX: list["MatrixRow"] = []
NOTES: list[str] = []


@dataclass(frozen=True)
class MatrixRow:
    fault: str
    operation: str
    repeat: str
    first_run: str
    converged: bool
    duplicates: int
    lost: int


def record(row: MatrixRow) -> None:
    MATRIX.append(row)


def note(text: str) -> None:
    """A line for the end of the test report (e.g. the rate-limit result)."""
    NOTES.append(text)


def matrix_table(rows: list[MatrixRow]) -> list[str]:
    header = ("fault", "operation", "once|repeated", "first-run outcome", "converged", "duplicates", "lost")
    body = [
        (r.fault, r.operation, r.repeat, r.first_run, "yes" if r.converged else "NO", str(r.duplicates), str(r.lost))
        for r in sorted(rows, key=lambda r: (r.fault, r.operation, r.repeat))
    ]
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(r) for r in body)]


def terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix and the notes, as sections of the test report."""
    if MATRIX:
        terminalreporter.section("apply fault matrix")
        for text in matrix_table(MATRIX):
            terminalreporter.write_line(text)
    if NOTES:
        terminalreporter.section("apply notes")
        for text in NOTES:
            terminalreporter.write_line(text)
