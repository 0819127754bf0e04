"""Model-sync CRUD over HTTP: defaults, server-computed fields, full replacement, write-only values."""

from __future__ import annotations

from tests.emulator.helpers import data_of, error_of, full_sync_body, sync_body
from tests.support.emulator import (
    ACCOUNTS_MODEL,
    DEMO_ORG_ID,
    HUBSPOT,
    S3,
    SALESFORCE,
    USERS_MODEL,
    WAREHOUSE,
    Emulator,
)

USERS_PLAN_FIELD_ID = "b0000000-0000-4000-8001-000000000005"
USERS_EMAIL_FIELD_ID = "b0000000-0000-4000-8001-000000000002"


def create(emulator: Emulator, body: dict) -> dict:
    return data_of(emulator.api("POST", "/api/syncs", json=body))


def test_create_returns_200_with_defaults(emulator: Emulator) -> None:
    sync = create(emulator, sync_body())
    assert sync["name"] == "Users to Salesforce"
    assert sync["organization_id"] == DEMO_ORG_ID
    assert sync["active"] is False
    assert sync["only_enrich_updates"] is False
    assert sync["skip_initial_backfill"] is False
    assert sync["sync_all_records"] is False
    assert sync["filters"] == [] and sync["overrides"] == [] and sync["policies"] == []
    assert sync["filter_logic"] == ""
    assert "identity" not in sync
    assert "override_fields" not in sync
    assert sync["fields"] == [{"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email",
                               "new": False, "encryption_enabled": False}]
    assert sync["schedule"] == {"frequency": "manual", "day_of_month": None, "day_of_week": None,
                                "hour": None, "job_id": None, "minute": None, "month": None,
                                "run_after_success_only": None}
    assert sync["model_ids"] == [USERS_MODEL]
    actor = {"id": "e0000000-0000-4000-8000-000000000001", "name": "Demo User", "type": "user"}
    assert sync["created_by"] == actor and sync["updated_by"] == actor
    assert sync["created_at"] == sync["updated_at"]
    assert sync["created_at"].endswith("Z") and len(sync["created_at"]) == len("2024-01-01T00:00:00.000000Z")
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}")) == sync


def test_schedule_frequency_defaults_to_manual(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(schedule={}))
    assert sync["schedule"]["frequency"] == "manual"


def test_server_computed_fields(emulator: Emulator) -> None:
    sync = create(emulator, full_sync_body())
    assert [f["label"] for f in sync["filters"]] == ["A", "B"]
    assert sync["filters"][0]["field_id"] == USERS_PLAN_FIELD_ID
    assert all(f["field_type"] == "Model" for f in sync["filters"])
    assert sync["identity"]["remote_field_type_id"] == "string"
    assert sync["identity"]["new_field"] is False
    assert sync["model_ids"] == sorted([USERS_MODEL, ACCOUNTS_MODEL])
    # override_fields come back merged into fields, after the plain fields
    assert [f["target"] for f in sync["fields"]] == ["email", "company", "lifecycle"]
    assert sync["fields"][2] == {"target": "lifecycle", "override_value": "customer", "new": False,
                                 "encryption_enabled": False}
    assert sync["fields"][1]["new"] is True and sync["fields"][1]["sync_mode"] == "create"
    assert "override_fields" not in sync
    assert sync["target"]["configuration"] == {"batch": 10}  # HubSpot has no defaults
    assert sync["policies"] == ["f0000000-0000-4000-8000-000000000001"]


