"""The CI kit: workflows are valid YAML and every `reconciler ...` line they run exists and works."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.reports.helpers import create, run, users_to_salesforce, warehouse_to_s3, write_definitions
from tests.support.emulator import SALESFORCE, Emulator


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
    for raw in script.replace("\\\n", " ").splitlines():  # continuation lines joined
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
        if arg == "${prune[@]}":  # empty unless RECONCILER_PRUNE=1 (run end to end below)
            continue
        out.append(re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), arg))
    return out


def steps(doc: dict) -> list[dict]:
    return [step for job in doc["jobs"].values() for step in job["steps"]]


def test_workflows_are_valid_and_shaped_right() -> None:
    plan, apply, drift = (workflow(n) for n in WORKFLOWS)
    # PyYAML reads the key `on` as True. No path filter: a required plan check must always run.
    assert set(plan[True]) == {"pull_request", "merge_group"} and not plan[True]["pull_request"]
    assert apply[True]["push"]["branches"] == ["main"]
    assert apply["concurrency"]["group"] and apply["concurrency"]["cancel-in-progress"] is False
    assert drift[True]["schedule"][0]["cron"]
    for doc in (plan, apply, drift):
        assert doc["permissions"] == {} and "env" not in doc  # least privilege; no secret for every step
        for job in doc["jobs"].values():
            assert "write" not in job["permissions"].get("contents", "")
            assert "env" not in job or "secrets." not in json.dumps(job["env"])
        for step in steps(doc):
            assert ("run" in step) != ("uses" in step)
            if "secrets." in json.dumps(step):  # only the reconciler step gets a secret, via its inputs
                assert step["uses"].startswith("your-org/reconciler@"), step
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    assert plan["jobs"]["plan"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert drift["jobs"]["drift"]["permissions"] == {"contents": "read", "issues": "write"}
    [apply_step] = [s for s in steps(apply) if s.get("with", {}).get("command") == "apply"]
    assert "secret-env" in apply_step["with"] and "vars.RECONCILER_PRUNE" in apply_step["with"]["prune"]
    assert not any("secret-env" in s.get("with", {}) for s in steps(plan) + steps(drift))


@pytest.mark.e2e  # runs bash
def test_action_is_composite_and_runs_what_it_says() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"command", "paths", "api-key", "prune", "saved-plan", "secret-env", "comment",
            "drift-issue"} <= set(action["inputs"])
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("actions/cache@") for u in uses) and all(re.search(r"@[0-9a-f]{40}$", u) for u in uses)
    for step in action["runs"]["steps"]:
        if "run" in step:  # inputs reach scripts through env, never pasted into the script
            assert "${{" not in step["run"], step["run"]
            for script in re.findall(r"\$GITHUB_ACTION_PATH/([\w/.-]+\.sh)", step["run"]):
                assert (ROOT / script).is_file(), script
                subprocess.run(["bash", "-n", str(ROOT / script)], check=True)
    secret_steps = [s.get("name", s.get("uses")) for s in action["runs"]["steps"] if "inputs.api-key" in json.dumps(s)
                    or "inputs.secret-env" in json.dumps(s)]
    assert secret_steps == ["reconciler ${{ inputs.command }}"]  # not the install step


def _linter(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent))
    assert exe, f"{name} is in the test extra"
    return exe


@pytest.mark.e2e  # runs the linters as processes
def test_actionlint_zizmor_and_shellcheck_pass_on_the_kit() -> None:
    workflows = [str(CI / n) for n in WORKFLOWS]
    shellcheck = _linter("shellcheck")  # actionlint checks every run: script with it too
    lint = subprocess.run([_linter("actionlint"), "-no-color", "-shellcheck", shellcheck, *workflows],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run([_linter("zizmor"), "--offline", "--no-progress", "--persona=pedantic", *workflows,
                            str(ROOT / "action.yml")],
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings" in audit.stdout + audit.stderr
    # actionlint reads workflows only: action.yml is checked against GitHub's metadata schema (offline copy)
    for builtin, files in (("vendor.github-actions", [str(ROOT / "action.yml")]), ("vendor.github-workflows",
                                                                                   workflows)):
        shaped = subprocess.run([_linter("check-jsonschema"), "--builtin-schema", builtin, *files],
                                capture_output=True, text=True, timeout=120)
        assert shaped.returncode == 0, shaped.stdout + shaped.stderr
    scripts = [*sorted((ROOT / "action").glob("*.sh")), CI / "ci.sh", ROOT / "scripts" / "demo.sh"]
    checked = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.e2e  # runs bash
def test_ci_sh_is_valid_bash() -> None:
    subprocess.run(["bash", "-n", str(CI / "ci.sh")], check=True)


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "reconciler-validate")
    assert hook["entry"] == "reconciler validate" and hook["language"] == "python"
    assert re.search(hook["files"], "syncs/a.yaml") and re.search(hook["files"], "b.yml")
    assert not re.search(hook["files"], "README.md")


@pytest.fixture
def emulator(socket_emulator: Emulator) -> Emulator:
    """The kit's scripts run the installed CLI: the socket emulator (these tests are e2e)."""
    return socket_emulator


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


