"""Fault matrix: every fault x operation x once/repeated, injected in the emulator (never the client).

First run: the installed CLI (`reconciler apply --auto-approve --format json`). It either succeeds
or reports the failure (exit 1, a clear message). Then, faults cleared, a second apply converges
(the plan after it is empty), and the emulator never holds a duplicate nor loses a sync.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import PruneScope
from tests.apply.conftest import MatrixRow, record
from tests.apply.helpers import (
    LATENCY_MS,
    apply_dir,
    client_for,
    create_live,
    live_names,
    model_sync,
    plan_dir,
    project_dir,
    run_cli,
    write_definitions,
)
from tests.support.emulator import Emulator

FAULTS: dict[str, dict[str, Any]] = {
    "500": {"action": "error", "status": 500},
    "503 + Retry-After": {"action": "error", "status": 503, "retry_after": 0.2},
    "429": {"action": "error", "status": 429, "retry_after": 0.1},
    "dropped connection": {"action": "drop"},
    "timeout": {"action": "latency", "latency_ms": LATENCY_MS},
    "after commit (500)": {"action": "after_commit", "status": 500},
}
#: dropped connections and Retry-After waits stay end to end (the installed CLI over sockets)
SOCKET_FAULTS = ("503 + Retry-After", "429", "dropped connection")
OPERATIONS = {"create": ("POST", "/api/syncs"), "update": ("PUT", "/api/syncs/*"), "delete": ("DELETE", "/api/syncs/*")}
REPEATS = {"once": {"times": 1}, "repeated": {}}
TARGET = "Matrix target"
BYSTANDER = "Matrix bystander"
DOOMED = "tmp-doomed"
OUTSIDE = "outside scope"
PREFIX = "tmp-"


def _setup(emulator: Emulator, operation: str, root: Path) -> tuple[Path, Path, list[str], dict[str, int]]:
    """Live state and files for one operation: (definitions, cwd, extra args, expected live counts)."""
    defs = [model_sync(TARGET), model_sync(BYSTANDER)]
    create_live(emulator, model_sync(BYSTANDER))
    expected = {TARGET: 1, BYSTANDER: 1}
    args: list[str] = []
    cwd = project_dir(root / "project")
    if operation == "update":
        create_live(emulator, model_sync(TARGET, frequency="hourly"))
    elif operation == "delete":
        create_live(emulator, model_sync(TARGET))
        create_live(emulator, model_sync(DOOMED))
        create_live(emulator, model_sync(OUTSIDE))
        cwd = project_dir(root / "project", prune={"name_prefix": PREFIX})
        args = ["--prune"]
        expected.update({DOOMED: 0, OUTSIDE: 1})
    return write_definitions(root / "syncs", defs), cwd, args, expected


def _target_change(operation: str) -> str:
    return DOOMED if operation == "delete" else TARGET


@pytest.mark.parametrize("repeat", list(REPEATS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("fault", [pytest.param(f, marks=pytest.mark.e2e) if f in SOCKET_FAULTS else f for f in FAULTS])
def test_fault_matrix(emulator: Emulator, tmp_path: Path, fault: str, operation: str, repeat: str) -> None:
    defs, cwd, args, expected = _setup(emulator, operation, tmp_path)
    method, path = OPERATIONS[operation]
    emulator.add_faults({"method": method, "path": path, **FAULTS[fault], **REPEATS[repeat]})

    first = run_cli(emulator, "apply", str(defs), "--auto-approve", "--format", "json", *args, cwd=cwd)
    assert first.returncode in (0, 1), first.stderr
    assert "Traceback" not in first.stderr
    document = json.loads(first.stdout)
    assert document["format_version"] == 1
    outcome = next(c for c in document["changes"] if c["name"] == _target_change(operation))
    if first.returncode == 0:
        assert outcome["outcome"] == "done"
        first_run = "done"
    else:
        assert outcome["outcome"] == "failed" and outcome["message"], document
        assert document["ok"] is False
        first_run = "failed (exit 1)"
    dupes_after_first = sum(n - 1 for n in live_names(emulator).values() if n > 1)

    emulator.clear_faults()
    time.sleep(LATENCY_MS / 1000 if fault == "timeout" else 0)  # let abandoned slow requests end
    scope = PruneScope(name_prefix=PREFIX) if operation == "delete" else None
    with client_for(emulator) as client:
        _, second = apply_dir(client, defs, prune=scope)
        assert second.ok, second.outcomes
        converged = not plan_dir(client, defs, prune=scope).has_changes

    names = live_names(emulator)
    dupes = max(dupes_after_first, sum(n - 1 for n in names.values() if n > 1))
    lost = sum(1 for name, want in expected.items() if want and names[("ModelSync", name)] == 0)
    record(MatrixRow(fault, operation, repeat, first_run, converged, dupes, lost))
    assert converged
    assert dupes == 0
    assert {name: names[("ModelSync", name)] for name in expected} == expected
    if repeat == "once":
        # one transient fault is absorbed within the first run
        assert first.returncode == 0, document

