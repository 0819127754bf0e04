from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.secrets import redactor
from tests.apply import conftest as apply_report
from tests.support.emulator import Emulator, EmulatorControls, start_emulator
from tests.support.inprocess import InProcessEmulator

#: fixtures that reach an emulator process over sockets: their tests are end-to-end (marker e2e)
SOCKET_FIXTURES = ("socket_emulator", "emulator_process")


@pytest.fixture(autouse=True)
def _fresh_redactor() -> Iterator[None]:
    """Each test starts with no sensitive value known: one test's secrets must not mask another's output."""
    redactor.clear()
    yield
    redactor.clear()


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    emu = start_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def socket_emulator(emulator_process: Emulator) -> Emulator:
    """The emulator process over sockets (for the installed CLI), reset to the seeded demo organisation."""
    emulator_process.reset()
    return emulator_process


@pytest.fixture(scope="session")
def inprocess_session() -> Iterator[InProcessEmulator]:
    emu = InProcessEmulator()
    yield emu
    emu.close()


@pytest.fixture
def inprocess(inprocess_session: InProcessEmulator) -> InProcessEmulator:
    """The emulator in this process (through the client's transport seam), reset before each test."""
    inprocess_session.reset()
    return inprocess_session


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> EmulatorControls:
    """The emulator, reset to the freshly seeded demo organisation: in this process (`run_cli` runs
    whole commands in this process against it), or the socket one for tests marked `e2e`."""
    if request.node.get_closest_marker("e2e") is not None:
        return request.getfixturevalue("socket_emulator")
    return request.getfixturevalue("inprocess")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SOCKET_FIXTURES):
            item.add_marker(pytest.mark.e2e)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the apply report's rows to the controller, which prints them."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["apply_matrix"] = [dataclasses.asdict(row) for row in apply_report.MATRIX]
        output["apply_notes"] = list(apply_report.NOTES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", None) or {}
    apply_report.MATRIX.extend(apply_report.MatrixRow(**row) for row in output.get("apply_matrix", []))
    apply_report.NOTES.extend(output.get("apply_notes", []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    apply_report.terminal_summary(terminalreporter)
