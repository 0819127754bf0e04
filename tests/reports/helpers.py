"""Shared pieces of the report tests: running the CLI, realistic sync bodies, definition files."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.emulator import (
    ACCOUNTS_MODEL,
    EVENTS_MODEL,
    HUBSPOT,
    S3,
    SALESFORCE,
    USERS_MODEL,
    WAREHOUSE,
    EmulatorControls,
)
from tests.support.cli import run_command

USERS_FIELDS = ["id", "email", "first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value",
                "created_at"]
ACCOUNTS_FIELDS = ["id", "name", "domain", "industry", "employee_count", "arr", "created_at"]
EVENTS_FIELDS = ["id", "user_id", "event_type", "occurred_at", "properties"]


def run(emulator: EmulatorControls, *args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `reconciler` against the emulator (in this process for the in-process one)."""
    return run_command(emulator, args, cwd=cwd, env={**emulator.env, **(env or {})}, timeout=timeout)


def writes(emulator: EmulatorControls) -> dict[str, int]:
    """Requests other than GET seen by the emulator since its log was cleared."""
    counts = emulator.requests()["counts"]
    return {route: n for route, n in counts.items() if not route.startswith("GET ")}


def users_to_salesforce(name: str = "Users to Salesforce") -> dict[str, Any]:
    return {
        "name": name,
        "active": True,
        "mode": "updateOrCreate",
        "schedule": {"frequency": "daily", "hour": "6", "minute": "30"},
        "target": {"connection_id": SALESFORCE, "object": "Contact"},
        "identity": {"function": "Equality", "source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"},
        "fields": [
            {"source": {"model_id": USERS_MODEL, "field": "first_name"}, "target": "FirstName"},
            {"source": {"model_id": USERS_MODEL, "field": "last_name"}, "target": "LastName"},
            {"source": {"model_id": USERS_MODEL, "field": "plan"}, "target": "Plan__c"},
        ],
        "filters": [{"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"}],
    }


def accounts_to_hubspot(name: str = "Accounts to HubSpot") -> dict[str, Any]:
    return {
        "name": name,
        "active": True,
        "mode": "update",
        "schedule": {"frequency": "hourly"},
        "target": {"connection_id": HUBSPOT, "object": "companies"},
        "identity": {"function": "DomainMatch", "source": {"model_id": ACCOUNTS_MODEL, "field": "domain"},
                     "target": "domain"},
        "fields": [
            {"source": {"model_id": ACCOUNTS_MODEL, "field": "name"}, "target": "name"},
            {"source": {"model_id": ACCOUNTS_MODEL, "field": "industry"}, "target": "industry"},
            {"source": {"model_id": ACCOUNTS_MODEL, "field": "arr"}, "target": "annualrevenue"},
        ],
    }


def warehouse_to_s3(name: str = "Warehouse to S3") -> dict[str, Any]:
    return {
        "name": name,
        "active": True,
        "mode": "replicate",
        "source_connection_id": WAREHOUSE,
        "destination_connection_id": S3,
        "default_schedule": {"frequency": "daily", "hour": "2", "minute": "0"},
        "destination_configuration": {"format": "parquet"},
        "schemas": ["public.users", "public.accounts"],
    }


def generated_model_sync(i: int, rng: random.Random) -> dict[str, Any]:
    """A varied, valid model sync body (deterministic for a given rng)."""
    model, fields = rng.choice([(USERS_MODEL, USERS_FIELDS), (ACCOUNTS_MODEL, ACCOUNTS_FIELDS), (EVENTS_MODEL,
                                                                                                 EVENTS_FIELDS)])
    connection, obj = rng.choice([(SALESFORCE, "Contact"), (SALESFORCE, "Account"), (HUBSPOT, "contacts"), (HUBSPOT, "companies")])
    mode = rng.choice(["create", "update", "updateOrCreate", "append", "replace"])
    chosen = rng.sample(fields[1:], k=rng.randint(1, min(4, len(fields) - 1)))
    body: dict[str, Any] = {
        "name": f"{rng.choice(['Sales', 'Marketing', 'Finance', 'Ops'])} sync {i:03d}",
        "active": rng.random() < 0.7,
        "mode": mode,
        "target": {"connection_id": connection, "object": obj},
        "fields": [{"source": {"model_id": model, "field": f},
                    "target": f"{f.title().replace('_', '')}__c"} for f in chosen],
    }
    frequency = rng.choice(["manual", "hourly", "daily", "weekly", "continuous"])
    schedule: dict[str, Any] = {"frequency": frequency}
    if frequency in ("daily", "weekly"):
        schedule.update(hour=str(rng.randint(0, 23)), minute=str(rng.choice([0, 15, 30, 45])))
    if frequency == "weekly":
        schedule["day_of_week"] = rng.choice(["monday", "wednesday", "friday"])
    body["schedule"] = schedule
    if mode in ("update", "updateOrCreate") or rng.random() < 0.3:
        body["identity"] = {"function": "Equality", "source": {"model_id": model, "field": fields[0]},
                            "target": "External_Id__c"}
    if rng.random() < 0.4:
        body["filters"] = [{"field": {"model_id": model, "field": rng.choice(fields)}, "function": "IsNotNull"}]
    if rng.random() < 0.2:
        body["sync_all_records"] = True
    if rng.random() < 0.2:
        body["override_fields"] = [{"target": "LeadSource", "override_value": "reconciler"}]
    if rng.random() < 0.2:
        body["target"]["configuration"] = {"batch_size": rng.choice([100, 200, 500])}
    return body


def write_definitions(folder: Path, model_syncs: list[dict[str, Any]] = (),
                      bulk_syncs: list[dict[str, Any]] = ()) -> Path:
    """One YAML file per sync (``kind`` first), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, body in enumerate(model_syncs):
        (folder / f"model-{i:03d}.yaml").write_text(yaml.safe_dump({"kind": "ModelSync", **body}, sort_keys=False))
    for i, body in enumerate(bulk_syncs):
        (folder / f"bulk-{i:03d}.yaml").write_text(yaml.safe_dump({"kind": "BulkSync", **body}, sort_keys=False))
    return folder


def create(emulator: EmulatorControls, kind: str, body: dict[str, Any]) -> str:
    """Create a sync through the API (as a user would in the UI); its id."""
    path = "/api/syncs" if kind == "ModelSync" else "/api/bulk/syncs"
    response = emulator.api("POST", path, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]["id"]
