"""`reconciler show PLAN`: a saved plan rendered offline, in every format, without secrets or credentials."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.errors import Position
from reconciler.planning.model import Change, FieldDiff, Hint, Plan, Problem, SecretSource, Unmanaged
from reconciler.planning.saved import plan_document
from tests.planning.helpers import create, run_cli, users_sync, write_yaml
from tests.support.cli import run_command
from tests.support.emulator import USERS_MODEL, Emulator

SECRET = "show-secret-9d1e"


def _saved(emulator: Emulator, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    with_secret = {"kind": "ModelSync", **users_sync("With secret"), "encryption_passphrase": "${env:PASS}"}
    with_secret["filters"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                               "value": "${env:FILTER}"}]
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Existing")}, with_secret])
    create(emulator, "ModelSync", users_sync("Existing", active=True))
    create(emulator, "ModelSync", users_sync("Made in the UI"))
    env = {"PASS": SECRET, "FILTER": SECRET + "-f"}
    outputs = {}
    for fmt in ("text", "json", "markdown"):
        result = run_cli(emulator, "plan", "--format", fmt, "--out", "plan.json", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        outputs[fmt] = result.stdout
    emulator.clear_requests()
    return tmp_path, outputs


def _show(cwd: Path, *args: str, installed: bool = False) -> subprocess.CompletedProcess[str]:
    """`reconciler show` with no credential, no API URL and none of the plan's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYTOMIC_") and k not in ("PASS", "FILTER")}
    env.pop("GITHUB_ACTIONS", None)
    return run_command(None, ["show", *args], cwd=cwd, env=env, timeout=60, installed=installed)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_renders_the_saved_plan_like_plan_did(emulator: Emulator, tmp_path: Path, fmt: str) -> None:
    cwd, printed = _saved(emulator, tmp_path)
    result = _show(cwd, "plan.json", "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        shown, planned = json.loads(result.stdout), json.loads(printed["json"])
        assert shown == planned
    else:
        assert result.stdout == printed[fmt]
    assert SECRET not in result.stdout + result.stderr
    assert emulator.requests()["total"] == 0


@pytest.mark.e2e  # the installed `show`
def test_show_of_a_missing_or_foreign_file_is_one_line(tmp_path: Path) -> None:
    missing = _show(tmp_path, "nothing.json", installed=True)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: ") and "does not exist" in missing.stderr
    (tmp_path / "other.json").write_text('{"hello": 1}')
    foreign = _show(tmp_path, "other.json", installed=True)
    assert foreign.returncode == 1 and "is not a plan saved by" in foreign.stderr


def _document() -> dict[str, Any]:
    change = Change(kind="ModelSync", name="Users", action="update", sync_id="s-1", diffs=(FieldDiff("mode", "a",
                                                                                                     "b"),),
                    body={"name": "Users"}, secrets=(SecretSource("encryption_passphrase", template="${env:P}"),))
    note = {"kind": "ModelSync", "name": "Users", "source": Position("syncs/a.yaml", 1, 1)}
    plan_ = Plan(changes=(change,), unmanaged=(Unmanaged("ModelSync", "s-2", "Other"),),
                 problems=(Problem("bad", **note),), hints=(Hint("look", **note),))
    return plan_document(plan_)


@pytest.mark.parametrize("edit", [
    ("hints", 0, "message", None), ("problems", 0, "message", 7), ("changes", 0, "secrets", 1),
    ("unknown_variables", 1), ("unmanaged", 0, "name", None), ("changes", 0, "name", None),
    ("changes", 0, "sync_id", 1), ("changes", 0, "depends_on", [1]), ("not_owned", True),
])
def test_show_of_a_hand_edited_plan_is_one_clear_error(tmp_path: Path, edit: tuple[Any, ...]) -> None:
    document = _document()
    assert _show_document(tmp_path, document, "text").exit_code == 0  # the unedited one is fine
    *where, key, value = edit
    target = document
    for step in where:
        target = target[step]
    target[key] = value
    for fmt in ("text", "json", "markdown"):
        result = _show_document(tmp_path, document, fmt)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (fmt, result.exception)
        assert result.stderr.startswith(f"Error: {tmp_path / 'plan.json'} is not a valid saved plan"), fmt
        assert str(key) in result.stderr


def _show_document(cwd: Path, document: dict[str, Any], fmt: str) -> Result:
    """`reconciler show` in-process (what it prints and its exit code), on ``document`` saved as plan.json."""
    (cwd / "plan.json").write_text(json.dumps(document))
    return CliRunner().invoke(main, ["show", str(cwd / "plan.json"), "--format", fmt])
