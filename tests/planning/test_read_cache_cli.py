"""The read cache as users meet it: `plan`/`drift` use it by default, `--refresh` bypasses it, a
corrupt file is a warning, `apply` reads every sync it writes, and no secret reaches the file."""

from __future__ import annotations

import base64
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.planning.helpers import create, run_cli, users_sync, write_yaml
from tests.support.emulator import SALESFORCE, Emulator, reconciler_command

CANARY = "cache-canary/8+Zx value"
PASSPHRASE = "cache-passphrase/3+Ky"


def _reads(emulator: Emulator) -> int:
    return emulator.requests()["counts"].get("GET /api/syncs/{id}", 0)


def _project(tmp_path: Path, names: list[str]) -> Path:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync(n)} for n in names])
    return tmp_path


def test_plan_and_drift_use_the_cache_and_refresh_bypasses_it(emulator: Emulator, tmp_path: Path) -> None:
    names = ["Cached A", "Cached B", "Cached C"]
    cwd = _project(tmp_path, names)
    for name in names:
        create(emulator, "ModelSync", users_sync(name))
    counts = []
    for args in (["plan"], ["plan"], ["drift"], ["plan", "--refresh"], ["drift", "--refresh"]):
        emulator.clear_requests()
        result = run_cli(emulator, *args, cwd=cwd)
        assert result.returncode == 0, result.stdout + result.stderr
        counts.append(_reads(emulator))
    assert counts == [3, 0, 0, 3, 3]
    assert len(list((cwd / ".reconciler" / "cache").glob("reads-*.json"))) == 1


def test_the_cache_directory_can_be_chosen(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(tmp_path / "repo", ["Elsewhere"])
    create(emulator, "ModelSync", users_sync("Elsewhere"))
    env = {"RECONCILER_CACHE_DIR": str(tmp_path / "ci-cache")}
    assert run_cli(emulator, "plan", cwd=cwd, env=env).returncode == 0
    assert list((tmp_path / "ci-cache").glob("reads-*.json")) and not (cwd / ".reconciler").exists()


def test_a_corrupt_cache_file_is_a_warning_and_the_plan_is_still_right(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(tmp_path, ["Corrupt"])
    sync_id = create(emulator, "ModelSync", users_sync("Corrupt"))
    assert run_cli(emulator, "plan", cwd=cwd).returncode == 0
    [path] = (cwd / ".reconciler" / "cache").glob("reads-*.json")
    path.write_bytes(path.read_bytes()[:-40] + b"garbage")
    emulator.api("PUT", f"/api/syncs/{sync_id}", json=users_sync("Corrupt", schedule={"frequency": "hourly"}))
    result = run_cli(emulator, "plan", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Warning: the read cache" in result.stderr and "ignoring it" in result.stderr
    assert "Plan: 0 to create, 1 to update" in result.stdout and "schedule.frequency" in result.stdout
    again = run_cli(emulator, "plan", cwd=cwd)
    assert "Warning" not in again.stderr  # the run rebuilt it


def test_apply_reads_every_sync_it_writes_before_writing(emulator: Emulator, tmp_path: Path) -> None:
    cwd = _project(tmp_path, ["Applied A", "Applied B"])
    ids = {name: create(emulator, "ModelSync", users_sync(name)) for name in ("Applied A", "Applied B")}
    assert run_cli(emulator, "plan", cwd=cwd).returncode == 0  # the cache now holds both
    write_yaml(cwd / "syncs", [{"kind": "ModelSync", **users_sync("Applied A", schedule={"frequency": "hourly"})},
                               {"kind": "ModelSync", **users_sync("Applied B")}])
    emulator.clear_requests()
    result = run_cli(emulator, "apply", "--auto-approve", cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    log = [(r["method"], r["path"]) for r in emulator.requests()["requests"]]
    written = f"/api/syncs/{ids['Applied A']}"
    assert ("PUT", written) in log
    assert ("GET", written) in log[:log.index(("PUT", written))]


def _forms(value: str) -> list[str]:
    return [value, urllib.parse.quote(value), urllib.parse.quote_plus(value), urllib.parse.quote(value, safe=""),
            base64.b64encode(value.encode()).decode().rstrip("=")[:12]]


def test_no_secret_reaches_the_cache_file(emulator: Emulator, tmp_path: Path) -> None:
    echoed: dict[str, Any] = {"kind": "ModelSync", **users_sync("Echoes a secret")}
    echoed["target"] = {"connection_id": SALESFORCE, "object": "Contact",
                        "configuration": {"api_token": "${env:CACHE_CANARY}"}}
    echoed["encryption_passphrase"] = "${env:CACHE_PASSPHRASE}"
    plain: dict[str, Any] = {"kind": "ModelSync", **users_sync("Plain")}
    write_yaml(tmp_path / "syncs", [echoed, plain])
    env = {"CACHE_CANARY": CANARY, "CACHE_PASSPHRASE": PASSPHRASE}
    applied = run_cli(emulator, "apply", "--auto-approve", cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    live = [s for s in emulator.api("GET", "/api/syncs").json()["data"] if s["name"] == "Echoes a secret"]
    assert CANARY in str(emulator.api("GET", f"/api/syncs/{live[0]['id']}").json())  # the server does echo it
    for args in (["plan"], ["plan"], ["drift"]):
        assert run_cli(emulator, *args, cwd=tmp_path, env=env).returncode == 0
    emulator.clear_requests()
    assert run_cli(emulator, "plan", cwd=tmp_path, env=env).returncode == 0
    assert _reads(emulator) == 1  # the sync holding a secret is read every time, the other is cached
    [path] = (tmp_path / ".reconciler" / "cache").glob("reads-*.json")
    stored = path.read_text()
    assert "Plain" in stored
    for secret in (CANARY, PASSPHRASE, emulator.api_key):
        for form in _forms(secret):
            assert form not in stored


@pytest.mark.e2e  # two CI jobs racing for one cache directory: real processes
def test_plans_racing_for_one_cache_file_leave_a_whole_one(emulator: Emulator, tmp_path: Path) -> None:
    names = [f"Raced {i}" for i in range(60)]  # two pages: the listing record is used too
    cwd = _project(tmp_path, names)
    for name in names:
        create(emulator, "ModelSync", users_sync(name))
    env = {**emulator.env, "RECONCILER_CACHE_DIR": str(tmp_path / "shared-cache")}
    env.pop("GITHUB_ACTIONS", None)
    for _ in range(3):
        racers = [subprocess.Popen([*reconciler_command(), "plan"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            assert racer.returncode == 0 and "Warning" not in err, out + err
    emulator.clear_requests()
    calm = run_cli(emulator, "plan", cwd=cwd, env={"RECONCILER_CACHE_DIR": str(tmp_path / "shared-cache")})
    assert calm.returncode == 0 and "Warning" not in calm.stderr, calm.stderr
    assert _reads(emulator) == 0 and emulator.requests()["counts"]["GET /api/syncs"] == 2  # no head re-read
    assert [p.name for p in (tmp_path / "shared-cache").iterdir()] == [
        p.name for p in (tmp_path / "shared-cache").glob("reads-*.json")]  # no temporary file left behind