def test_given_computed_values_are_kept(emulator: Emulator) -> None:
    body = sync_body(
        filters=[
            {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "x",
             "label": "B", "field_id": "custom-id"},
            {"field": {"model_id": USERS_MODEL, "field": "email"}, "function": "IsNotNull"},
            {"field_id": "Name", "field_type": "Target", "function": "IsNull"},
            {"field_id": USERS_EMAIL_FIELD_ID, "function": "IsNotNull"},
        ],
        filter_logic="(A AND B) OR (C and D)",
        mode="update",
        identity={"source": {"model_id": USERS_MODEL, "field": "id"}, "target": "Id",
                  "function": "Equality", "remote_field_type_id": None, "new_field": True},
    )
    sync = create(emulator, body)
    assert [f["label"] for f in sync["filters"]] == ["B", "A", "C", "D"]
    assert sync["filters"][0]["field_id"] == "custom-id"
    assert sync["filters"][1]["field_id"] == USERS_EMAIL_FIELD_ID
    assert sync["filters"][2]["field_type"] == "Target"
    assert sync["identity"]["remote_field_type_id"] is None
    assert sync["identity"]["new_field"] is True


def test_identity_remote_type_follows_the_model_field(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(mode="update", identity={
        "source": {"model_id": USERS_MODEL, "field": "id"}, "target": "Id", "function": "Equality"}))
    assert sync["identity"]["remote_field_type_id"] == "integer"


def test_target_configuration_defaults_merge_under_user_keys(emulator: Emulator) -> None:
    plain = create(emulator, sync_body())
    assert plain["target"]["configuration"] == {"ingestion_api": "bulk"}
    mine = create(emulator, sync_body(target={"connection_id": SALESFORCE, "object": "Contact",
                                              "configuration": {"ingestion_api": "rest", "x": 1}}))
    assert mine["target"]["configuration"] == {"ingestion_api": "rest", "x": 1}
    lake = create(emulator, sync_body(target={"connection_id": S3, "object": "users/"}))
    assert lake["target"]["configuration"] == {"format": "csv"}
    table = create(emulator, sync_body(target={"connection_id": WAREHOUSE, "object": "public.copy"}))
    assert table["target"]["configuration"] == {}


def test_target_create_is_write_only_and_derives_the_object(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(target={"connection_id": HUBSPOT,
                                              "create": {"name": "VIP list", "type": "static"}}))
    assert sync["target"]["object"] == "VIP list"
    assert "create" not in sync["target"]
    unnamed = create(emulator, sync_body(name="Nameless", target={"connection_id": HUBSPOT, "create": {}}))
    assert unnamed["target"]["object"] == "Nameless"
    assert "create" not in data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))["target"]


def test_encryption_passphrase_is_never_returned(emulator: Emulator) -> None:
    sync = create(emulator, full_sync_body())
    assert "encryption_passphrase" not in sync
    emulator.settings(list_items="full")
    for response in (emulator.api("GET", f"/api/syncs/{sync['id']}"), emulator.api("GET", "/api/syncs")):
        assert "hunter2" not in response.text


def test_fields_with_override_value_are_override_fields(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(fields=[{"target": "LeadSource", "override_value": "web"}]))
    assert sync["fields"] == [{"target": "LeadSource", "override_value": "web", "new": False,
                               "encryption_enabled": False}]
    assert sync["model_ids"] == []


def test_update_is_full_replacement(emulator: Emulator) -> None:
    sync = create(emulator, full_sync_body())
    updated = data_of(emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(name="Renamed")))
    assert updated["id"] == sync["id"]
    assert updated["name"] == "Renamed"
    assert updated["active"] is False
    assert updated["sync_all_records"] is False
    assert updated["filters"] == [] and updated["overrides"] == [] and updated["policies"] == []
    assert updated["filter_logic"] == ""
    assert "identity" not in updated
    assert updated["schedule"]["hour"] is None and updated["schedule"]["frequency"] == "manual"
    assert updated["created_at"] == sync["created_at"]
    assert updated["created_by"] == sync["created_by"]
    assert updated["updated_at"] > sync["updated_at"]
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}")) == updated


def test_patch_is_the_same_full_update(emulator: Emulator) -> None:
    sync = create(emulator, full_sync_body())
    patched = data_of(emulator.api("PATCH", f"/api/syncs/{sync['id']}", json=sync_body(name="Patched")))
    assert patched["name"] == "Patched" and patched["filters"] == [] and patched["active"] is False
    assert patched["updated_at"] > sync["updated_at"]
    error_of(emulator.api("PATCH", f"/api/syncs/{sync['id']}", json={"name": "partial"}), 400)


