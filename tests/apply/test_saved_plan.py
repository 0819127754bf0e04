"""`apply --plan FILE`: a saved plan can only do what a fresh plan from the files would do.

All or nothing by default (each refused change listed once with what moved), `--partial` applies
the rest, a tampered plan is refused whole, and a re-run after an interrupted apply completes it.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.planning.model import fingerprint
from tests.apply.helpers import (
    api_body,
    cli_env,
    create_live,
    live_names,
    model_sync,
    project_dir,
    run_cli,
    write_definitions,
    writes,
)
from tests.support.emulator import Emulator


def _edit(emulator: Emulator, sync_id: str, doc: dict) -> None:
    r = emulator.api("PUT", f"/api/syncs/{sync_id}", json=api_body(doc))
    assert r.status_code == 200, r.text


def _live(emulator: Emulator, sync_id: str) -> dict:
    return emulator.api("GET", f"/api/syncs/{sync_id}").json()["data"]


def _saved(emulator: Emulator, defs: Path, cwd: Path, saved: Path, *extra: str) -> None:
    planned = run_cli(emulator, "plan", str(defs), "--out", str(saved), *extra, cwd=cwd)
    assert planned.returncode in (0, 2), planned.stderr


def test_a_moved_target_refuses_the_whole_saved_plan_and_partial_applies_the_rest(emulator: Emulator, tmp_path: Path) -> None:
    edited_id = create_live(emulator, model_sync("Edited", frequency="hourly"))
    steady_id = create_live(emulator, model_sync("Steady", frequency="hourly"))
    unrelated_id = create_live(emulator, model_sync("Unrelated"))
    defs = write_definitions(
        tmp_path / "syncs", [model_sync("Edited"), model_sync("Steady"), model_sync("Unrelated"), model_sync("Brand new")]
    )
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    _saved(emulator, defs, cwd, saved)
    _edit(emulator, edited_id, model_sync("Edited", frequency="manual"))  # a target of the plan moved
    _edit(emulator, unrelated_id, model_sync("Unrelated", frequency="hourly"))  # a no-op sync moved: unrelated

    emulator.clear_requests()
    refused = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", cwd=cwd)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    lines = [x for x in refused.stderr.splitlines() if x.startswith("Refusing")]
    assert len(lines) == 1 and '"Edited"' in lines[0] and "schedule.frequency" in lines[0]
    assert "nothing was applied" in refused.stderr
    assert writes(emulator) == 0 and ("ModelSync", "Brand new") not in live_names(emulator)
    assert "Not in the saved plan, not applied: update ModelSync \"Unrelated\"" in refused.stderr

    result = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--partial", "--auto-approve", "--format", "json",
                     cwd=cwd)
    assert result.returncode == 1, result.stderr
    outcomes = {c["name"]: c for c in json.loads(result.stdout)["changes"]}
    assert outcomes["Edited"]["outcome"] == "stale" and "plan --out again" in outcomes["Edited"]["message"]
    assert outcomes["Steady"]["outcome"] == "done" and outcomes["Brand new"]["outcome"] == "done"
    assert "Unrelated" not in outcomes
    assert _live(emulator, edited_id)["schedule"]["frequency"] == "manual"  # not overwritten
    assert _live(emulator, steady_id)["schedule"]["frequency"] == "daily"
    assert _live(emulator, unrelated_id)["schedule"]["frequency"] == "hourly"


def test_create_refused_when_the_name_appeared_and_delete_of_a_gone_sync_is_done(emulator: Emulator, tmp_path: Path) -> None:
    doomed_id = create_live(emulator, model_sync("tmp-doomed"))
    defs = write_definitions(tmp_path / "syncs", [model_sync("Racing"), model_sync("Calm")])
    cwd = project_dir(tmp_path / "project", prune={"name_prefix": "tmp-"})
    saved = tmp_path / "plan.json"
    _saved(emulator, defs, cwd, saved, "--prune")
    assert "tmp-doomed" in saved.read_text()
    create_live(emulator, model_sync("Racing", frequency="hourly"))  # someone created it meanwhile, differently
    emulator.api("DELETE", f"/api/syncs/{doomed_id}")

    result = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", "--prune", "--partial",
                     "--format", "json", cwd=cwd)
    assert result.returncode == 1, result.stderr
    outcomes = {c["name"]: c for c in json.loads(result.stdout)["changes"]}
    assert outcomes["Racing"]["outcome"] == "stale" and "would update" in outcomes["Racing"]["message"]
    assert outcomes["Calm"]["outcome"] == "done"
    assert outcomes["tmp-doomed"]["outcome"] == "done" and "no longer exists" in outcomes["tmp-doomed"]["message"]
    assert live_names(emulator)[("ModelSync", "Racing")] == 1  # never a duplicate


def test_fresh_saved_plan_applies_cleanly(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("Old", frequency="hourly"))
    defs = write_definitions(tmp_path / "syncs", [model_sync("Old"), model_sync("New")])
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    _saved(emulator, defs, cwd, saved)
    result = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    again = run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd)
    assert again.returncode == 0, again.stdout


def test_a_tampered_saved_plan_is_refused_whole(emulator: Emulator, tmp_path: Path) -> None:
    outside_id = create_live(emulator, model_sync("Production feed"))  # unmanaged, outside the prune scope
    kept_id = create_live(emulator, model_sync("Kept", frequency="hourly"))
    defs = write_definitions(tmp_path / "syncs", [model_sync("Kept"), model_sync("Fresh")])
    cwd = project_dir(tmp_path / "project", prune={"name_prefix": "tmp-"})
    saved = tmp_path / "plan.json"
    _saved(emulator, defs, cwd, saved, "--prune")
    document = json.loads(saved.read_text())
    by_name = {c["name"]: c for c in document["changes"]}
    # a delete anyone can forge: the fingerprint is computed from a GET
    document["changes"].append({"kind": "ModelSync", "name": "tmp-Production feed", "action": "delete",
                                "sync_id": outside_id, "fingerprint": fingerprint(_live(emulator, outside_id))})
    by_name["Kept"]["body"]["name"] = "Renamed by hand"
    by_name["Fresh"]["secrets"] = [{"path": "filter_logic", "template": "${env:POLYTOMIC_API_KEY}"}]
    saved.write_text(json.dumps(document))

    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--prune", "--auto-approve", cwd=cwd)
    assert result.returncode == 1, result.stdout + result.stderr
    refused = [x for x in result.stderr.splitlines() if x.startswith("Refusing")]
    assert len(refused) == 3, result.stderr
    assert any(outside_id in x and "outside the prune scope" in x for x in refused)
    assert any('"Kept"' in x and "body differs at name" in x for x in refused)
    assert any('"Fresh"' in x and "filter_logic" in x for x in refused)
    assert writes(emulator) == 0
    assert emulator.api("GET", f"/api/syncs/{outside_id}").status_code == 200
    assert _live(emulator, kept_id)["name"] == "Kept"
    assert emulator.api_key not in result.stdout + result.stderr


def test_rerun_after_an_interrupted_saved_apply_completes_the_rest(emulator: Emulator, tmp_path: Path) -> None:
    names = [f"Batch {i}" for i in range(6)]
    for name in names[:2]:
        create_live(emulator, model_sync(name, frequency="hourly"))
    defs = write_definitions(tmp_path / "syncs", [model_sync(n) for n in names])
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    _saved(emulator, defs, cwd, saved)
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 503, "nth": list(range(3, 40))})
    first = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", "--parallelism", "1", cwd=cwd,
                    env=cli_env(emulator, RECONCILER_RETRY_BUDGET="0.2"))
    assert first.returncode == 1 and "FAILED" in first.stdout
    assert 2 < sum(live_names(emulator).values()) < 6  # interrupted half way
    emulator.clear_faults()
    rerun = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", "--format", "json", cwd=cwd)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    outcomes = json.loads(rerun.stdout)["changes"]
    assert {c["outcome"] for c in outcomes} == {"done"} and len(outcomes) == 6
    assert sum("already done" in c["message"] for c in outcomes) >= 3
    assert run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd).returncode == 0
    assert sum(live_names(emulator).values()) == 6
