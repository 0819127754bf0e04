"""`apply --plan FILE`: every target is re-read; changes whose live object moved are refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.apply.helpers import api_body, create_live, live_names, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import Emulator


def _edit(emulator: Emulator, sync_id: str, doc: dict) -> None:
    r = emulator.api("PUT", f"/api/syncs/{sync_id}", json=api_body(doc))
    assert r.status_code == 200, r.text


def _live(emulator: Emulator, sync_id: str) -> dict:
    return emulator.api("GET", f"/api/syncs/{sync_id}").json()["data"]


def test_edit_between_plan_and_apply_is_refused_unrelated_edit_is_not(emulator: Emulator, tmp_path: Path) -> None:
    edited_id = create_live(emulator, model_sync("Edited", frequency="hourly"))
    steady_id = create_live(emulator, model_sync("Steady", frequency="hourly"))
    unrelated_id = create_live(emulator, model_sync("Unrelated"))
    defs = write_definitions(
        tmp_path / "syncs", [model_sync("Edited"), model_sync("Steady"), model_sync("Unrelated"), model_sync("Brand new")]
    )
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    planned = run_cli(emulator, "plan", str(defs), "--out", str(saved), cwd=cwd)
    assert planned.returncode in (0, 2), planned.stderr

    _edit(emulator, edited_id, model_sync("Edited", frequency="manual"))  # a target of the plan moved
    _edit(emulator, unrelated_id, model_sync("Unrelated", frequency="hourly"))  # a no-op sync moved: unrelated

    result = run_cli(emulator, "apply", "--plan", str(saved), "--auto-approve", "--format", "json", cwd=cwd)
    assert result.returncode == 1, result.stderr
    outcomes = {c["name"]: c for c in json.loads(result.stdout)["changes"]}
    assert outcomes["Edited"]["outcome"] == "stale" and "plan" in outcomes["Edited"]["message"]
    assert outcomes["Steady"]["outcome"] == "done"
    assert outcomes["Brand new"]["outcome"] == "done"
    assert "Unrelated" not in outcomes
    assert "plan again" in result.stderr
    assert _live(emulator, edited_id)["schedule"]["frequency"] == "manual"  # not overwritten
    assert _live(emulator, steady_id)["schedule"]["frequency"] == "daily"
    assert _live(emulator, unrelated_id)["schedule"]["frequency"] == "hourly"


def test_create_refused_when_the_name_appeared_and_delete_when_gone(emulator: Emulator, tmp_path: Path) -> None:
    doomed_id = create_live(emulator, model_sync("tmp-doomed"))
    defs = write_definitions(tmp_path / "syncs", [model_sync("Racing"), model_sync("Calm")])
    cwd = project_dir(tmp_path / "project", prune={"name_prefix": "tmp-"})
    saved = tmp_path / "plan.json"
    planned = run_cli(emulator, "plan", str(defs), "--out", str(saved), "--prune", cwd=cwd)
    if planned.returncode not in (0, 2):  # plan may not take --prune: plan without deletions then
        planned = run_cli(emulator, "plan", str(defs), "--out", str(saved), cwd=cwd)
    assert planned.returncode in (0, 2), planned.stderr
    has_delete = "tmp-doomed" in saved.read_text()

    create_live(emulator, model_sync("Racing"))  # someone created it meanwhile
    if has_delete:
        emulator.api("DELETE", f"/api/syncs/{doomed_id}")

    result = run_cli(emulator, "apply", "--plan", str(saved), "--auto-approve", "--prune", "--format", "json", cwd=cwd)
    assert result.returncode == 1, result.stderr
    outcomes = {c["name"]: c for c in json.loads(result.stdout)["changes"]}
    assert outcomes["Racing"]["outcome"] == "stale"
    assert outcomes["Calm"]["outcome"] == "done"
    if has_delete:
        assert outcomes["tmp-doomed"]["outcome"] == "stale"
    assert live_names(emulator)[("ModelSync", "Racing")] == 1  # never a duplicate


def test_fresh_saved_plan_applies_cleanly(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("Old", frequency="hourly"))
    defs = write_definitions(tmp_path / "syncs", [model_sync("Old"), model_sync("New")])
    cwd = project_dir(tmp_path / "project")
    saved = tmp_path / "plan.json"
    assert run_cli(emulator, "plan", str(defs), "--out", str(saved), cwd=cwd).returncode in (0, 2)
    result = run_cli(emulator, "apply", "--plan", str(saved), "--auto-approve", cwd=cwd)
    assert result.returncode == 0, result.stderr + result.stdout
    again = run_cli(emulator, "plan", str(defs), "--detailed-exitcode", cwd=cwd)
    assert again.returncode == 0, again.stdout