def test_delete_answers_empty_200_then_404(emulator: Emulator) -> None:
    sync = create(emulator, sync_body())
    response = emulator.api("DELETE", f"/api/syncs/{sync['id']}")
    assert response.status_code == 200 and response.content == b""
    error_of(emulator.api("GET", f"/api/syncs/{sync['id']}"), 404)
    error_of(emulator.api("DELETE", f"/api/syncs/{sync['id']}"), 404)
    error_of(emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body()), 404)


def test_activate_toggles_alone_and_bumps_updated_at(emulator: Emulator) -> None:
    sync = create(emulator, full_sync_body())
    assert sync["active"] is True
    out = data_of(emulator.api("POST", f"/api/syncs/{sync['id']}/activate", json={"active": False}))
    assert out == {"id": sync["id"], "active": False}
    after = data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))
    assert after["active"] is False
    assert after["updated_at"] > sync["updated_at"]
    assert {k: v for k, v in after.items() if k not in ("active", "updated_at")} == \
        {k: v for k, v in sync.items() if k not in ("active", "updated_at")}
    again = data_of(emulator.api("POST", f"/api/syncs/{sync['id']}/activate", json={"active": False}))
    assert again["active"] is False
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}"))["updated_at"] > after["updated_at"]
    error_of(emulator.api("POST", f"/api/syncs/{sync['id']}/activate", json={}), 400)
    error_of(emulator.api("POST", f"/api/syncs/{sync['id']}/activate", json={"active": "yes"}), 400)


def test_updated_at_strictly_increases_across_the_server(emulator: Emulator) -> None:
    stamps = []
    ids = [create(emulator, sync_body(name=f"s{i}"))["id"] for i in range(5)]
    for sync_id in ids:
        stamps.append(data_of(emulator.api("GET", f"/api/syncs/{sync_id}"))["updated_at"])
        stamps.append(data_of(emulator.api("PUT", f"/api/syncs/{sync_id}", json=sync_body()))["updated_at"])
        emulator.api("POST", f"/api/syncs/{sync_id}/activate", json={"active": True})
        stamps.append(data_of(emulator.api("GET", f"/api/syncs/{sync_id}"))["updated_at"])
    creates = stamps[0::3]
    assert creates == sorted(set(creates))
    changes = [s for i, s in enumerate(stamps) if i % 3]
    assert changes == sorted(set(changes))
    assert min(changes) > max(creates)


def test_duplicate_names_are_allowed(emulator: Emulator) -> None:
    a = create(emulator, sync_body())
    b = create(emulator, sync_body())
    assert a["id"] != b["id"] and a["name"] == b["name"]


def test_run_after_accepts_syncs_of_the_organisation(emulator: Emulator) -> None:
    first = create(emulator, sync_body())
    second = create(emulator, sync_body(schedule={"frequency": "runafter",
                                                  "run_after": {"sync_ids": [first["id"]]},
                                                  "run_after_success_only": True}))
    assert second["schedule"]["run_after"] == {"sync_ids": [first["id"]]}
    assert second["schedule"]["run_after_success_only"] is True


def test_organization_id_of_the_caller_is_accepted(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(organization_id=DEMO_ORG_ID))
    assert sync["organization_id"] == DEMO_ORG_ID
    assert create(emulator, sync_body(organization_id=None))["organization_id"] == DEMO_ORG_ID


def test_explicit_nulls_allowed_by_the_schema_mean_defaults(emulator: Emulator) -> None:
    sync = create(emulator, sync_body(filters=None, overrides=None, policies=None, override_fields=None,
                                      schedule={"frequency": "hourly", "minute": "5", "hour": None}))
    assert sync["filters"] == [] and sync["overrides"] == [] and sync["policies"] == []
    assert sync["schedule"]["hour"] is None and sync["schedule"]["minute"] == "5"
