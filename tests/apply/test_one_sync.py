"""At most one live sync per definition: concurrent applies of two versions, an out-of-band
create during an apply, read-after-write lag and name normalisation, over real sockets."""

from __future__ import annotations

import pytest

import json
import subprocess
import time
import unicodedata
from pathlib import Path
from typing import Any

from reconciler.apply import apply_plan
from tests.apply.conftest import note
from tests.apply.helpers import (
    cli_env,
    client_for,
    create_live,
    list_all,
    live_names,
    model_sync,
    plan_dir,
    project_dir,
    run_cli,
    write_definitions,
)
from tests.support.emulator import Emulator, reconciler_command

TRIALS = 5
COUNT = 50


def _env(emulator: Emulator) -> dict[str, str]:
    return cli_env(emulator, RECONCILER_API_TIMEOUT="10", RECONCILER_RETRY_BUDGET="30")


def _frequencies(emulator: Emulator) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in list_all(emulator, "/api/syncs"):
        full = emulator.api("GET", f"/api/syncs/{item['id']}").json()["data"]
        out.setdefault(item["name"], []).append(full["schedule"]["frequency"])
    return out


@pytest.mark.e2e  # real processes racing over sockets
def test_two_concurrent_applies_of_two_versions_make_one_sync_per_name(emulator: Emulator, tmp_path: Path) -> None:
    names = [f"Race {i:02d}" for i in range(COUNT)]
    one = write_definitions(tmp_path / "one", [model_sync(n, frequency="daily") for n in names])
    two = write_definitions(tmp_path / "two", [model_sync(n, frequency="hourly") for n in names])
    cwd = project_dir(tmp_path / "project")
    totals: dict[str, Any] = {"duplicates": 0, "lost": 0, "exits": []}
    problems: list[str] = []
    for trial in range(TRIALS):
        emulator.reset()
        runs = [subprocess.Popen([*reconciler_command(), "apply", str(d), "--auto-approve"], cwd=cwd,
                                 env=_env(emulator),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for d in (one, two)]
        outputs = [r.communicate(timeout=300) for r in runs]
        totals["exits"] += [r.returncode for r in runs]
        problems += [line for (out, err) in outputs for line in (out + err).splitlines() if "FAILED" in line or "Error" in line]
        frequencies = _frequencies(emulator)
        duplicates = sum(len(v) - 1 for v in frequencies.values() if len(v) > 1)
        lost = sum(1 for n in names if n not in frequencies)
        totals["duplicates"] += duplicates
        totals["lost"] += lost
        assert duplicates == 0 and lost == 0, (trial, outputs)
        assert all(v[0] in ("daily", "hourly") for v in frequencies.values())
        # a re-run of either version converges, and a plan after it is empty
        rerun = run_cli(emulator, "apply", str(two if trial % 2 else one), "--auto-approve", cwd=cwd,
                        env=_env(emulator))
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        again = run_cli(emulator, "plan", str(two if trial % 2 else one), "--detailed-exitcode", cwd=cwd,
                        env=_env(emulator))
        assert again.returncode == 0, again.stdout
        assert sum(live_names(emulator).values()) == COUNT
    note(f"concurrent applies: {TRIALS} trials x 2 processes x {COUNT} definitions (two versions): "
         f"{totals['duplicates']} duplicates, {totals['lost']} lost, exit codes {totals['exits']}")
    for line in sorted(set(problems))[:5]:
        note(f"  a run that exited 1 said: {line.strip()[:200]}")


def test_create_out_of_band_after_the_plan_is_updated_not_duplicated(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Sneaky", frequency="daily")])
    with client_for(emulator) as client:
        plan = plan_dir(client, defs)
        assert [c.action for c in plan.changes] == ["create"]
        theirs = create_live(emulator, model_sync("Sneaky", frequency="manual"))  # the UI, meanwhile
        result = apply_plan(client, plan, policy=client.retry)
    (outcome,) = result.outcomes
    assert outcome.status == "done" and outcome.sync_id == theirs and theirs in outcome.message
    assert live_names(emulator)[("ModelSync", "Sneaky")] == 1
    assert emulator.api("GET", f"/api/syncs/{theirs}").json()["data"]["schedule"]["frequency"] == "daily"


def test_a_listing_that_cannot_be_completed_before_creating_does_not_stop_the_create(emulator: Emulator,
                                                                                       tmp_path: Path) -> None:
    # e.g. another job creating syncs all the while: the identity key still keeps the create single
    defs = write_definitions(tmp_path / "syncs", [model_sync("Busy")])
    with client_for(emulator) as client:
        plan = plan_dir(client, defs)
        emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "error", "status": 400})
        result = apply_plan(client, plan, policy=client.retry)
        emulator.clear_faults()
        again = apply_plan(client, plan, policy=client.retry)  # the same stale plan, run twice
    assert [o.status for o in result.outcomes + again.outcomes] == ["done", "done"]
    assert live_names(emulator)[("ModelSync", "Busy")] == 1


