"""Runtime settings (reconciler/settings.py) reach every command that talks to the API, in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli.common import Seams
from reconciler.config import ProjectConfig
from reconciler.errors import ConfigError
from reconciler.settings import APPLY_MAX_ATTEMPTS, READ_MAX_ATTEMPTS, RuntimeFlags, resolve
from tests.apply.helpers import model_sync
from tests.support.emulator import API_KEY, VERSION
from tests.support.inprocess import InProcessEmulator
from tests.usecases.helpers import counts, definitions

COMMANDS = {
    "plan": ["plan"],
    "drift": ["drift"],
    "status": ["status"],
    "apply": ["apply", "--auto-approve"],
    "export": ["export", "--out"],
}


class Recording(httpx.BaseTransport):
    """The in-process emulator's transport, remembering the timeout every request was sent with."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.timeouts: list[Any] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.timeouts.append(request.extensions.get("timeout"))
        return self.inner.handle_request(request)


def _invoke(emu: InProcessEmulator, tmp_path: Path, command: str, transport: httpx.BaseTransport | None = None,
            **env: str) -> Any:
    paths = definitions(tmp_path, [model_sync("uc-a")])
    args = [*COMMANDS[command], str(tmp_path / "exported")] if command == "export" else [*COMMANDS[command], *paths]
    environ = {"POLYTOMIC_API_URL": "http://127.0.0.1", "POLYTOMIC_API_KEY": API_KEY, "POLYTOMIC_API_VERSION": VERSION,
               "GITHUB_ACTIONS": "", "RECONCILER_CACHE_DIR": str(tmp_path / "cache"), **env}
    return CliRunner().invoke(main, args, obj=Seams(transport=transport or emu.transport), env=environ)


def _unavailable_twice(emu: InProcessEmulator) -> None:
    emu.control("POST", "/_emulator/faults", json={"rules": [
        {"method": "GET", "path": "/api/syncs", "action": "error", "status": 503, "times": 2}]})


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_retry_budget_means_one_try(inprocess: InProcessEmulator, tmp_path: Path, command: str) -> None:
    _unavailable_twice(inprocess)
    result = _invoke(inprocess, tmp_path, command, RECONCILER_RETRY_BUDGET="0", RECONCILER_RETRY_BASE_DELAY="0.01")
    assert result.exit_code == 1, result.output
    assert "503" in result.stderr
    assert counts(inprocess)["GET /api/syncs"] == 1


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_retry_budget_rides_out_the_outage(inprocess: InProcessEmulator, tmp_path: Path, command: str) -> None:
    _unavailable_twice(inprocess)
    result = _invoke(inprocess, tmp_path, command, RECONCILER_RETRY_BUDGET="30", RECONCILER_RETRY_BASE_DELAY="0.01")
    assert result.exit_code in (0, 2), result.output  # drift exits 2: uc-a is not live (apply made it, or not)
    assert counts(inprocess)["GET /api/syncs"] >= 3


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_request_timeout_reaches_every_request(inprocess: InProcessEmulator, tmp_path: Path, command: str) -> None:
    recording = Recording(inprocess.transport)
    result = _invoke(inprocess, tmp_path, command, recording, RECONCILER_API_TIMEOUT="7.5")
    assert result.exit_code in (0, 2), result.output
    assert recording.timeouts and all(t["read"] == 7.5 and t["pool"] == 7.5 for t in recording.timeouts)


def test_flags_win_over_the_environment_and_apply_tries_more_often() -> None:
    environ = {"POLYTOMIC_API_KEY": API_KEY, "RECONCILER_API_TIMEOUT": "9", "RECONCILER_RETRY_BUDGET": "3"}
    read = resolve(ProjectConfig(), environ)
    assert (read.api.timeout, read.retry.budget, read.retry.max_attempts) == (9.0, 3.0, READ_MAX_ATTEMPTS)
    flags = RuntimeFlags(timeout=2.0, retry_budget=1.5, max_attempts=APPLY_MAX_ATTEMPTS)
    write = resolve(ProjectConfig(), environ, flags)
    assert (write.api.timeout, write.retry.budget, write.retry.max_attempts) == (2.0, 1.5, APPLY_MAX_ATTEMPTS)
    defaults = resolve(ProjectConfig(), {"POLYTOMIC_API_KEY": API_KEY})
    assert (defaults.api.timeout, defaults.retry.budget, defaults.retry.base_delay) == (30.0, 120.0, 0.5)
    with pytest.raises(ConfigError, match="RECONCILER_API_TIMEOUT must be a positive number"):
        resolve(ProjectConfig(), {"POLYTOMIC_API_KEY": API_KEY, "RECONCILER_API_TIMEOUT": "0"})
