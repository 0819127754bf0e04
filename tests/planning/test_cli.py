"""`reconciler plan` as a user runs it: the installed command against the emulator subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from tests.planning.helpers import create, run_cli, users_sync, write_yaml
from tests.support.cli import BOTH_WAYS
from tests.support.emulator import USERS_MODEL, Emulator

SECRET = "cli-secret-value-41c9"


def _project(tmp_path: Path) -> Path:
    secret = {"kind": "ModelSync", **users_sync("With secret")}
    secret["filters"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                          "value": "${env:CLI_SECRET}"}]
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Existing")}, secret])
    return tmp_path


@BOTH_WAYS
def test_exit_codes_formats_and_saved_plan(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(tmp_path)
    create(emulator, "ModelSync", users_sync("Existing", active=True))
    env = {"CLI_SECRET": SECRET}

    text = run_cli(emulator, "plan", cwd=cwd, env=env)  # default path: syncs/
    assert text.returncode == 0, text.stderr
    assert "Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged, 0 unmanaged." in text.stdout
    assert '~ active: true -> false' in text.stdout
    assert "\x1b[" not in text.stdout  # no colour off a terminal

    detailed = run_cli(emulator, "plan", "syncs", "--detailed-exitcode", "--out", "plan.json", cwd=cwd, env=env)
    assert detailed.returncode == 2, detailed.stderr
    assert json.loads((cwd / "plan.json").read_text())["format_version"] == 1

    as_json = run_cli(emulator, "plan", "syncs", "--format", "json", cwd=cwd, env=env)
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["summary"]["update"] == 1

    markdown = run_cli(emulator, "plan", "syncs", "--format", "markdown", cwd=cwd, env=env)
    assert markdown.returncode == 0 and markdown.stdout.startswith("<!-- reconciler-plan -->")

    for result in (text, detailed, as_json, markdown):
        assert SECRET not in result.stdout + result.stderr
    assert SECRET not in (cwd / "plan.json").read_text()


def test_no_changes_exits_zero_with_detailed_exitcode(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Same")}])
    create(emulator, "ModelSync", users_sync("Same"))
    result = run_cli(emulator, "plan", "--detailed-exitcode", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes." in result.stdout


def test_invalid_files_exit_one_without_touching_the_api(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Typo"), "shedule": {"frequency": "daily"}}])
    emulator.clear_requests()
    result = run_cli(emulator, "plan", "--detailed-exitcode", cwd=tmp_path)
    assert result.returncode == 1
    assert "shedule" in result.stderr and "Traceback" not in result.stderr
    assert emulator.requests()["total"] == 0


def test_plan_errors_exit_one_and_are_printed(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Twin")}])
    first = create(emulator, "ModelSync", users_sync("Twin"))
    second = create(emulator, "ModelSync", users_sync("Twin"))
    result = run_cli(emulator, "plan", cwd=tmp_path)
    assert result.returncode == 1
    assert first in result.stdout and second in result.stdout
    assert "1 error." in result.stdout


def test_api_errors_exit_one_with_one_line(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Any")}])
    result = run_cli(emulator, "plan", cwd=tmp_path, env={"POLYTOMIC_API_KEY": "wrong-key-123"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "401" in result.stderr and "Traceback" not in result.stderr


def test_prune_needs_a_scope_and_plans_deletions_inside_it(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("tmp-kept")}])
    create(emulator, "ModelSync", users_sync("tmp-kept"))
    doomed = create(emulator, "ModelSync", users_sync("tmp-doomed"))
    create(emulator, "ModelSync", users_sync("outside"))
    refused = run_cli(emulator, "plan", "--prune", cwd=tmp_path)
    assert refused.returncode == 1 and "prune scope" in refused.stderr
    (tmp_path / "reconciler.yaml").write_text('prune: {name_prefix: "tmp-"}\n')
    result = run_cli(emulator, "plan", "--prune", "--format", "json", "--detailed-exitcode", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    assert [(c["name"], c["action"], c["sync_id"]) for c in document["changes"]] == [
        ("tmp-doomed", "delete", doomed), ("tmp-kept", "no-op", document["changes"][1]["sync_id"])]
    # the deprecated prune: key is the ownership scope: "outside" is another team's, only counted
    assert document["unmanaged"] == [] and document["not_owned"] == 1
    assert "`prune:` is deprecated: rename it to `owns:`" in result.stderr


def test_json_stays_valid_when_a_secret_reads_like_a_json_literal(emulator: Emulator, tmp_path: Path) -> None:
    doc = {"kind": "ModelSync", **users_sync("Literal secret"), "encryption_passphrase": "${env:PASS}"}
    write_yaml(tmp_path / "syncs", [doc])
    result = run_cli(emulator, "plan", "--format", "json", cwd=tmp_path, env={"PASS": "true"})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # "has_changes": true must not become (sensitive)
    assert document["has_changes"] is True
    assert document["summary"]["create"] == 1
