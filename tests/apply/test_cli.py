"""`reconciler apply` end to end: the installed command as a subprocess against the emulator."""

from __future__ import annotations

import pytest

import json
import time
from pathlib import Path
from typing import Callable

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
from tests.support.cli import BOTH_WAYS
from tests.support.emulator import Emulator


def _setup(tmp_path: Path, *docs: dict, prune: dict | None = None) -> tuple[Path, Path]:
    return write_definitions(tmp_path / "syncs", docs), project_dir(tmp_path / "project", prune=prune)


@BOTH_WAYS
def test_apply_then_second_apply_sends_no_writes(emulator: Emulator, tmp_path: Path) -> None:
    defs, cwd = _setup(tmp_path, model_sync("B sync"), model_sync("A sync", frequency="hourly"))
    first = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if " create: created" in line]
    assert sorted(line.split('"')[1] for line in lines) == ["A sync", "B sync"]  # each exactly once (no TTY)
    assert "Apply complete: 2 created, 0 updated, 0 deleted." in first.stdout
    assert "[1/2]" in first.stdout and "[2/2]" in first.stdout and "create: created" not in first.stderr
    emulator.clear_requests()
    second = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
    assert second.returncode == 0, second.stderr
    assert "No changes." in second.stdout
    assert writes(emulator) == 0


def test_without_terminal_needs_auto_approve(emulator: Emulator, tmp_path: Path) -> None:
    defs, cwd = _setup(tmp_path, model_sync("Needs approval"))
    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), cwd=cwd)
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr and "Traceback" not in result.stderr
    assert writes(emulator) == 0
    assert live_names(emulator)[("ModelSync", "Needs approval")] == 0


def test_json_output(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("Existing", frequency="hourly"))
    defs, cwd = _setup(tmp_path, model_sync("Existing"), model_sync("Fresh"), model_sync(
        "Broken", schedule={"frequency": "runafter",
                            "run_after": {"sync_ids": ["00000000-0000-4000-8000-0000000000ff"]}}))
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--format", "json", cwd=cwd)
    assert result.returncode == 1
    document = json.loads(result.stdout)  # stdout holds only the JSON document
    assert document["format_version"] == 1 and document["ok"] is False
    assert [(c["name"], c["action"], c["outcome"]) for c in document["changes"]] == [
        ("Broken", "create", "failed"),
        ("Existing", "update", "done"),
        ("Fresh", "create", "done"),
    ]
    assert set(document["changes"][0]) == {"kind", "name", "action", "sync_id", "outcome", "message"}
    assert "422" in document["changes"][0]["message"] and "0000000000ff" in document["changes"][0]["message"]
    assert document["changes"][2]["sync_id"]


def test_prune_without_scope_is_an_error(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("tmp-unmanaged"))
    defs, cwd = _setup(tmp_path, model_sync("Managed"))
    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", cwd=cwd)
    assert result.returncode == 1 and "prune scope" in result.stderr
    assert writes(emulator) == 0


def test_prune_deletes_only_in_scope_unmanaged_syncs(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("tmp-old-1"))
    create_live(emulator, model_sync("tmp-old-2"))
    create_live(emulator, model_sync("prod-keep"))
    create_live(emulator, model_sync("tmp-managed", frequency="hourly"))
    defs, cwd = _setup(tmp_path, model_sync("tmp-managed"), prune={"name_prefix": "tmp-"})
    without = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
    assert without.returncode == 0, without.stderr
    assert live_names(emulator)[("ModelSync", "tmp-old-1")] == 1  # nothing deleted without --prune
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", cwd=cwd)
    assert result.returncode == 0, result.stderr
    names = live_names(emulator)
    assert names[("ModelSync", "tmp-old-1")] == 0 and names[("ModelSync", "tmp-old-2")] == 0
    assert names[("ModelSync", "prod-keep")] == 1 and names[("ModelSync", "tmp-managed")] == 1
    assert "0 updated, 2 deleted" in result.stdout


def test_prune_with_no_definitions_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("tmp-keep-me"))
    defs, cwd = _setup(tmp_path, prune={"all": True})  # a mistyped or empty folder
    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", cwd=cwd)
    assert result.returncode == 1
    assert "no definitions were found" in result.stderr
    assert writes(emulator) == 0
    assert live_names(emulator)[("ModelSync", "tmp-keep-me")] == 1


