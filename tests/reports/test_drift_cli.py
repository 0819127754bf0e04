"""`reconciler drift` end to end against the emulator: UI edits, deletions, unmanaged and unhealthy syncs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reports.helpers import (
    accounts_to_hubspot, create, run, users_to_salesforce, warehouse_to_s3, write_definitions, writes,
)
from tests.support.cli import BOTH_WAYS
from tests.support.emulator import Emulator


FORMATS = ("text", "json", "markdown")


@pytest.fixture
def managed(emulator: Emulator, tmp_path: Path) -> dict[str, Any]:
    """Three managed syncs, created live exactly as their files say."""
    users, accounts, bulk = users_to_salesforce(), accounts_to_hubspot(), warehouse_to_s3()
    write_definitions(tmp_path / "syncs", [users, accounts], [bulk])
    ids = {
        "users": create(emulator, "ModelSync", users),
        "accounts": create(emulator, "ModelSync", accounts),
        "bulk": create(emulator, "BulkSync", bulk),
    }
    emulator.clear_requests()
    return {"ids": ids, "cwd": tmp_path, "users": users}


def drift(emulator: Emulator, cwd: Path, fmt: str) -> tuple[int, str, str]:
    result = run(emulator, "drift", "--format", fmt, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_is_exit_0_and_read_only(emulator: Emulator, managed: dict[str, Any], fmt: str) -> None:
    code, out, err = drift(emulator, managed["cwd"], fmt)
    assert code == 0, out + err
    if fmt == "json":
        doc = json.loads(out)
        assert doc["format_version"] == 1 and doc["drift"] is False and doc["summary"]["unchanged"] == 3
    else:
        assert "No drift" in out
    assert writes(emulator) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_ui_edit_names_the_field(emulator: Emulator, managed: dict[str, Any], fmt: str) -> None:
    edited = {**managed["users"], "schedule": {"frequency": "hourly"}}
    assert emulator.api("PUT", f"/api/syncs/{managed['ids']['users']}", json=edited).status_code == 200
    emulator.clear_requests()
    code, out, err = drift(emulator, managed["cwd"], fmt)
    assert code == 2, out + err
    assert "schedule.frequency" in out and "Users to Salesforce" in out.replace("\\", "")
    if fmt == "json":
        change = json.loads(out)["changes"][0]
        assert change["action"] == "update" and change["sync_id"] == managed["ids"]["users"]
        freq = next(f for f in change["fields"] if f["path"] == "schedule.frequency")
        assert (freq["before"], freq["after"]) == ("hourly", "daily")
    assert writes(emulator) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_deleted_sync_would_be_created(emulator: Emulator, managed: dict[str, Any], fmt: str) -> None:
    assert emulator.api("DELETE", f"/api/syncs/{managed['ids']['accounts']}").status_code in (200, 204)
    emulator.clear_requests()
    code, out, err = drift(emulator, managed["cwd"], fmt)
    assert code == 2, out + err
    assert "Accounts to HubSpot" in out.replace("\\", "")
    if fmt == "json":
        doc = json.loads(out)
        assert [(c["action"], c["name"]) for c in doc["changes"]] == [("create", "Accounts to HubSpot")]
        assert doc["summary"]["create"] == 1
    assert writes(emulator) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unmanaged_sync_is_reported(emulator: Emulator, managed: dict[str, Any], fmt: str) -> None:
    stray = create(emulator, "ModelSync", users_to_salesforce("Made in the UI"))
    emulator.clear_requests()
    code, out, err = drift(emulator, managed["cwd"], fmt)
    assert code == 2, out + err
    assert "Made in the UI" in out.replace("\\", "") and stray in out
    if fmt == "json":
        assert json.loads(out)["unmanaged"] == [{"kind": "ModelSync", "name": "Made in the UI", "sync_id": stray}]
    assert writes(emulator) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_execution_is_unhealthy_with_its_errors(emulator: Emulator, managed: dict[str, Any], fmt: str) -> None:
    sync_id = managed["ids"]["users"]
    message = "Salesforce rejected 7 records: INVALID_EMAIL_ADDRESS"
    response = emulator.control("POST", f"/_emulator/syncs/{sync_id}/executions",
                                json={"status": "failed", "counts": {"insert": 3, "error": 7}, "errors": [message]})
    assert response.status_code in (200, 201), response.text
    emulator.clear_requests()
    code, out, err = drift(emulator, managed["cwd"], fmt)
    assert code == 2, out + err
    assert message in out.replace("\\", "") or message in out
    assert "Users to Salesforce" in out.replace("\\", "")
    if fmt == "json":
        doc = json.loads(out)
        assert doc["changes"] == [] and doc["summary"]["unhealthy"] == 1
        item = doc["unhealthy"][0]
        assert item["sync_id"] == sync_id and item["issues"][0]["code"] == "last_execution_failed"
        assert item["last_execution"]["errors"] == [message]
    assert writes(emulator) == {}


@BOTH_WAYS
def test_inactive_against_file_and_bulk_failure(emulator: Emulator, managed: dict[str, Any]) -> None:
    bulk_id, accounts_id = managed["ids"]["bulk"], managed["ids"]["accounts"]
    emulator.control("POST", f"/_emulator/syncs/{bulk_id}/executions", json={"status": "failed", "errors": ["schema public.users vanished"]})
    assert emulator.api("POST", f"/api/syncs/{accounts_id}/activate", json={"active": False}).status_code == 200
    emulator.clear_requests()
    code, out, err = drift(emulator, managed["cwd"], "json")
    assert code == 2, out + err
    doc = json.loads(out)
    bulk = next(u for u in doc["unhealthy"] if u["kind"] == "BulkSync")
    assert bulk["sync_id"] == bulk_id and bulk["last_execution"]["status"] == "failed"
    assert "schema public.users vanished" in bulk["last_execution"]["errors"]
    accounts = next(u for u in doc["unhealthy"] if u["name"] == "Accounts to HubSpot")
    assert [i["code"] for i in accounts["issues"]] == ["inactive"]
    change = next(c for c in doc["changes"] if c["name"] == "Accounts to HubSpot")
    assert [f["path"] for f in change["fields"]] == ["active"]
    assert writes(emulator) == {}


def test_drift_error_exit_1(emulator: Emulator, tmp_path: Path) -> None:
    write_definitions(tmp_path / "syncs", [users_to_salesforce()])
    result = run(emulator, "drift", cwd=tmp_path, env={"POLYTOMIC_API_KEY": "wrong-key-0000"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "wrong-key-0000" not in result.stderr + result.stdout
