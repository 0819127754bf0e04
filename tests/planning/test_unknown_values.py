"""Read-only commands run with ${env:...} variables unset: such values are unknown, never drift, never sent."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.config import Ownership
from reconciler.definitions.interpolate import UnknownValue, UnsetAllowed
from reconciler.definitions.load import load_definitions, validate_paths
from tests.planning.helpers import create, get, model, plan, run_cli, users_sync, write_yaml
from tests.support.emulator import USERS_MODEL, Emulator, reconciler_command

SECRET = "pro-secret-value-77aa"


def _with_env_filter(name: str, variable: str = "PLAN_VALUE", **extra: Any) -> dict[str, Any]:
    body = users_sync(name, **extra)
    body["filters"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                        "value": f"${{env:{variable}}}"}]
    return {"kind": "ModelSync", **body}


def _live_filter(value: str) -> list[dict[str, Any]]:
    return [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": value}]


def _project(emulator: Emulator, tmp_path: Path) -> Path:
    """One live sync whose filter value comes from an unset variable; one to create; a passphrase."""
    write_yaml(tmp_path / "syncs", [
        _with_env_filter("Existing"),
        {**_with_env_filter("New", variable="OTHER_VALUE"), "encryption_passphrase": "${env:PASSPHRASE}"},
    ])
    create(emulator, "ModelSync", users_sync("Existing", filters=_live_filter(SECRET)))
    emulator.clear_requests()
    return tmp_path


def test_validate_and_the_hook_pass_without_the_variables(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    result = run_cli(emulator, "validate", cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OTHER_VALUE, PASSPHRASE, PLAN_VALUE" in result.stderr and "only apply needs them" in result.stderr
    mode = {"kind": "ModelSync", **users_sync("Mode from env"), "mode": "${env:SYNC_MODE}"}
    write_yaml(tmp_path / "more", [mode])
    assert run_cli(emulator, "validate", "more", cwd=cwd).returncode == 0  # not an enum error either
    assert run_cli(emulator, "validate", "more", cwd=cwd, env={"SYNC_MODE": "nonsense"}).returncode == 1


def test_plan_shows_unknown_values_and_never_counts_them(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    text = run_cli(emulator, "plan", "--detailed-exitcode", cwd=cwd)
    assert text.returncode == 2, text.stderr  # the create only
    assert "Plan: 1 to create, 0 to update, 0 to delete, 1 unchanged, 0 unmanaged." in text.stdout
    assert "(unknown: OTHER_VALUE not set)" in text.stdout
    assert "filters[0].value (PLAN_VALUE)" in text.stdout  # the hint on the unchanged sync
    markdown = run_cli(emulator, "plan", "--format", "markdown", cwd=cwd).stdout
    assert "### Hints (2)" in markdown and "filters\\[0\\].value (PLAN\\_VALUE)" in markdown
    doc = json.loads(run_cli(emulator, "plan", "--format", "json", cwd=cwd).stdout)
    existing = next(c for c in doc["changes"] if c["name"] == "Existing")
    assert existing["action"] == "no-op"
    new = next(c for c in doc["changes"] if c["name"] == "New")
    added = next(d for d in new["diffs"] if d["path"] == "filters[plan]")
    assert added["after"]["value"] == "(unknown: OTHER_VALUE not set)" and added["sensitive"] is False
    assert all(route.startswith("GET ") for route in emulator.requests()["counts"])


def test_drift_and_status_run_without_the_variables(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    (cwd / "syncs" / "001.yaml").unlink()  # only the live sync: in sync although its value is unknown
    drift = run_cli(emulator, "drift", cwd=cwd)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    status = run_cli(emulator, "status", cwd=cwd)
    assert status.returncode == 0, status.stdout + status.stderr
    # the value set: now it is compared, and differs
    drifted = run_cli(emulator, "drift", cwd=cwd, env={"PLAN_VALUE": "basic"})
    assert drifted.returncode == 2 and SECRET not in drifted.stdout


def test_apply_names_every_missing_variable_before_any_request(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    live = get(emulator, "ModelSync", create(emulator, "ModelSync", users_sync("Untouched")))
    emulator.clear_requests()
    result = run_cli(emulator, "apply", "--auto-approve", cwd=cwd, env={"PASSPHRASE": SECRET})
    assert result.returncode == 1
    assert "apply needs environment variables OTHER_VALUE, PLAN_VALUE, not set" in result.stderr
    assert "syncs/000.yaml" in result.stderr and "nothing was sent" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert emulator.requests()["total"] == 0
    assert get(emulator, "ModelSync", live["id"])["updated_at"] == live["updated_at"]


def test_a_plan_with_unknown_values_is_saved_and_shown_but_never_applied(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    saved = run_cli(emulator, "plan", "--out", "plan.json", cwd=cwd)  # a fork's pull request: no secrets
    assert saved.returncode == 0, saved.stderr
    assert "(unknown: OTHER_VALUE not set)" in run_cli(emulator, "show", "plan.json", cwd=cwd).stdout
    emulator.clear_requests()
    env = {"PLAN_VALUE": "a", "OTHER_VALUE": "b", "PASSPHRASE": SECRET}
    applied = run_cli(emulator, "apply", "--plan", "plan.json", "--auto-approve", cwd=cwd, env=env)
    assert applied.returncode == 1
    assert "made without OTHER_VALUE, PASSPHRASE, PLAN_VALUE set" in applied.stderr
    assert emulator.requests()["total"] == 0


@pytest.mark.e2e  # the hook runs the installed command
def test_the_pre_commit_hook_entry_needs_no_secret(tmp_path: Path) -> None:
    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    entry = shlex.split(next(h for h in hooks if h["id"] == "reconciler-validate")["entry"])
    assert entry[0] == "reconciler"
    write_yaml(tmp_path / "syncs", [_with_env_filter("Hooked")])
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYTOMIC_") and k != "PLAN_VALUE"}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([*reconciler_command(), *entry[1:]], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PLAN_VALUE" in result.stderr


def test_apply_of_a_saved_plan_names_every_missing_variable_before_any_request(emulator: Emulator,
                                                                                tmp_path: Path) -> None:
    cwd = _project(emulator, tmp_path)
    env = {"PLAN_VALUE": "a", "OTHER_VALUE": "b", "PASSPHRASE": SECRET}
    assert run_cli(emulator, "plan", "--out", "plan.json", cwd=cwd, env=env).returncode == 0
    emulator.clear_requests()
    applied = run_cli(emulator, "apply", "--plan", "plan.json", "--auto-approve", cwd=cwd, env={"PLAN_VALUE": "a"})
    assert applied.returncode == 1
    assert "needs environment variables OTHER_VALUE, PASSPHRASE, not set" in applied.stderr
    assert emulator.requests()["total"] == 0


def _validated(tmp_path: Path, doc: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    write_yaml(tmp_path / "syncs", [doc])
    return validate_paths([str(tmp_path / "syncs")], UnsetAllowed(env or {}))


def test_a_name_from_an_unset_variable_is_refused_as_when_it_is_set(tmp_path: Path) -> None:
    doc = {"kind": "ModelSync", **users_sync("Users ${env:SUFFIX}")}
    for env in ({"SUFFIX": "x"}, {}):
        result = _validated(tmp_path, doc, env)
        assert [p.path for p in result.problems] == ["name"], env
        assert "not allowed in a name" in result.problems[0].message


def test_unset_variables_in_reconciler_keys_are_unknown_too(emulator: Emulator, tmp_path: Path) -> None:
    live_id = create(emulator, "ModelSync", users_sync("Pinned"))
    doc = {"kind": "ModelSync", "id": "${env:SYNC_ID}", "write_only_rotated_at": "${env:ROTATED}",
           **users_sync("Pinned"), "encryption_passphrase": "${env:PASSPHRASE}"}
    write_yaml(tmp_path / "syncs", [doc])
    emulator.clear_requests()
    planned = run_cli(emulator, "plan", cwd=tmp_path)
    assert planned.returncode == 1
    assert "id (unknown: SYNC_ID not set)" in planned.stdout and "matches no live" not in planned.stdout
    assert f"/api/syncs/{live_id}" not in json.dumps(emulator.requests())  # no read guessed from the name
    emulator.clear_requests()
    applied = run_cli(emulator, "apply", "--auto-approve", cwd=tmp_path, env={"PASSPHRASE": SECRET})
    assert applied.returncode == 1
    assert "apply needs environment variables ROTATED, SYNC_ID, not set" in applied.stderr
    assert emulator.requests()["total"] == 0


def test_an_unknown_key_of_an_unordered_list_item_is_never_drift(emulator: Emulator, tmp_path: Path) -> None:
    """The file lists the fields in another order than the server: an item whose key (its target) is
    unknown cannot be paired with a live item, so its list is not compared (it was, by position)."""
    create(emulator, "ModelSync", users_sync("Ordered"))  # first_name -> FirstName, last_name -> LastName
    body = users_sync("Ordered")
    body["fields"] = [body["fields"][1], {**body["fields"][0], "target": "First${env:FIRST_TARGET}"}]
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **body}])
    known = plan(emulator, load_definitions([str(tmp_path / "syncs")], {"FIRST_TARGET": "Name"}))
    assert [c.action for c in known.changes] == ["no-op"]
    unknown = plan(emulator, load_definitions([str(tmp_path / "syncs")], UnsetAllowed({})))
    assert [c.action for c in unknown.changes] == ["no-op"], unknown.changes[0].diffs
    assert any("fields is not compared" in h.message for h in unknown.hints)
    create(emulator, "ModelSync", users_sync("Still compared"))
    other = {**body, "name": "Still compared", "schedule": {"frequency": "hourly"}}  # other fields still are
    write_yaml(tmp_path / "more", [{"kind": "ModelSync", **other}])
    changed = plan(emulator, load_definitions([str(tmp_path / "more")], UnsetAllowed({})))
    assert [d.path for d in changed.changes[0].diffs if not d.write_only] == ["schedule.frequency", "schedule.hour",
                                                                               "schedule.minute"]


def test_an_unknown_value_where_no_text_is_allowed_is_refused_without_the_variable(tmp_path: Path) -> None:
    """A variable only ever gives text: a boolean or mapping slot refuses it whatever its value."""
    doc = {"kind": "ModelSync", **users_sync("Typed"), "active": "${env:ACTIVE}", "mode": "${env:MODE}"}
    doc["target"] = {**doc["target"], "search_values": "${env:SEARCH}"}
    for env in ({"ACTIVE": "yes", "MODE": "create", "SEARCH": "x"}, {}):
        result = _validated(tmp_path, doc, env)
        assert sorted(p.path for p in result.problems) == ["active", "target.search_values"], env
    assert not _validated(tmp_path, {**doc, "active": True,
                                     "target": users_sync("x")["target"]}).problems  # mode: any text may do


def test_the_namesake_of_a_definition_with_an_unknown_id_is_never_pruned(emulator: Emulator) -> None:
    create(emulator, "ModelSync", users_sync("Pinned"))
    create(emulator, "ModelSync", users_sync("Stray"))
    pinned = dataclasses.replace(model(users_sync("Pinned")), pinned_id=UnknownValue.of(["SYNC_ID"]))
    result = plan(emulator, [pinned], prune=Ownership(all=True))
    assert [p.message for p in result.problems] == [
        "id (unknown: SYNC_ID not set): which live sync this is cannot be told until it is set"]
    assert [(c.action, c.name) for c in result.changes] == [("delete", "Stray")]  # not the file's own sync
    assert [u.name for u in result.unmanaged] == []


def test_an_id_from_a_variable_stays_out_of_a_saved_plan_s_errors(emulator: Emulator, tmp_path: Path) -> None:
    pinned = "11111111-2222-4333-8444-555555555555"  # matches no live sync: the plan names it in an error
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", "id": "${env:SYNC_ID}", **users_sync("Pinned")}])
    saved = run_cli(emulator, "plan", "--out", "plan.json", cwd=tmp_path, env={"SYNC_ID": pinned})
    assert "matches no live ModelSync" in saved.stdout and pinned not in saved.stdout
    assert pinned not in (tmp_path / "plan.json").read_text()
