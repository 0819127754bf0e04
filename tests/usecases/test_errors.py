"""The one error handler's unexpected-error path, through the whole CLI in-process (CliRunner)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli.common import Seams
from tests.apply.helpers import model_sync
from tests.support.emulator import VERSION
from tests.usecases.helpers import definitions

CANARY = "canary-secret-5b7e1d94"


class Broken(httpx.BaseTransport):
    """A transport with a bug: every request raises an exception outside the error family."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"transport blew up holding {CANARY}")


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    paths = definitions(tmp_path, [model_sync("uc-a")])
    env = {"POLYTOMIC_API_URL": "http://127.0.0.1", "POLYTOMIC_API_KEY": CANARY, "POLYTOMIC_API_VERSION": VERSION,
           "GITHUB_ACTIONS": "", "RECONCILER_CACHE_DIR": str(tmp_path / "cache")}
    result = CliRunner().invoke(main, [*args, *paths], obj=Seams(transport=Broken()), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["plan", "drift", "status"])
def test_an_unexpected_error_is_one_line_saying_it_is_a_bug(tmp_path: Path, command: str) -> None:
    code, out, err = _run(tmp_path, command)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == ["Error: unexpected RuntimeError: this is a bug in reconciler. Please report it with the output "
                     "of `reconciler --version` and the command run, with -v for the traceback."]
    assert "Traceback" not in err and CANARY not in out + err


@pytest.fixture
def _logging_restored() -> Iterator[None]:
    """-v configures the root logger on CliRunner's stderr: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("_logging_restored")
def test_with_verbose_the_traceback_is_shown_scrubbed(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "plan", "-v")
    assert code == 1
    assert "Error: unexpected RuntimeError: this is a bug in reconciler" in err
    assert "Traceback (most recent call last):" in err
    assert "RuntimeError: transport blew up holding (sensitive)" in err
    assert CANARY not in out + err
