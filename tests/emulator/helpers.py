"""Request bodies and small assertions shared by the emulator tests."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from tests.support.emulator import ACCOUNTS_MODEL, HUBSPOT, S3, SALESFORCE, USERS_MODEL, WAREHOUSE


def sync_body(**overrides: Any) -> dict[str, Any]:
    """A minimal valid CreateSyncRequest (Users → Salesforce Contact, mode create)."""
    body: dict[str, Any] = {
        "name": "Users to Salesforce",
        "mode": "create",
        "schedule": {"frequency": "manual"},
        "target": {"connection_id": SALESFORCE, "object": "Contact"},
        "fields": [{"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"}],
    }
    body.update(copy.deepcopy(overrides))
    return body


def full_sync_body() -> dict[str, Any]:
    """A CreateSyncRequest using most features."""
    return sync_body(
        name="Everything",
        mode="updateOrCreate",
        active=True,
        schedule={"frequency": "daily", "hour": "4", "minute": "30"},
        target={"connection_id": HUBSPOT, "object": "contacts", "configuration": {"batch": 10}},
        fields=[
            {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "email"},
            {"source": {"model_id": ACCOUNTS_MODEL, "field": "name"}, "target": "company",
             "sync_mode": "create", "new": True},
        ],
        override_fields=[{"target": "lifecycle", "override_value": "customer"}],
        filters=[
            {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "pro"},
            {"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"},
        ],
        filter_logic="A AND B",
        overrides=[{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "IsNull",
                    "override": "free"}],
        identity={"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "email",
                  "function": "Equality"},
        encryption_passphrase="hunter2-passphrase",
        policies=["f0000000-0000-4000-8000-000000000001"],
        sync_all_records=True,
    )


def bulk_body(**overrides: Any) -> dict[str, Any]:
    """A minimal valid CreateBulkSyncRequest (Warehouse → S3)."""
    body: dict[str, Any] = {
        "name": "Warehouse to lake",
        "mode": "snapshot",
        "source_connection_id": WAREHOUSE,
        "destination_connection_id": S3,
        "destination_configuration": {"format": "parquet"},
        "default_schedule": {"frequency": "manual"},
    }
    body.update(copy.deepcopy(overrides))
    return body


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an API error answer with the documented body; return the body."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"key", "message", "metadata", "status"}, body
    assert body["status"] == status
    assert isinstance(body["key"], str) and body["key"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["metadata"], dict)
    return body


def data_of(response: httpx.Response) -> Any:
    """Assert a 200 with a `{"data": ...}` envelope; return the data."""
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()["data"]