def kit_scripts() -> dict[str, str]:
    """Every shell script the workflows run, directly or through the Action and its scripts."""
    scripts = {f"{name} step {i}": text for name in WORKFLOWS for i, text in enumerate(run_scripts(workflow(name)))}
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        if "run" in step:
            scripts[f"action.yml {step.get('name')}"] = step["run"]
            for script in re.findall(r"\$(?:GITHUB_ACTION_PATH|here)/([\w/.-]+\.sh)", step["run"]):
                scripts[script] = (ROOT / script).read_text()
    for script in sorted((ROOT / "action").glob("*.sh")):
        scripts[str(script.relative_to(ROOT))] = script.read_text()
        for called in re.findall(r"\$here/([\w/.-]+\.sh)", script.read_text()):
            scripts[called] = (ROOT / called).read_text()
    return scripts


def test_every_command_the_kit_runs_exists_and_runs(emulator: Emulator, project: Path) -> None:
    variables = {"out": ".reconciler", "saved": ".reconciler/plan.json", "paths": "syncs"}
    found = {shlex.join(argv): argv for text in kit_scripts().values() for argv in commands(text, variables)}
    assert {argv[1] for argv in found.values()} == {"validate", "plan", "apply", "drift"}
    assert "examples/ci/ci.sh" in kit_scripts()  # the Action runs ci.sh
    (project / ".reconciler").mkdir()
    _check(emulator, ["reconciler", "plan", "--out", ".reconciler/plan.json"], project)
    for argv in found.values():
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


# ---- the Action's scripts, run as the runner runs them, against the emulator ------------------

GH_STUB = """#!/usr/bin/env bash
# A stand-in for the GitHub CLI: logs each call, keeps each body sent, answers listings from env.
printf '%s\\n' "$*" >> "$GH_LOG"
for arg in "$@"; do
  case "$arg" in body=@*) cp "${arg#body=@}" "$GH_LOG.body" ;; esac
done
if [ "${1:-}" = issue ] && { [ "${2:-}" = create ] || [ "${2:-}" = edit ]; }; then
  while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done
fi
case "$*" in
  "api --method "*) if [ -n "${GH_READ_ONLY:-}" ]; then echo "HTTP 403: Resource not accessible by integration" >&2; exit 1; fi ;;
  "api --paginate "*/comments*) printf '%s' "${GH_COMMENTS:-}" ;;  # id<TAB>author lines
  "api --paginate --method GET "*/issues" "*) printf '%s' "${GH_OPEN_ISSUES:-}" ;;  # number<TAB>author lines
esac
"""


