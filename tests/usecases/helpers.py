"""Shared pieces of the use-case tests: definitions on disk and the in-process emulator as the client factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from reconciler.usecases.common import Connect
from tests.apply.helpers import api_body, write_definitions
from tests.support.inprocess import InProcessEmulator


def connect_to(emu: InProcessEmulator) -> Connect:
    """The use cases' client factory, answered by the emulator in this process."""
    return lambda parallelism: emu.client()


def definitions(tmp_path: Path, docs: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The ``paths`` of a run: one folder holding one file per document."""
    return (str(write_definitions(tmp_path / "syncs", docs)),)


def create_live(emu: InProcessEmulator, doc: Mapping[str, Any]) -> str:
    """A sync made outside the files (as in the UI); its id."""
    path = "/api/syncs" if doc["kind"] == "ModelSync" else "/api/bulk/syncs"
    return str(emu.data("POST", path, json=api_body(doc))["id"])


def live_names(emu: InProcessEmulator) -> list[str]:
    return sorted(s["name"] for s in emu.data("GET", "/api/syncs", params={"limit": 50}))


def counts(emu: InProcessEmulator) -> dict[str, int]:
    """Requests the emulator received, per ``METHOD route`` (control calls are not counted)."""
    response = emu.control("GET", "/_emulator/requests")
    body = response.json()
    return dict(body.get("data", body)["counts"])


def writes(emu: InProcessEmulator) -> int:
    """Write requests the emulator received."""
    return sum(n for route, n in counts(emu).items() if route.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE"))