def test_max_deletes_exceeded_writes_nothing(emulator: Emulator, tmp_path: Path) -> None:
    for i in range(3):
        create_live(emulator, model_sync(f"tmp-{i}"))
    defs, cwd = _setup(tmp_path, model_sync("New one"), prune={"all": True})
    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", "--max-deletes", "2", cwd=cwd)
    assert result.returncode == 1 and "--max-deletes 2" in result.stderr
    assert writes(emulator) == 0
    assert live_names(emulator)[("ModelSync", "New one")] == 0
    ok = run_cli(emulator, "apply", str(defs), "--auto-approve", "--prune", "--max-deletes", "3", cwd=cwd)
    assert ok.returncode == 0, ok.stderr
    assert sum(live_names(emulator).values()) == 1


@pytest.mark.e2e  # Retry-After waited for real, by the installed CLI
def test_retry_after_is_honoured_and_4xx_not_retried(emulator: Emulator, tmp_path: Path) -> None:
    defs, cwd = _setup(tmp_path, model_sync("Patient"))
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 503,
                         "retry_after": 1, "times": 1})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd,
                     env=cli_env(emulator, RECONCILER_RETRY_BUDGET="5"))
    assert result.returncode == 0, result.stderr
    posts = [r for r in emulator.requests()["requests"] if r["method"] == "POST"]
    assert len(posts) == 2
    # the retry arrived no sooner than the Retry-After the server answered (the server's own clock)
    assert posts[0]["status"] == 503 and posts[1]["at"] - posts[0]["at"] >= 1.0
    # a 400-class answer is reported once, with the server's message
    defs, _ = _setup(tmp_path, model_sync("Patient"), model_sync("Rejected"))
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 400,
                         "body": {"message": "bad things in the request"}})
    emulator.clear_requests()
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
    assert result.returncode == 1
    assert "400: bad things in the request" in result.stdout
    assert sum(1 for r in emulator.requests()["requests"] if r["method"] == "POST") == 1


def _run_in_terminal(emulator: Emulator, args: list[str], cwd: Path, answer: str,
                     before_answer: Callable[[], None] | None = None) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as stdin/stdout/stderr and type ``answer``.

    ``before_answer`` runs while the prompt waits (someone else changing the organisation).
    """
    import os
    import pty
    import select
    import subprocess

    from tests.support.emulator import reconciler_command

    master, slave = pty.openpty()
    proc = subprocess.Popen([*reconciler_command(), *args], cwd=cwd, env=cli_env(emulator),
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    output = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if not answered and b"Enter a value" in output:
                if before_answer is not None:
                    before_answer()
                os.write(master, answer.encode() + b"\n")
                answered = True
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(master)
    return code, output.decode(errors="replace")


@pytest.mark.e2e  # a pseudo-terminal: the installed CLI
def test_a_sync_renamed_while_the_prompt_waits_is_not_deleted(emulator: Emulator, tmp_path: Path) -> None:
    doomed = create_live(emulator, model_sync("tmp-doomed"))
    defs, cwd = _setup(tmp_path, model_sync("tmp-managed"), prune={"name_prefix": "tmp-"})

    def rename() -> None:  # someone keeps the sync, out of the prune scope, while apply waits
        body = api_body(model_sync("prod-important"))
        assert emulator.api("PUT", f"/api/syncs/{doomed}", json=body).status_code == 200

    code, output = _run_in_terminal(emulator, ["apply", str(defs), "--prune"], cwd, "yes", before_answer=rename)
    assert code == 1, output
    assert "tmp-doomed" in output and "changed since the plan was made" in output
    assert emulator.api("GET", f"/api/syncs/{doomed}").json()["data"]["name"] == "prod-important"
    assert live_names(emulator)[("ModelSync", "tmp-managed")] == 1  # the rest still happened


@pytest.mark.e2e  # a pseudo-terminal: the installed CLI
def test_terminal_confirmation_requires_yes(emulator: Emulator, tmp_path: Path) -> None:
    defs, cwd = _setup(tmp_path, model_sync("Confirmed"))
    emulator.clear_requests()
    code, output = _run_in_terminal(emulator, ["apply", str(defs)], cwd, "y")
    assert code == 1 and "cancelled" in output
    assert writes(emulator) == 0
    code, output = _run_in_terminal(emulator, ["apply", str(defs)], cwd, "yes")
    assert code == 0, output
    assert "[1/1]" in output and "\r" in output  # the progress line is rewritten in place
    assert live_names(emulator)[("ModelSync", "Confirmed")] == 1