class Runner:
    """Runs action/*.sh in ``project`` with the environment action.yml gives them."""

    def __init__(self, emulator: Emulator, project: Path, tmp: Path) -> None:
        self.project, self.tmp = project, tmp
        stub = tmp / "bin"
        stub.mkdir()
        (stub / "gh").write_text(GH_STUB)
        (stub / "gh").chmod(0o755)
        self.log = tmp / "gh.log"
        self.summary = tmp / "summary.md"
        self.output = tmp / "output.txt"
        self.env = {
            **emulator.env,
            "PATH": f"{stub}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_REPOSITORY": "acme/syncs",
            "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_OUTPUT": str(self.output), "GH_LOG": str(self.log),
            "GH_TOKEN": "token", "PR_NUMBER": "7", "HEAD_SHA": "abc123", "RUN_URL": "https://example.invalid/run/1",
            "RECONCILER_OUT": ".reconciler",
        }

    def script(self, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        self.output.write_text("")
        return subprocess.run(["bash", str(ROOT / "action" / name)], cwd=self.project, env={**self.env, **env},
                              capture_output=True, text=True, timeout=180)

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines() if "=" in line)

    def gh_calls(self) -> list[str]:
        calls = self.log.read_text().splitlines() if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return calls

    def sent(self) -> str:
        return Path(f"{self.log}.body").read_text()


@pytest.fixture
def runner(emulator: Emulator, project: Path, tmp_path_factory: pytest.TempPathFactory) -> Runner:
    return Runner(emulator, project, tmp_path_factory.mktemp("runner"))


def test_action_plan_comment_apply_drift_issue(runner: Runner) -> None:
    planned = runner.script("run.sh", COMMAND="plan")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert runner.outputs() == {"exit-code": "0", "report": ".reconciler/plan.md"}
    summary = runner.summary.read_text()
    assert "## Reconciler plan" in summary and "Users to Salesforce" in summary and "Plan: 2 to create" in summary

    assert runner.script("comment.sh").returncode == 0
    assert runner.gh_calls()[-1] == "api --method POST repos/acme/syncs/issues/7/comments -F body=@.reconciler/comment.md"
    body = runner.sent()
    assert body.startswith("<!-- reconciler-plan -->") and "Plan: 2 to create" in body and "abc123" in body
    assert runner.script("comment.sh",
                         GH_COMMENTS="42\tgithub-actions[bot]\n").returncode == 0  # the same comment, edited
    assert runner.gh_calls()[-1].startswith("api --method PATCH repos/acme/syncs/issues/comments/42 ")

    runner.summary.write_text("")
    drifted = runner.script("run.sh", COMMAND="drift")
    assert drifted.returncode == 0 and runner.outputs()["exit-code"] == "2"  # drift is a finding, not a failure
    assert runner.summary.read_text().count("<!-- reconciler-drift -->") == 1  # ci.sh runs drift twice: one report
    assert runner.script("drift-issue.sh", DRIFT_EXIT="2", DRIFT_LABEL="reconciler-drift").returncode == 0
    calls = runner.gh_calls()
    assert calls[-1].startswith("issue create --title") and "--label reconciler-drift" in calls[-1]
    assert runner.sent().startswith("<!-- reconciler-drift -->")
    assert runner.script("drift-issue.sh", DRIFT_EXIT="2",
                         GH_OPEN_ISSUES="3\tmallory\n5\tgithub-actions[bot]\n").returncode == 0
    assert runner.gh_calls()[-1].startswith("issue edit 5 --body-file")  # mallory's labelled issue is left alone

    applied = runner.script("run.sh", COMMAND="apply", SECRET_ENV="UNUSED_PASSPHRASE=s3cret-canary-value\n")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "::add-mask::s3cret-canary-value" in applied.stdout
    assert "s3cret-canary-value" not in applied.stdout.replace("::add-mask::s3cret-canary-value", "")

    clean = runner.script("run.sh", COMMAND="drift")
    assert clean.returncode == 0 and runner.outputs()["exit-code"] == "0"
    ours = "5\tgithub-actions[bot]\n6\tmallory\n9\tgithub-actions[bot]\n"
    assert runner.script("drift-issue.sh", DRIFT_EXIT="0", GH_OPEN_ISSUES=ours).returncode == 0
    assert [c.split(" --comment")[0] for c in runner.gh_calls()[1:]] == ["issue close 5", "issue close 9"]


