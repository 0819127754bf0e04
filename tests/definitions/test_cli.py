"""`reconciler validate` as users run it: in this process through click (the installed command in e2e)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.definitions.helpers import DEMO_ENV, EXAMPLES, write
from tests.support.cli import run_command
from tests.support.emulator import free_port

BAD = """kind: ModelSync
name: Users to Salesforce
mode: create
schedule:
  frequency: dayly
target:
  connection_id: ${connection:Salesforce CRM}
  object: Contact
fields:
  - source: {model_id: "${model:Users}", field: email}
    target: Email
shedule: {}
"""


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        installed: bool = False) -> subprocess.CompletedProcess[str]:
    """`reconciler validate` (in this process unless ``installed``; it never needs the API)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("POLYTOMIC_", "GITHUB_"))}
    base.update(env or {})
    return run_command(None, ["validate", *args], cwd=cwd, env=base, timeout=60, installed=installed)


def test_examples_are_valid() -> None:
    result = run(str(EXAMPLES), env=DEMO_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "5 files, 5 definitions, 0 errors\n"


def test_invalid_file_lines_and_summary(tmp_path: Path) -> None:
    write(tmp_path, "syncs/users.yaml", BAD)
    result = run(cwd=tmp_path)  # default path: syncs/
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "syncs/users.yaml:5:3: ModelSync \"Users to Salesforce\": schedule.frequency: 'dayly' is not one of manual, "
        "continuous, hourly, daily, weekly, custom, builder, runafter, multi, dbtcloud; did you mean 'daily'?",
        "syncs/users.yaml:12:1: ModelSync \"Users to Salesforce\": shedule: unknown key 'shedule'; did you mean 'schedule'?",
        "1 file, 1 definition, 2 errors",
    ]
    assert "Traceback" not in result.stderr


def test_json_format(tmp_path: Path) -> None:
    write(tmp_path, "syncs/users.yaml", BAD)
    result = run("--format", "json", "syncs", cwd=tmp_path)
    assert result.returncode == 1
    records = json.loads(result.stdout)
    assert [(r["file"], r["line"], r["column"], r["path"]) for r in records] == [
        ("syncs/users.yaml", 5, 3, "schedule.frequency"), ("syncs/users.yaml", 12, 1, "shedule")]
    assert records[1]["message"] == "unknown key 'shedule'; did you mean 'schedule'?"
    assert result.stderr == "1 file, 1 definition, 2 errors\n"


def test_json_format_valid_is_an_empty_list() -> None:
    result = run("--format", "json", str(EXAMPLES), env=DEMO_ENV)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_github_annotations(tmp_path: Path) -> None:
    write(tmp_path, "syncs/users.yaml", BAD)
    result = run(cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotations == [
        "::error file=syncs/users.yaml,line=5,col=3::ModelSync \"Users to Salesforce\": schedule.frequency: 'dayly' is "
        "not one of manual, continuous, hourly, daily, weekly, custom, builder, runafter, multi, dbtcloud; did you mean 'daily'?",
        "::error file=syncs/users.yaml,line=12,col=1::ModelSync \"Users to Salesforce\": shedule: unknown key 'shedule'; "
        "did you mean 'schedule'?",
    ]
    assert "::error" not in run(cwd=tmp_path).stdout
    as_json = run("--format", "json", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert len(json.loads(as_json.stdout)) == 2
    assert as_json.stderr.count("::error file=syncs/users.yaml") == 2


def test_definitions_setting_from_reconciler_yaml(tmp_path: Path) -> None:
    write(tmp_path, "reconciler.yaml", "definitions: [defs]\n")
    write(tmp_path, "defs/ok.yaml", BAD.replace("dayly", "manual").replace("shedule: {}\n", ""))
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "1 file, 1 definition, 0 errors\n"


def test_secret_from_env_never_printed(tmp_path: Path) -> None:
    text = BAD.replace("dayly", "manual").replace("shedule: {}\n", "encryption_passphrase: ${env:PASS}\n") \
        .replace("connection_id: ${connection:Salesforce CRM}", "connection_id: ${env:PASS}")
    write(tmp_path, "syncs/s.yaml", text)
    result = run("--format", "json", cwd=tmp_path, env={"PASS": "hunter2-very-secret"})
    assert result.returncode == 1
    assert "hunter2-very-secret" not in result.stdout + result.stderr
    assert json.loads(result.stdout)[0]["message"] == "the value is not a UUID (nor a ${connection:NAME}-style reference)"


@pytest.mark.e2e  # the installed `validate`
def test_no_network_with_api_url_at_a_closed_port(tmp_path: Path) -> None:
    env = {"POLYTOMIC_API_URL": f"http://127.0.0.1:{free_port()}", "POLYTOMIC_API_KEY": "k", **DEMO_ENV}
    result = run(str(EXAMPLES), env=env, installed=True)
    assert result.returncode == 0, result.stderr


def test_no_request_reaches_the_emulator(emulator) -> None:
    emulator.clear_requests()
    result = run(str(EXAMPLES), env={**emulator.env, **DEMO_ENV})
    assert result.returncode == 0
    assert emulator.requests()["total"] == 0


def test_bad_paths_exit_1(tmp_path: Path) -> None:
    result = run(str(tmp_path / "missing"))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{tmp_path / 'missing'}: no such file or directory",
                                          "0 files, 0 definitions, 1 error"]


def test_unset_passphrase_variable_is_named_not_masked() -> None:
    """validate is offline and needs no secret: an unset variable is named, its value unknown."""
    env = {k: v for k, v in os.environ.items() if k != "DEMO_ENCRYPTION_PASSPHRASE"}
    result = run_command(None, ["validate", str(EXAMPLES)], env=env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ("Note: not set, so their values are unknown (only apply needs them): "
                             "DEMO_ENCRYPTION_PASSPHRASE\n")


def test_warnings_do_not_fail_validate_and_are_annotated(tmp_path: Path) -> None:
    text = BAD.replace("dayly", "manual").replace("shedule: {}\n", "").replace("mode: create", "mode: enrich")
    write(tmp_path, "syncs/users.yaml", text)
    result = run(cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 0, result.stdout
    assert "warning: syncs/users.yaml:3:1: " in result.stdout
    assert "1 file, 1 definition, 0 errors, 1 warning" in result.stdout.splitlines()
    assert [line.split("::")[1] for line in result.stdout.splitlines() if line.startswith("::")] == [
        "warning file=syncs/users.yaml,line=3,col=1"]
    as_json = run("--format", "json", cwd=tmp_path)
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
    assert "warning: syncs/users.yaml:3:1" in as_json.stderr
