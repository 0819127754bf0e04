from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.emulator import Emulator, start_emulator


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
