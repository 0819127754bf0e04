from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.secrets import redactor
from tests.support.emulator import Emulator, start_emulator
from tests.support.inprocess import InProcessEmulator


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
def emulator(emulator_process: Emulator) -> Emulator:
    """A running emulator, reset to the freshly seeded demo organisation before each test."""
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