@pytest.mark.e2e  # real processes racing over sockets
def test_create_out_of_band_while_the_create_is_in_flight_is_reported_and_resolved(emulator: Emulator,
                                                                                   tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Racer", frequency="daily")])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "latency", "latency_ms": 1500, "nth": 1})
    proc = subprocess.Popen([*reconciler_command(), "apply", str(defs), "--auto-approve", "--format", "json"], cwd=cwd,
                            env=_env(emulator), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    while not any(r["method"] == "POST" for r in emulator.requests()["requests"]):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    theirs = create_live(emulator, model_sync("Racer", frequency="manual"))  # while ours is being handled
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    (change,) = json.loads(out)["changes"]
    assert change["outcome"] == "failed" and theirs in change["message"] and "twin" in change["message"]
    assert live_names(emulator)[("ModelSync", "Racer")] == 1  # ours, the younger twin, was removed
    rerun = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd, env=_env(emulator)).returncode == 0
    assert [i["id"] for i in list_all(emulator, "/api/syncs") if i["name"] == "Racer"] == [theirs]


def _ids_through_lag(emulator: Emulator, reads: int) -> set[str]:
    """Every model-sync id, listing often enough that no lagging one is missed."""
    return {item["id"] for _ in range(reads + 1) for item in list_all(emulator, "/api/syncs")}


def test_read_after_write_lag_makes_no_duplicates(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync(f"Lagging {i}") for i in range(5)])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 3})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator))
    assert result.returncode == 0, result.stdout + result.stderr
    assert [rule["fired"] for rule in emulator.faults()] == [5]
    # the next run plans against a listing that still misses the new syncs: it must not create them again
    rerun = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert len(_ids_through_lag(emulator, 3)) == 5
    assert run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd, env=_env(emulator)).returncode == 0


def test_lag_outlasting_the_retry_budget_leaves_the_create_failed_never_sent_twice(
        emulator: Emulator, tmp_path: Path) -> None:
    # Out of attempts while the created ids still 404: sending the create again made a twin (which
    # only the twin check undid, when its own listing was not lagging too).
    defs = write_definitions(tmp_path / "syncs", [model_sync(f"Lagging {i}") for i in range(3)])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 3})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd,
                     env=cli_env(emulator, RECONCILER_RETRY_BUDGET="0.001"))
    assert result.returncode == 1 and "could not read it back" in result.stdout, result.stdout + result.stderr
    assert emulator.requests()["counts"]["POST /api/syncs"] == 3  # one create per definition, none again
    assert len(_ids_through_lag(emulator, 3)) == 3
    emulator.clear_faults()
    assert run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator)).returncode == 0
    assert len(_ids_through_lag(emulator, 3)) == 3


def test_lag_outlasting_every_read_back_of_a_fresh_create_never_sends_it_again(
        emulator: Emulator, tmp_path: Path) -> None:
    # The server made the sync (a fresh create, not a replay): however long it stays hidden, it is
    # never taken for a stale replay and created again under a fresh key.
    defs = write_definitions(tmp_path / "syncs", [model_sync("Lagging long")])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 6})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator))
    assert result.returncode == 1 and "could not read it back" in result.stdout, result.stdout + result.stderr
    assert emulator.requests()["counts"]["POST /api/syncs"] == 1
    assert len(_ids_through_lag(emulator, 6)) == 1


def test_server_side_name_normalisation_makes_one_sync_and_an_empty_plan(emulator: Emulator, tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "  Café Users ")
    defs = write_definitions(tmp_path / "syncs", [model_sync(decomposed)])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"path": "/api/syncs*", "action": "normalize_names", "forms": ["nfc", "strip", "casefold"]})
    for _ in range(2):
        result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd, env=_env(emulator))
        assert result.returncode == 0, result.stdout + result.stderr
    assert dict(live_names(emulator)) == {("ModelSync", "café users"): 1}
    plan = run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd, env=_env(emulator))
    assert plan.returncode == 0, plan.stdout




@pytest.mark.e2e  # real processes racing over sockets
def test_concurrent_applies_against_a_lagging_normalising_dropping_server(emulator: Emulator, tmp_path: Path) -> None:
    names = [f"  Storm {i:02d}" for i in range(30)]  # stored stripped and case-folded
    one = write_definitions(tmp_path / "one", [model_sync(n, frequency="daily") for n in names])
    two = write_definitions(tmp_path / "two", [model_sync(n.upper(), frequency="hourly") for n in names])
    cwd = project_dir(tmp_path / "project")
    exits: list[int] = []
    for trial in range(TRIALS):
        emulator.reset()
        emulator.add_faults(
            {"method": "POST", "path": "/api/syncs", "action": "lag", "reads": 2},
            {"path": "/api/syncs*", "action": "normalize_names", "forms": ["strip", "casefold"]},
            {"method": "POST", "path": "/api/syncs", "action": "after_commit", "status": 0, "probability": 0.3,
             "seed": trial},
        )
        runs = [subprocess.Popen([*reconciler_command(), "apply", str(d), "--auto-approve"], cwd=cwd,
                                 env=_env(emulator),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for d in (one, two)]
        outputs = [r.communicate(timeout=300) for r in runs]
        exits += [r.returncode for r in runs]
        seen = {item["id"]: item["name"] for _ in range(3) for item in list_all(emulator, "/api/syncs")}
        assert sorted(seen.values()) == sorted(n.strip().casefold() for n in names), (trial, outputs)
        emulator.clear_faults()
        rerun = run_cli(emulator, "apply", str(one), "--auto-approve", cwd=cwd, env=_env(emulator))
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert run_cli(emulator, "plan", str(one), "--detailed-exitcode", cwd=cwd, env=_env(emulator)).returncode == 0
    note(f"concurrent applies against lag + normalisation + dropped create answers: {TRIALS} trials x 2 x "
         f"{len(names)}: 0 duplicates, 0 lost, exit codes {exits}")
