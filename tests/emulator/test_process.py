"""Extra processes: state survives a restart with --db; the CLI entry point; flags."""

from __future__ import annotations

import pytest

import importlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.emulator.helpers import bulk_body, data_of, sync_body
from tests.support.emulator import free_port, reconciler_command, start_emulator

pytestmark = pytest.mark.e2e  # the emulator as a process: `reconciler emulator` and `python -m reconciler.emulator`


def test_state_survives_a_restart_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "emulator.sqlite")
    first = start_emulator(db=db)
    try:
        sync = data_of(first.api("POST", "/api/syncs", json=sync_body(), headers={"Idempotency-Key": "persist-1"}))
        bulk = data_of(first.api("POST", "/api/bulk/syncs", json=bulk_body(schemas=["public.users"])))
        first.append_execution(sync["id"], status="failed", errors=["before restart"])
        page = first.api("GET", "/api/syncs", params={"limit": 1})
        seeded = first.seed(model_syncs=[sync_body(name="older")])
        token = first.api("GET", "/api/syncs", params={"limit": 1}).json()["pagination"]["next_page_token"]
        assert page.status_code == 200
    finally:
        first.stop()
    second = start_emulator(db=db, api_key="a-new-key-after-restart")
    try:
        assert data_of(second.api("GET", f"/api/syncs/{sync['id']}")) == sync
        assert data_of(second.api("GET", f"/api/bulk/syncs/{bulk['id']}")) == bulk
        schemas = {s["id"]: s["enabled"] for s in data_of(second.api("GET", f"/api/bulk/syncs/{bulk['id']}/schemas"))}
        assert schemas["public.users"] is True and schemas["public.orders"] is False
        status = data_of(second.api("GET", f"/api/syncs/{sync['id']}/status"))
        assert status["last_execution"]["errors"] == ["before restart"]
        replay = second.api("POST", "/api/syncs", json=sync_body(), headers={"Idempotency-Key": "persist-1"})
        assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json()["data"]["id"] == sync["id"]
        rest = data_of(second.api("GET", "/api/syncs", params={"page_token": token}))  # tokens stay valid
        assert [s["id"] for s in rest] == [sync["id"]]
        assert seeded["model_syncs"][0] != sync["id"]
        update = data_of(second.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(name="after")))
        assert update["updated_at"] > sync["updated_at"]
        assert second.api("GET", "/api/me", api_key="test-api-key-0123456789").status_code == 401
    finally:
        second.stop()


def test_in_memory_state_does_not_survive() -> None:
    first = start_emulator()
    try:
        data_of(first.api("POST", "/api/syncs", json=sync_body()))
    finally:
        first.stop()
    second = start_emulator()
    try:
        assert second.api("GET", "/api/syncs").json()["data"] == []
    finally:
        second.stop()


def test_list_items_flag() -> None:
    emu = start_emulator("--list-items", "full")
    try:
        assert emu.settings()["list_items"] == "full"
        sync = data_of(emu.api("POST", "/api/syncs", json=sync_body()))
        assert emu.api("GET", "/api/syncs").json()["data"] == [sync]
        emu.reset()
        assert emu.settings()["list_items"] == "full"
    finally:
        emu.stop()


def _cli_importable() -> str | None:
    try:
        importlib.import_module("reconciler.cli")
    except Exception as exc:  # noqa: BLE001 - any import failure of another area's module
        return f"{type(exc).__name__}: {exc}"
    return None


def test_cli_prints_url_and_key() -> None:
    assert _cli_importable() is None
    port = free_port()
    proc = subprocess.Popen([*reconciler_command(), "emulator", "--port", str(port), "--api-key", "cli-key-123"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"Polytomic emulator on http://127.0.0.1:{port} (API key: cli-key-123)"
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/me", headers={"Authorization": "Bearer cli-key-123"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_help_lists_the_options() -> None:
    assert _cli_importable() is None
    out = subprocess.run([*reconciler_command(), "emulator", "--help"], capture_output=True, text=True, check=True)
    for option in ("--host", "--port", "--db", "--api-key", "--faults", "--list-items"):
        assert option in out.stdout


def test_standalone_module_prints_url_and_key() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reconciler.emulator", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == \
            f"Polytomic emulator on http://127.0.0.1:{port} (API key: demo-api-key)"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_emulator_imports_nothing_else_from_reconciler() -> None:
    code = ("import sys, reconciler.emulator.app, reconciler.emulator.server, reconciler.emulator.__main__;"
            "bad = sorted(m for m in sys.modules if m.startswith('reconciler.') and m != 'reconciler'"
            " and not m.startswith('reconciler.emulator'));"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in Path(__file__).resolve().parents[2].joinpath("reconciler", "emulator").glob("*.py"):
        text = path.read_text()
        for line in text.splitlines():
            if line.lstrip().startswith(("import reconciler", "from reconciler")):
                assert "reconciler.emulator" in line, f"{path.name}: {line}"


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "reconciler.emulator", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Address already in use" in result.stderr
    assert "Polytomic emulator on" not in result.stdout


def test_port_zero_prints_the_chosen_port() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "reconciler.emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert not url.endswith(":0")
        assert httpx.get(f"{url}/api/me", headers={"Authorization": "Bearer demo-api-key"}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_api_key_flag_taking_the_other_organisations_key(tmp_path: Path) -> None:
    import asyncio

    from reconciler.emulator import create_app

    async def me(app, key: str) -> tuple[int, str | None]:  # noqa: ANN001
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            r = await http.get("/api/me", headers={"Authorization": f"Bearer {key}"})
            return r.status_code, r.json().get("data", {}).get("organization_name")

    db = str(tmp_path / "clash.sqlite")
    assert asyncio.run(me(create_app(db, api_key="demo-api-key"), "other-org-api-key")) == (200, "Other Org")
    clashing = create_app(db, api_key="other-org-api-key")  # an existing database, the other org's key
    assert asyncio.run(me(clashing, "other-org-api-key")) == (200, "Acme Analytics")
    fresh = create_app(None, api_key="other-org-api-key")
    assert asyncio.run(me(fresh, "other-org-api-key")) == (200, "Acme Analytics")
