"""The `reconciler` command's entry point: the console script runs `run`, which tunes the collector."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path

import pytest

from reconciler.cli import COLLECTOR_THRESHOLDS, run

ROOT = Path(__file__).resolve().parents[1]


def test_the_console_script_and_python_dash_m_run_the_entry_point() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"reconciler": "reconciler.cli:run"}
    assert "run()" in (ROOT / "reconciler" / "__main__.py").read_text()


def test_run_sets_the_collector_for_a_short_lived_command(monkeypatch: pytest.MonkeyPatch) -> None:
    before = gc.get_threshold()
    monkeypatch.setattr("sys.argv", ["reconciler", "--version"])
    try:
        with pytest.raises(SystemExit) as stopped:
            run()
        assert stopped.value.code == 0
        assert gc.get_threshold() == COLLECTOR_THRESHOLDS != before
    finally:
        gc.set_threshold(*before)
