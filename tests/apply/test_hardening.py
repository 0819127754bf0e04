"""Adversarial checks of apply and the CLI against the real emulator (review findings)."""

from __future__ import annotations

import pytest

import json
from pathlib import Path

from tests.apply.helpers import cli_env, live_names, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import Emulator


def _setup(tmp_path: Path, *docs: dict, prune: dict | None = None) -> tuple[Path, Path]:
    return write_definitions(tmp_path / "syncs", docs), project_dir(tmp_path / "project", prune=prune)


def test_pruning_two_syncs_of_one_name_reports_both_and_keeps_the_failure(emulator: Emulator, tmp_path: Path) -> None:
    dup = {k: v for k, v in model_sync("tmp-dup").items() if k != "kind"}
    ids = emulator.seed(model_syncs=[dup, dup])["model_syncs"]
    defs, cwd = _setup(tmp_path, model_sync("keep"), prune={"name_prefix": "tmp-"})
    emulator.add_faults({"method": "DELETE", "path": "/api/syncs/*", "nth": [1], "action": "error", "status": 400,
                         "body": {"message": "refused by the server"}})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", "--format", "json", cwd=cwd)
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    deletes = [c for c in document["changes"] if c["action"] == "delete"]
    assert sorted(c["sync_id"] for c in deletes) == sorted(ids)
    assert sorted(c["outcome"] for c in deletes) == ["done", "failed"]
    assert document["ok"] is False and document["summary"]["failed"] == 1
    assert live_names(emulator)[("ModelSync", "tmp-dup")] == 1


def test_usage_mistakes_exit_1_never_2(emulator: Emulator, tmp_path: Path) -> None:
    # 2 means "drift found" for drift and "changes" for plan --detailed-exitcode: a typo is an error.
    cwd = project_dir(tmp_path / "project")
    for args in (["drift", "--format", "xml"], ["plan", "--detailed-exitcode", "--bogus"], ["apply", "--max-deletes",
                                                                                            "-1"],
                 ["status", "--bogus"], ["export", "--kind", "Nope"], ["validate", "--bogus"], ["aply"]):
        result = run_cli(emulator, *args, cwd=cwd)
        assert result.returncode == 1, (args, result.returncode, result.stderr)
        assert "Error:" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.e2e  # Retry-After waited for real
def test_retry_after_longer_than_the_backoff_cap_is_waited_in_full(emulator: Emulator, tmp_path: Path) -> None:
    # With a 0.02 s base delay the backoff cap is 1.28 s; a server asking for 2 s must get 2 s.
    defs, cwd = _setup(tmp_path, model_sync("First"), model_sync("Second"))
    # One create every 2 s: the second create is answered 429 with Retry-After: 2.
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "rate_limit", "rate": 0.5, "burst": 1})
    env = cli_env(emulator, RECONCILER_RETRY_BUDGET="10")
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--parallelism", "1", cwd=cwd, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    posts = [r["status"] for r in emulator.requests()["requests"] if r["method"] == "POST"]
    assert posts == [200, 429, 200]  # resent once, after the wait the server asked for


def test_malformed_connection_settings_are_one_line_without_the_key(emulator: Emulator, tmp_path: Path) -> None:
    defs, cwd = _setup(tmp_path, model_sync("X"))
    key = "sekrit-key\nsecond-line"
    cases = [
        ({"POLYTOMIC_API_URL": "http://127.0.0.1:abc"}, "API URL is not valid"),
        ({"POLYTOMIC_API_URL": "http://[::1"}, "API URL is not valid"),
        ({"POLYTOMIC_API_KEY": "k\u00e9y-with-accent"}, "POLYTOMIC_API_KEY"),
        ({"POLYTOMIC_API_KEY": key}, "POLYTOMIC_API_KEY"),
        ({"POLYTOMIC_API_VERSION": "2025-09-18\nX: y"}, "API version"),
    ]
    for extra, expected in cases:
        for command in (["apply", str(defs), "--auto-approve"], ["status", str(defs)], ["drift", str(defs)],
                        ["export", "--out", str(tmp_path / "out")]):
            result = run_cli(emulator, *command, cwd=cwd, env=cli_env(emulator, **extra))
            assert result.returncode == 1, (command, extra, result.stderr)
            assert "Traceback" not in result.stderr, (command, extra, result.stderr)
            assert expected in result.stderr, (command, extra, result.stderr)
            assert "sekrit" not in result.stderr + result.stdout and "second-line" not in result.stderr


