"""200 creates against a token-bucket rate limit finish with no failed change."""

from __future__ import annotations

import pytest

import json
import time
from pathlib import Path

from tests.apply.conftest import note
from tests.apply.helpers import cli_env, live_names, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import Emulator

COUNT = 200


@pytest.mark.e2e  # 429 + Retry-After for real, by the installed CLI
def test_two_hundred_creates_under_a_token_bucket(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync(f"Bulk create {i:03d}") for i in range(COUNT)])
    cwd = project_dir(tmp_path / "project")
    # Every API request takes a token; 100 a second, bursts of 20; 429 with Retry-After otherwise.
    emulator.add_faults({"path": "/api/*", "action": "rate_limit", "rate": 100, "burst": 20})
    env = cli_env(emulator, RECONCILER_RETRY_BUDGET="60", RECONCILER_API_TIMEOUT="10")
    started = time.monotonic()
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--parallelism", "8", "--format", "json",
                     cwd=cwd, env=env, timeout=240)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    document = json.loads(result.stdout)
    assert document["summary"] == {"done": COUNT, "failed": 0, "skipped": 0, "stale": 0, "interrupted": 0,
                                   "not-started": 0}
    log = emulator.requests()
    throttled = sum(1 for r in log["requests"] if r["status"] == 429)
    names = live_names(emulator)
    assert all(names[("ModelSync", f"Bulk create {i:03d}")] == 1 for i in range(COUNT))
    note(f"rate limit: {COUNT} creates at parallelism 8 against a 100/s token bucket (burst 20): "
         f"{elapsed:.1f}s, {throttled} requests answered 429, 0 failed changes")
    emulator.clear_faults()
    again = run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd, env=env)
    assert again.returncode == 0, again.stdout[-2000:]
