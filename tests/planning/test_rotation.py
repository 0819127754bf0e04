"""Write-only rotation: `write_only_rotated_at` in the file and `--resend-write-only NAME` send a passphrase again."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from reconciler.definitions.schema import is_datetime
from reconciler.planning.rotation import due
from tests.planning.helpers import bulk, bulk_def, create, model, plan, run_cli, users_sync
from tests.support.emulator import Emulator
from tests.support.inprocess import InProcessEmulator

OLD, NEW = "old-passphrase-5b1f", "new-passphrase-c3d8"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[InProcessEmulator, Path]]:
    """An emulator on a database file, so that a test can read the write-only value it stored."""
    db = tmp_path_factory.mktemp("rotation") / "emulator.db"
    emu = InProcessEmulator(db=str(db))
    yield emu, db
    emu.close()


def passphrase(db: Path, sync_id: str) -> str | None:
    with sqlite3.connect(db) as conn:
        (data,) = conn.execute("SELECT data FROM syncs WHERE id = ?", (sync_id,)).fetchone()
    return json.loads(data).get("encryption_passphrase")


def _project(emulator: Emulator, cwd: Path) -> str:
    emulator.reset()
    sync_id = create(emulator, "ModelSync", users_sync("Secured", encryption_passphrase=OLD))
    doc = {"kind": "ModelSync", **users_sync("Secured"), "encryption_passphrase": "${env:PASS}"}
    (cwd / "syncs").mkdir(exist_ok=True)
    (cwd / "syncs" / "secured.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return sync_id


def test_a_rotated_passphrase_alone_is_no_change(stored: tuple[InProcessEmulator, Path], tmp_path: Path) -> None:
    emulator, db = stored
    sync_id = _project(emulator, tmp_path)
    result = run_cli(emulator, "plan", cwd=tmp_path, env={"PASS": NEW})
    assert "No changes." in result.stdout  # it cannot be read back: never a difference on its own
    assert run_cli(emulator, "apply", "--auto-approve", cwd=tmp_path, env={"PASS": NEW}).returncode == 0
    assert passphrase(db, sync_id) == OLD


def test_resend_flag_sends_it_once(stored: tuple[InProcessEmulator, Path], tmp_path: Path) -> None:
    emulator, db = stored
    sync_id = _project(emulator, tmp_path)
    env = {"PASS": NEW}
    planned = run_cli(emulator, "plan", "--resend-write-only", "Secured", cwd=tmp_path, env=env)
    assert "~ encryption_passphrase: (sensitive, write-only) (sent again" in planned.stdout
    assert "Plan: 0 to create, 1 to update" in planned.stdout and "--resend-write-only" in planned.stdout
    applied = run_cli(emulator, "apply", "--resend-write-only", "Secured", "--auto-approve", cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert passphrase(db, sync_id) == NEW
    assert NEW not in planned.stdout + applied.stdout + applied.stderr
    assert "No changes." in run_cli(emulator, "plan", cwd=tmp_path, env=env).stdout


def test_rotated_at_in_the_file_sends_it_until_the_live_sync_has_it(stored: tuple[InProcessEmulator, Path],
                                                                    tmp_path: Path) -> None:
    emulator, db = stored
    sync_id = _project(emulator, tmp_path)
    rotated = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")  # after the live sync's last update
    doc = yaml.safe_load((tmp_path / "syncs" / "secured.yaml").read_text())
    (tmp_path / "syncs" / "secured.yaml").write_text(yaml.safe_dump({**doc, "write_only_rotated_at": rotated}))
    env = {"PASS": NEW}
    assert run_cli(emulator, "validate", cwd=tmp_path).returncode == 0
    planned = run_cli(emulator, "plan", "--detailed-exitcode", cwd=tmp_path, env=env)
    assert planned.returncode == 2 and f"write_only_rotated_at {rotated}" in planned.stdout
    assert run_cli(emulator, "apply", "--auto-approve", cwd=tmp_path, env=env).returncode == 0
    assert passphrase(db, sync_id) == NEW
    again = run_cli(emulator, "plan", "--detailed-exitcode", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stdout  # the live sync was updated after: converged


def test_rotation_through_a_saved_plan(stored: tuple[InProcessEmulator, Path], tmp_path: Path) -> None:
    emulator, db = stored
    sync_id = _project(emulator, tmp_path)
    env = {"PASS": NEW}
    saved = run_cli(emulator, "plan", "--resend-write-only", "Secured", "--out", "p.json", cwd=tmp_path, env=env)
    assert saved.returncode == 0, saved.stderr
    assert NEW not in (tmp_path / "p.json").read_text()
    applied = run_cli(emulator, "apply", "--plan", "p.json", "--auto-approve", cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert passphrase(db, sync_id) == NEW


def test_unknown_name_is_refused_before_any_request(stored: tuple[InProcessEmulator, Path], tmp_path: Path) -> None:
    emulator, _ = stored
    _project(emulator, tmp_path)
    emulator.clear_requests()
    result = run_cli(emulator, "apply", "--resend-write-only", "Secure", "--auto-approve", cwd=tmp_path,
                     env={"PASS": NEW})
    assert result.returncode == 1 and "(did you mean 'Secured'?)" in result.stderr
    assert emulator.requests()["total"] == 0


def test_a_future_rotation_time_is_pointed_out(stored: tuple[InProcessEmulator, Path], tmp_path: Path) -> None:
    emulator, _ = stored
    _project(emulator, tmp_path)
    doc = yaml.safe_load((tmp_path / "syncs" / "secured.yaml").read_text())
    future = {**doc, "write_only_rotated_at": "2999-01-01T00:00:00Z"}
    (tmp_path / "syncs" / "secured.yaml").write_text(yaml.safe_dump(future))
    result = run_cli(emulator, "plan", cwd=tmp_path, env={"PASS": NEW})
    assert "Plan: 0 to create, 1 to update" in result.stdout
    assert "write_only_rotated_at is in the future" in result.stdout


def test_a_bulk_sync_has_nothing_to_rotate(emulator: Emulator) -> None:
    create(emulator, "BulkSync", bulk("Lake"))
    result = plan(emulator, [bulk_def(bulk("Lake"))], resend_write_only=frozenset({"Lake"}))
    assert [c.action for c in result.changes] == ["no-op"]
    assert any("no write-only value to send again" in h.message for h in result.hints)


@pytest.mark.parametrize("written", ["2026-03-01T10:00:00Z", "2026-03-01t10:00:00z", "2026-03-01T10:00:00.5z",
                                     "2026-03-01T12:00:00+02:00", "2026-03-01T05:00:00-05:00"])
def test_every_time_validate_accepts_is_compared(written: str) -> None:
    assert is_datetime(written)
    d = dataclasses.replace(model(users_sync("Secured")), rotated_at=written)
    before, after = {"updated_at": "2026-03-01T09:59:59.000000Z"}, {"updated_at": "2026-03-01T10:00:01.000000Z"}
    assert due(d, before, forced=False)[0] is not None, written  # rotated after the last update: sent
    assert due(d, after, forced=False) == (None, None), written  # the live sync has it


def test_a_rotation_time_from_a_variable_stays_out_of_the_saved_plan(stored: tuple[InProcessEmulator, Path],
                                                                      tmp_path: Path) -> None:
    emulator, _ = stored
    _project(emulator, tmp_path)
    doc = yaml.safe_load((tmp_path / "syncs" / "secured.yaml").read_text())
    (tmp_path / "syncs" / "secured.yaml").write_text(yaml.safe_dump({**doc, "write_only_rotated_at": "${env:ROTATED}"}))
    rotated = "2998-07-06T05:04:03Z"  # an ${env:...} value is sensitive, whatever it holds
    saved = run_cli(emulator, "plan", "--out", "p.json", cwd=tmp_path, env={"PASS": NEW, "ROTATED": rotated})
    assert saved.returncode == 0, saved.stderr
    assert "write-only values sent again" in saved.stdout and rotated not in saved.stdout
    assert rotated not in (tmp_path / "p.json").read_text()
