"""SIGINT / SIGTERM sent for real to a real `reconciler apply` against a failing, slow server:
it stops within seconds (no new request, retry waits cut), prints what was done, failed, in
flight and not started, exits 130 / 143, and a re-run converges. CI logs get each change once."""

from __future__ import annotations

import pytest

import signal
import subprocess
import time
from pathlib import Path

from tests.apply.conftest import note
from tests.apply.helpers import cli_env, duplicates, live_names, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import Emulator, reconciler_command

TRIALS = 3

pytestmark = pytest.mark.e2e  # signals to real processes


def _posts(emulator: Emulator) -> int:
    return emulator.requests()["counts"].get("POST /api/syncs", 0)


def _start(emulator: Emulator, defs: Path, cwd: Path) -> subprocess.Popen[str]:
    # slow retries (up to 2 minutes per change) against a server that fails every create
    env = cli_env(emulator, RECONCILER_RETRY_BASE_DELAY="2", RECONCILER_RETRY_BUDGET="120", RECONCILER_API_TIMEOUT="10")
    return subprocess.Popen([*reconciler_command(), "apply", str(defs), "--auto-approve", "--parallelism", "2"],
                            cwd=cwd,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_signal_stops_a_retrying_apply_with_a_summary_and_a_rerun_converges(emulator: Emulator,
                                                                              tmp_path: Path) -> None:
    names = [f"Stoppable {i:02d}" for i in range(12)]
    defs = write_definitions(tmp_path / "syncs", [model_sync(n) for n in names])
    cwd = project_dir(tmp_path / "project")
    stops: list[float] = []
    for trial in range(TRIALS):
        emulator.reset()
        emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 503})
        proc = _start(emulator, defs, cwd)
        deadline = time.monotonic() + 60
        while _posts(emulator) < 2:  # the writes are retrying
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        signum = signal.SIGTERM if trial % 2 else signal.SIGINT
        sent = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)  # a hang guard, not a speed assertion
        stops.append(time.monotonic() - sent)
        assert proc.returncode == 128 + signum, out + err
        name = signal.Signals(signum).name
        (summary,) = [line for line in err.splitlines() if line.startswith(f"Stopped by {name}:")]
        assert "0 done" in summary and "not started" in summary and "in flight" in summary, summary
        after = _posts(emulator)
        time.sleep(0.3)
        assert _posts(emulator) == after  # nothing is sent once it has exited
        assert "Traceback" not in err
        emulator.clear_faults()
        rerun = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert sum(live_names(emulator).values()) == len(names) and not duplicates(emulator)
    note(f"signals: {TRIALS} trials (SIGINT/SIGTERM) against a failing server with 2-s backoff: stopped after "
         f"{', '.join(f'{s:.2f}s' for s in stops)}; 0 hangs, 0 duplicates, 0 lost after the re-run")


def test_a_signal_while_planning_stops_at_once_and_sends_no_write(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Never")])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "latency", "latency_ms": 3000})
    proc = _start(emulator, defs, cwd)
    deadline = time.monotonic() + 60
    while not emulator.requests()["counts"].get("GET /api/syncs"):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, out + err
    assert "Interrupted by SIGTERM" in err and "Traceback" not in err
    assert _posts(emulator) == 0


def test_ci_logs_show_each_finished_change_exactly_once(emulator: Emulator, tmp_path: Path) -> None:
    names = ["Once A", "Once B", "Once C"]
    defs = write_definitions(tmp_path / "syncs", [model_sync(n) for n in names])
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=project_dir(tmp_path / "project"))
    assert result.returncode == 0, result.stderr
    log = result.stdout + result.stderr  # what a CI log shows: both streams
    for name in names:
        assert sum(f'"{name}"' in line and "create: created" in line for line in log.splitlines()) == 1, log
    assert "Apply complete: 3 created" in result.stdout


def test_a_saved_plan_interrupted_by_a_signal_completes_on_the_next_run(emulator: Emulator, tmp_path: Path) -> None:
    names = [f"Saved {i}" for i in range(6)]
    defs = write_definitions(tmp_path / "syncs", [model_sync(n) for n in names])
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    assert run_cli(emulator, "plan", str(defs), "--out", str(saved), cwd=cwd).returncode == 0
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "latency", "latency_ms": 400})
    proc = subprocess.Popen([*reconciler_command(), "apply", str(defs), "--plan", str(saved), "--auto-approve",
                             "--parallelism", "1"], cwd=cwd, env=cli_env(emulator, RECONCILER_API_TIMEOUT="10"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _posts(emulator) < 3:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    made = sum(live_names(emulator).values())
    assert 2 <= made < len(names)
    emulator.clear_faults()
    rerun = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", cwd=cwd)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert rerun.stdout.count("already done") == made
    assert sum(live_names(emulator).values()) == len(names) and not duplicates(emulator)


def test_sigterm_ends_a_read_only_command_with_a_message(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Watched")])
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "latency", "latency_ms": 3000})
    proc = subprocess.Popen([*reconciler_command(), "plan", str(defs)], cwd=project_dir(tmp_path / "project"),
                            env=cli_env(emulator, RECONCILER_API_TIMEOUT="10"), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not emulator.requests()["counts"].get("GET /api/syncs"):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Interrupted by SIGTERM" in err and "Traceback" not in err, out + err