def test_unreadable_or_broken_reconciler_yaml_is_one_line(tmp_path: Path, monkeypatch: object) -> None:
    import pathlib

    from click.testing import CliRunner

    from reconciler.cli import main

    project = project_dir(tmp_path / "project")
    (project / "reconciler.yaml").write_text("prune:\n  all: true\n", encoding="utf-8")
    real_read = pathlib.Path.read_text

    def unreadable(self: pathlib.Path, *args: object, **kwargs: object) -> str:
        if self.name == "reconciler.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.chdir(project)  # type: ignore[attr-defined]
    env = {"POLYTOMIC_API_URL": "http://127.0.0.1:9", "POLYTOMIC_API_KEY": "k-0123456789"}
    with monkeypatch.context() as m:  # type: ignore[attr-defined]
        m.setattr(pathlib.Path, "read_text", unreadable)
        for command in (["apply", "--auto-approve"], ["status"], ["drift"], ["export"]):
            result = CliRunner().invoke(main, command, env=env)
            assert result.exit_code == 1, (command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (command, result.exception)
            assert "reconciler.yaml: cannot be read (Permission denied)" in result.output, result.output
    (project / "reconciler.yaml").write_text("prune: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "not valid YAML" in lines[0], result.output


@pytest.mark.e2e  # a closed stdin: the installed CLI
def test_closed_stdin_without_auto_approve_is_one_line_and_sends_nothing(emulator: Emulator, tmp_path: Path) -> None:
    import subprocess

    from tests.apply.helpers import writes
    from tests.support.emulator import reconciler_command

    defs, cwd = _setup(tmp_path, model_sync("Needs approval"))
    emulator.clear_requests()
    result = subprocess.run(["bash", "-c", 'exec "$@" <&-', "_", *reconciler_command(), "apply", str(defs)],
                            cwd=cwd, env=cli_env(emulator), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "--auto-approve" in result.stderr
    assert writes(emulator) == 0


def test_saved_plan_refuses_only_the_moved_one_of_two_namesakes(emulator: Emulator, tmp_path: Path) -> None:
    dup = {k: v for k, v in model_sync("tmp-dup").items() if k != "kind"}
    moved, kept = emulator.seed(model_syncs=[dup, dup])["model_syncs"]
    defs, cwd = _setup(tmp_path, model_sync("keep"), prune={"name_prefix": "tmp-"})
    saved = tmp_path / "plan.json"
    planned = run_cli(emulator, "plan", str(defs), "--prune", "--out", str(saved), cwd=cwd)
    assert planned.returncode == 0, planned.stderr
    touched = emulator.api("POST", f"/api/syncs/{moved}/activate", json={"active": True})
    assert touched.status_code == 200, touched.text
    result = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--prune", "--partial", "--auto-approve",
                     "--format", "json", cwd=cwd)
    assert result.returncode == 1, result.stdout + result.stderr
    outcomes = {c["sync_id"]: c["outcome"] for c in json.loads(result.stdout)["changes"] if c["action"] == "delete"}
    assert outcomes == {moved: "stale", kept: "done"}
    assert emulator.api("GET", f"/api/syncs/{moved}").status_code == 200
    assert emulator.api("GET", f"/api/syncs/{kept}").status_code == 404


def test_json_outputs_stay_valid_when_a_sensitive_value_reads_like_a_json_literal(emulator: Emulator,
                                                                                  tmp_path: Path) -> None:
    # ${env:...} values are sensitive whatever they are; "true" must not turn `"ok": true` into
    # `"ok": (sensitive)` and break the document a machine reads.
    doc = model_sync("Flagged")
    doc["target"] = {**doc["target"], "configuration": {"upsert": "${env:FLAG}"}}
    defs, cwd = _setup(tmp_path, doc)
    env = cli_env(emulator, FLAG="true")
    applied = run_cli(emulator, "apply", str(defs), "--auto-approve", "--format", "json", cwd=cwd, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert json.loads(applied.stdout)["ok"] is True
    again = run_cli(emulator, "apply", str(defs), "--auto-approve", "--format", "json", cwd=cwd, env=env)
    assert json.loads(again.stdout) == {"format_version": 1, "ok": True, "summary": {"done": 0, "failed": 0, "skipped": 0, "stale": 0, "interrupted": 0, "not-started": 0}, "changes": []}
    drift = run_cli(emulator, "drift", str(defs), "--format", "json", cwd=cwd, env=env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert json.loads(drift.stdout)["drift"] is False
    status = run_cli(emulator, "status", str(defs), "--format", "json", cwd=cwd, env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["syncs"][0]["active"] is False


def test_a_listing_answer_without_data_is_an_error_not_an_empty_organisation(emulator: Emulator,
                                                                             tmp_path: Path) -> None:
    # A 200 whose body is not a listing (a proxy page, an error body with the wrong status) must
    # not read as "no bulk syncs": every managed bulk sync would be planned as a create.
    from tests.apply.helpers import bulk_sync, create_live, writes

    create_live(emulator, bulk_sync("Replicate"))
    defs, cwd = _setup(tmp_path, bulk_sync("Replicate"))
    for path in ("/api/bulk/syncs", "/api/syncs"):
        emulator.clear_faults()
        emulator.add_faults({"method": "GET", "path": path, "action": "error", "status": 200})
        emulator.clear_requests()
        result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "no list of items" in result.stderr and "Traceback" not in result.stderr
        assert writes(emulator) == 0
    emulator.clear_faults()
    assert live_names(emulator)[("BulkSync", "Replicate")] == 1


@pytest.mark.e2e  # a pseudo-terminal: the installed CLI
def test_terminal_progress_line_never_shows_part_of_a_secret(emulator: Emulator, tmp_path: Path) -> None:
    # The progress line is cut to the terminal width: cutting before scrubbing would leave the
    # first characters of an echoed secret that straddles the cut.
    from tests.apply.test_cli import _run_in_terminal

    secret = "CANARYSECRET-abcdefghij-0123456789"
    doc = model_sync("Leaky")
    doc["target"] = {**doc["target"], "configuration": {"api_token": "${env:LEAKY_TOKEN}"}}
    defs, cwd = _setup(tmp_path, doc)
    shown = '[1/1] ! ModelSync "Leaky" create FAILED: POST /api/syncs -> 422: '
    message = "x" * (110 - len(shown)) + secret  # the secret starts at column 110 of 120
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 422,
                         "body": {"message": message}})
    import os

    os.environ["LEAKY_TOKEN"] = secret  # inherited by cli_env() inside the helper
    try:
        code, output = _run_in_terminal(emulator, ["apply", str(defs)], cwd, "yes")
    finally:
        del os.environ["LEAKY_TOKEN"]
    assert code == 1, output
    assert "(sensitive)" in output
    assert "CANARYSEC" not in output, output
