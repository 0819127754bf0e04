"""The CI kit: workflows are valid YAML and every `reconciler ...` line they run exists and works."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.reports.helpers import run, users_to_salesforce, warehouse_to_s3, write_definitions
from tests.support.emulator import Emulator


ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "examples" / "ci"
WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")
USAGE_ERRORS = ("No such option", "No such command", "Usage:", "Missing argument", "Invalid value for")
_COMMAND = re.compile(r"(?:^|[\s;(!]|&&|\|\|)(reconciler\s+[a-z].*)$")
_GH_EXPR = re.compile(r"\$\{\{.*?\}\}")


def workflow(name: str) -> dict:
    return yaml.safe_load((CI / name).read_text())


def run_scripts(doc: dict) -> list[str]:
    return [step["run"] for job in doc["jobs"].values() for step in job["steps"] if "run" in step]


def commands(script: str, variables: dict[str, str]) -> list[list[str]]:
    """Every `reconciler ...` command line in a shell script, cut at the first shell operator."""
    found = []
    for raw in script.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        match = _COMMAND.search(line)
        if not match:
            continue
        text = re.sub(r"\s\d+(?=[<>])", " ", _GH_EXPR.sub("x", match.group(1)))  # 2>&1: fd numbers
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        argv: list[str] = []
        for token in lexer:
            if token and set(token) <= set("();<>|&"):
                break
            argv.append(token)
        found.append(_expand(argv, variables))
    return found


def _expand(argv: list[str], variables: dict[str, str]) -> list[str]:
    out: list[str] = []
    for arg in argv:
        if arg == "${paths[@]}":
            out += variables["paths"].split()
            continue
        out.append(re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), arg))
    return out


def test_workflows_are_valid_and_shaped_right() -> None:
    plan, apply, drift = (workflow(n) for n in WORKFLOWS)
    # PyYAML reads the key `on` as True.
    assert "pull_request" in plan[True]
    assert apply[True]["push"]["branches"] == ["main"]
    assert apply["concurrency"]["group"] and apply["concurrency"]["cancel-in-progress"] is False
    assert drift[True]["schedule"][0]["cron"]
    plan_text = (CI / "plan.yml").read_text()
    assert "<!-- reconciler-plan -->" in plan_text and "actions/upload-artifact" in plan_text
    assert "--out plan.json" in plan_text
    apply_text = (CI / "apply.yml").read_text()
    assert "reconciler apply --plan pr-plan/plan.json --auto-approve" in apply_text
    drift_text = (CI / "drift.yml").read_text()
    assert "gh issue create" in drift_text and "gh issue close" in drift_text
    for doc in (plan, apply, drift):
        for job in doc["jobs"].values():
            for step in job["steps"]:
                assert ("run" in step) != ("uses" in step)


def test_ci_sh_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(CI / "ci.sh")], check=True)


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "reconciler-validate")
    assert hook["entry"] == "reconciler validate" and hook["language"] == "python"
    assert re.search(hook["files"], "syncs/a.yaml") and re.search(hook["files"], "b.yml")
    assert not re.search(hook["files"], "README.md")


@pytest.fixture
def project(emulator: Emulator, tmp_path: Path) -> Path:
    write_definitions(tmp_path / "syncs", [users_to_salesforce()], [warehouse_to_s3()])
    return tmp_path


def _check(emulator: Emulator, argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert argv[0] == "reconciler"
    for i, arg in enumerate(argv):  # a saved plan downloaded from another run: the one made here
        if i and argv[i - 1] == "--plan" and not (cwd / arg).exists():
            (cwd / arg).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(cwd / "plan.json", cwd / arg)
    result = run(emulator, *argv[1:], cwd=cwd, env={"GITHUB_ACTIONS": "true"})
    for marker in USAGE_ERRORS:
        assert marker not in result.stderr, f"{shlex.join(argv)}: {result.stderr}"
    assert result.returncode in (0, 2), f"{shlex.join(argv)} -> {result.returncode}: {result.stdout}{result.stderr}"
    return result


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_workflow_command_exists_and_runs(emulator: Emulator, project: Path, name: str) -> None:
    found = [argv for script in run_scripts(workflow(name)) for argv in commands(script, {})]
    assert found, f"no reconciler command in {name}"
    if name == "apply.yml":  # the pull request's plan was made before the merge
        _check(emulator, ["reconciler", "plan", "--out", "plan.json"], project)
    for argv in found:
        _check(emulator, argv, project)


def test_every_ci_sh_command_exists_and_runs(emulator: Emulator, project: Path) -> None:
    variables = {"out": ".reconciler", "saved": ".reconciler/plan.json", "paths": "syncs"}
    found = commands((CI / "ci.sh").read_text(), variables)
    assert {argv[1] for argv in found} == {"validate", "plan", "apply", "drift"}
    (project / ".reconciler").mkdir()
    for argv in found:
        _check(emulator, argv, project)


def test_ci_sh_end_to_end(emulator: Emulator, project: Path) -> None:
    env = {**emulator.env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def ci(mode: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(CI / "ci.sh"), mode], cwd=project, env={**env, **extra},
                              capture_output=True, text=True, timeout=120)

    planned = ci("plan")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert (project / ".reconciler" / "plan.json").is_file() and "Users to Salesforce" in planned.stdout
    assert ci("drift").returncode == 2  # nothing applied yet: two syncs to create
    applied = ci("apply", RECONCILER_SAVED_PLAN=".reconciler/plan.json")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    clean = ci("drift")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert (project / ".reconciler" / "drift.json").is_file()
    assert ci("bogus").returncode == 64
