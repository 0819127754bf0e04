"""`reconciler status` end to end against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.reports.helpers import (
    accounts_to_hubspot, create, run, users_to_salesforce, warehouse_to_s3, write_definitions, writes,
)
from tests.support.cli import BOTH_WAYS
from tests.support.emulator import Emulator



@BOTH_WAYS
def test_status_table_and_json(emulator: Emulator, tmp_path: Path) -> None:
    users, bulk = users_to_salesforce(), warehouse_to_s3()
    write_definitions(tmp_path / "syncs", [users, accounts_to_hubspot()], [bulk])
    users_id = create(emulator, "ModelSync", users)
    bulk_id = create(emulator, "BulkSync", bulk)
    emulator.control("POST", f"/_emulator/syncs/{users_id}/executions",
                     json={"status": "completed", "counts": {"insert": 11, "update": 22, "delete": 3, "error": 4},
                           "errors": ["4 rows too long"]})
    emulator.control("POST", f"/_emulator/syncs/{bulk_id}/executions", json={"status": "completed"})
    emulator.clear_requests()

    text = run(emulator, "status", cwd=tmp_path)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "Users to Salesforce" in text.stdout and users_id[:8] in text.stdout
    assert max(len(line) for line in text.stdout.split("\n\n")[0].splitlines()) <= 120
    assert "not created" in text.stdout  # Accounts to HubSpot has no live sync
    assert "4 rows too long" in text.stdout
    assert "+11 ~22 -3 !4" in text.stdout

    result = run(emulator, "status", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = {(r["kind"], r["name"]): r for r in doc["syncs"]}
    row = rows[("ModelSync", "Users to Salesforce")]
    assert row["sync_id"] == users_id and row["last_execution"]["status"] == "completed"
    assert row["last_execution"]["counts"]["insert"] == 11 and row["last_execution"]["counts"]["error"] == 4
    assert "next_execution_time" in row
    assert rows[("ModelSync", "Accounts to HubSpot")]["state"] == "not created"
    assert rows[("BulkSync", "Warehouse to S3")]["sync_id"] == bulk_id
    assert writes(emulator) == {}


def test_status_ambiguous_name_is_exit_1(emulator: Emulator, tmp_path: Path) -> None:
    users = users_to_salesforce()
    write_definitions(tmp_path / "syncs", [users])
    create(emulator, "ModelSync", users)
    emulator.seed(model_syncs=[users])
    result = run(emulator, "status", cwd=tmp_path)
    assert result.returncode == 1
    assert "pin one with `id`" in result.stdout  # the same wording as plan