def test_action_comment_edits_only_its_own_comment(runner: Runner) -> None:
    assert runner.script("run.sh", COMMAND="plan").returncode == 0
    quoted = "41\tmallory\n42\tgithub-actions[bot]\n43\tgithub-actions[bot]\n"  # mallory pasted the marker first
    assert runner.script("comment.sh", GH_COMMENTS=quoted).returncode == 0
    assert runner.gh_calls()[-1].startswith("api --method PATCH repos/acme/syncs/issues/comments/42 ")
    assert runner.script("comment.sh", GH_COMMENTS="41\tmallory\n").returncode == 0  # not ours: a new comment
    assert runner.gh_calls()[-1].startswith("api --method POST repos/acme/syncs/issues/7/comments ")
    assert runner.script("comment.sh", GH_COMMENTS="41\tmallory\n", COMMENT_AUTHOR="mallory").returncode == 0
    assert runner.gh_calls()[-1].startswith("api --method PATCH repos/acme/syncs/issues/comments/41 ")  # bot-login input


def test_action_comment_refused_by_a_read_only_token_does_not_fail_the_check(runner: Runner) -> None:
    assert runner.script("run.sh", COMMAND="plan", POLYTOMIC_API_KEY="").returncode == 0  # e.g. Dependabot: no secrets
    for comments in ("", "42\tgithub-actions[bot]\n"):  # post, then edit
        refused = runner.script("comment.sh", GH_READ_ONLY="1", GH_COMMENTS=comments)
        assert refused.returncode == 0, refused.stdout + refused.stderr
        assert "::warning::could not " in refused.stdout and "pull-requests: write" in refused.stdout


def test_action_comment_keeps_a_failed_plan_log_inside_its_fence(runner: Runner, project: Path) -> None:
    out = project / ".reconciler"
    out.mkdir()
    (out / "plan.err").write_text("Error: the server said:\n~~~\n@everyone <img src=x> see #1\n~~~~~\n")
    assert runner.script("comment.sh").returncode == 0
    lines = runner.sent().splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"~{3,}text", line))
    end = lines.index(lines[start][:-4], start + 1)
    assert start < lines.index("@everyone <img src=x> see #1") < end and "~~~~~" in lines[start:end]


def test_action_never_posts_the_report_of_an_earlier_run(runner: Runner, project: Path) -> None:
    assert runner.script("run.sh", COMMAND="plan").returncode == 0  # a plan.md of the first run
    (project / "syncs" / "typo.yaml").write_text("kind: ModelSync\nname: Typo\nshedule: {}\n")
    assert runner.script("run.sh", COMMAND="plan").returncode == 1  # the second run: invalid files
    assert runner.script("comment.sh").returncode == 0
    assert "invalid definitions" in runner.sent() and "Plan: 2 to create" not in runner.sent()
    assert not (project / ".reconciler" / "plan.json").exists()  # no stale saved plan to upload either


def test_action_comment_is_not_posted_when_reconciler_never_ran(runner: Runner, project: Path) -> None:
    (project / ".reconciler").mkdir()  # e.g. the install step failed: no report, no validation log
    assert runner.script("comment.sh", GH_COMMENTS="42\tgithub-actions[bot]\n").returncode == 0
    assert not any("--method" in call for call in runner.gh_calls())  # no "invalid definitions" comment


def test_action_plan_errors_reach_the_comment_and_annotations(runner: Runner, project: Path) -> None:
    target = next((project / "syncs").glob("model-*.yaml"))
    target.write_text(target.read_text().replace(SALESFORCE, "${connection:No such connection}"))
    failed = runner.script("run.sh", COMMAND="plan")
    assert failed.returncode == 1 and runner.outputs()["exit-code"] == "1"
    assert re.search(r"^::error file=syncs/model-000\.yaml,line=\d+,col=\d+::", failed.stderr, re.M), failed.stderr
    assert runner.script("comment.sh").returncode == 0
    body = runner.sent()
    assert "### Errors (1)" in body and "No such connection" in body and "run log" not in body


