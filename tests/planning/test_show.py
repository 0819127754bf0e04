"""`reconciler show PLAN`: a saved plan rendered offline, in every format, without secrets or credentials."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.planning.helpers import create, run_cli, users_sync, write_yaml
from tests.support.emulator import USERS_MODEL, Emulator, reconciler_command

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


def _show(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`reconciler show` with no credential, no API URL and none of the plan's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYTOMIC_") and k not in ("PASS", "FILTER")}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([*reconciler_command(), "show", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


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


def test_show_of_a_missing_or_foreign_file_is_one_line(tmp_path: Path) -> None:
    missing = _show(tmp_path, "nothing.json")
    assert missing.returncode == 1 and missing.stderr.startswith("Error: ") and "does not exist" in missing.stderr
    (tmp_path / "other.json").write_text('{"hello": 1}')
    foreign = _show(tmp_path, "other.json")
    assert foreign.returncode == 1 and "is not a plan saved by" in foreign.stderr