def test_action_comment_on_invalid_files_and_on_a_fork(runner: Runner, project: Path) -> None:
    (project / "syncs" / "typo.yaml").write_text("kind: ModelSync\nname: Typo\nshedule: {}\n")
    invalid = runner.script("run.sh", COMMAND="plan")
    assert invalid.returncode == 1 and "::error file=syncs/typo.yaml,line=3" in invalid.stdout
    assert "invalid definitions" in runner.summary.read_text() and "did you mean 'schedule'?" in runner.summary.read_text()
    assert runner.script("comment.sh").returncode == 0
    body = runner.sent()
    assert "invalid definitions" in body and "did you mean 'schedule'?" in body and "::error" not in body

    (project / "syncs" / "typo.yaml").unlink()
    fork = runner.script("run.sh", COMMAND="plan", POLYTOMIC_API_KEY="")
    assert fork.returncode == 0 and "validated only" in runner.summary.read_text()
    assert not (project / ".reconciler" / "plan.md").exists()
    assert runner.script("comment.sh").returncode == 0 and "validated only" in runner.sent()


def test_apply_workflow_explains_a_merged_pull_request_without_a_saved_plan(runner: Runner, tmp_path: Path) -> None:
    [download] = [s for s in steps(workflow("apply.yml")) if "gh run download" in s.get("run", "")]
    gh = tmp_path / "bin" / "gh"  # answers the lookups; the download fails as for a fork's pull request
    gh.parent.mkdir()
    gh.write_text("#!/usr/bin/env bash\ncase \"$1 $2\" in\n  'api repos/acme/syncs/commits/'*) echo 12 ;;\n"
                  "  'api repos/acme/syncs/pulls/12') echo beef ;;\n  'run list') echo 99 ;;\n"
                  "  'run download') echo 'no artifact matches any of the names or patterns provided' >&2; exit 1 ;;\nesac\n")
    gh.chmod(0o755)
    env = {**runner.env, "PATH": f"{gh.parent}{os.pathsep}{os.environ['PATH']}", "GITHUB_SHA": "cafe",
           "PLAN_WORKFLOW": "plan.yml"}
    result = subprocess.run(["bash", "-e", "-c", download["run"]], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "::error::pull request #12 saved no plan" in result.stdout and "by hand" in result.stdout


def test_action_prune_is_opt_in(runner: Runner, emulator: Emulator, project: Path) -> None:
    (project / "reconciler.yaml").write_text('prune: {name_prefix: "Old "}\n')
    body = {**users_to_salesforce("Old users"), "schedule": {"frequency": "manual"}}
    create(emulator, "ModelSync", body)
    assert runner.script("run.sh", COMMAND="apply").returncode == 0
    assert "Old users" in {s["name"] for s in emulator.api("GET", "/api/syncs").json()["data"]}
    pruned = runner.script("run.sh", COMMAND="apply", RECONCILER_PRUNE="1")
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "Old users" not in {s["name"] for s in emulator.api("GET", "/api/syncs").json()["data"]}


def _runner_mask(line: str) -> str:
    """What the runner registers for ``::add-mask::data``: the data un-escaped as it un-escapes it."""
    data = line.removeprefix("::add-mask::")
    return data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_action_masks_secret_env_values_as_written(runner: Runner) -> None:
    value = "p%0Ass%25w\rd"  # %-sequences the runner would otherwise decode (and so mask another string)
    applied = runner.script("run.sh", COMMAND="apply", SECRET_ENV=f"UNUSED_PASSPHRASE={value}\n")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    [mask] = [line for line in applied.stdout.splitlines() if line.startswith("::add-mask::")]
    assert _runner_mask(mask) == value


def test_action_rejects_an_unknown_command_and_bad_secret_env(runner: Runner) -> None:
    assert runner.script("run.sh", COMMAND="destroy").returncode == 1
    injected = runner.script("run.sh", COMMAND="x\n::warning::injected\r\n::add-mask::plan")
    assert injected.returncode == 1 and "::error::the command input must be" in injected.stdout
    assert [line for line in re.split(r"[\r\n]", injected.stdout) if line.strip()] == injected.stdout.splitlines()[:1]
    bad = runner.script("run.sh", COMMAND="apply", SECRET_ENV="not a pair\n")
    assert bad.returncode == 1 and "NAME=value" in bad.stdout
