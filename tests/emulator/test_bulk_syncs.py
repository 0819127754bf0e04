"""Bulk syncs over HTTP: defaults, 2025-09-18 schedules, schema selection, CRUD, activate, list."""

from __future__ import annotations

from tests.emulator.helpers import bulk_body, data_of, error_of
from tests.support.emulator import DEMO_ORG_ID, HUBSPOT, S3, SALESFORCE, WAREHOUSE, Emulator

ALL_WAREHOUSE = ["public.users", "public.accounts", "public.events", "public.orders"]


def create(emulator: Emulator, body: dict) -> dict:
    return data_of(emulator.api("POST", "/api/bulk/syncs", json=body))


def schemas(emulator: Emulator, sync_id: str) -> dict[str, bool]:
    return {s["id"]: s["enabled"] for s in data_of(emulator.api("GET", f"/api/bulk/syncs/{sync_id}/schemas"))}


def test_create_with_defaults(emulator: Emulator) -> None:
    sync = create(emulator, bulk_body())
    assert sync["name"] == "Warehouse to lake" and sync["mode"] == "snapshot"
    assert sync["organization_id"] == DEMO_ORG_ID
    assert sync["active"] is False
    assert sync["additional_schedules"] == []
    assert sync["automatically_add_new_fields"] == "all"
    assert sync["automatically_add_new_objects"] == "all"
    assert sync["concurrency_limit"] is None and sync["resync_concurrency_limit"] is None
    assert sync["data_cutoff_timestamp"] is None
    assert sync["disable_record_timestamps"] is False
    assert sync["normalize_names"] == "enabled"
    assert sync["policies"] == []
    assert sync["source_configuration"] == {}
    assert sync["destination_configuration"] == {"format": "parquet"}
    assert sync["source_connection_id"] == WAREHOUSE and sync["destination_connection_id"] == S3
    schedule = sync["default_schedule"]
    assert schedule["frequency"] == "manual"
    assert set(schedule) == {"frequency", "id", "created_at", "created_by", "updated_at", "updated_by"}
    assert sync["created_at"] == sync["updated_at"]
    assert data_of(emulator.api("GET", f"/api/bulk/syncs/{sync['id']}")) == sync
    assert schemas(emulator, sync["id"]) == dict.fromkeys(ALL_WAREHOUSE, True)


def test_explicit_nulls_mean_defaults(emulator: Emulator) -> None:
    sync = create(emulator, bulk_body(active=None, additional_schedules=None, source_configuration=None,
                                      disable_record_timestamps=None, policies=None, schemas=None))
    assert sync["active"] is False and sync["additional_schedules"] == []
    assert sync["source_configuration"] == {} and sync["disable_record_timestamps"] is False
    assert schemas(emulator, sync["id"]) == dict.fromkeys(ALL_WAREHOUSE, True)


def test_everything_given_is_kept(emulator: Emulator) -> None:
    body = bulk_body(
        mode="replicate", active=True, automatically_add_new_fields="none",
        automatically_add_new_objects="onlyIncremental", concurrency_limit=5, resync_concurrency_limit=2,
        data_cutoff_timestamp="2024-01-01T00:00:00Z", disable_record_timestamps=True,
        normalize_names="legacy", policies=["f0000000-0000-4000-8000-000000000001"],
        source_configuration={"replication_slot": "slot"},
        default_schedule={"frequency": "daily", "hour": "2", "minute": "15"},
        additional_schedules=[{"frequency": "weekly", "day_of_week": "monday", "hour": "1", "minute": "0",
                               "selective_mode": "nonincrementalFields", "resync_mode": "resync",
                               "schemas": ["public.users"]},
                              {"frequency": "continuous", "selective_mode": "incrementalFields"}],
    )
    sync = create(emulator, body)
    for key in ("mode", "active", "automatically_add_new_fields", "automatically_add_new_objects",
                "concurrency_limit", "resync_concurrency_limit", "data_cutoff_timestamp",
                "disable_record_timestamps", "normalize_names", "policies", "source_configuration"):
        assert sync[key] == body[key], key
    assert {k: sync["default_schedule"][k] for k in ("frequency", "hour", "minute")} == body["default_schedule"]
    extra = sync["additional_schedules"]
    assert len(extra) == 2 and len({s["id"] for s in extra} | {sync["default_schedule"]["id"]}) == 3
    assert extra[0]["schemas"] == ["public.users"] and extra[0]["resync_mode"] == "resync"
    assert all(s["created_by"]["name"] == "Demo User" for s in extra)


def test_schema_selection(emulator: Emulator) -> None:
    sync = create(emulator, bulk_body(schemas=["public.users", {"id": "public.events", "tracking_field": "occurred_at",
                                                                "partition_key": "user_id"},
                                               {"id": "public.orders", "enabled": False}]))
    assert schemas(emulator, sync["id"]) == {"public.users": True, "public.accounts": False,
                                             "public.events": True, "public.orders": False}
    items = {s["id"]: s for s in data_of(emulator.api("GET", f"/api/bulk/syncs/{sync['id']}/schemas"))}
    assert items["public.events"]["tracking_field"] == "occurred_at"
    assert items["public.events"]["partition_key"] == "user_id"
    assert items["public.users"]["output_name"] == "public_users"
    assert items["public.users"]["tracking_field"] == "" and items["public.users"]["data_cutoff_timestamp"] is None
    none = create(emulator, bulk_body(schemas=[]))
    assert not any(schemas(emulator, none["id"]).values())


def test_saas_sources_offer_their_objects(emulator: Emulator) -> None:
    sync = create(emulator, bulk_body(source_connection_id=SALESFORCE, destination_connection_id=WAREHOUSE,
                                      destination_configuration={"schema": "salesforce"}))
    assert schemas(emulator, sync["id"]) == dict.fromkeys(["Account", "Contact", "Lead", "Opportunity"], True)
    hub = create(emulator, bulk_body(source_connection_id=HUBSPOT, schemas=["contacts"]))
    assert schemas(emulator, hub["id"]) == {"companies": False, "contacts": True, "deals": False}


def test_update_is_full_replacement_and_keeps_schedule_ids(emulator: Emulator) -> None:
    first = create(emulator, bulk_body(active=True, concurrency_limit=3, schemas=["public.users"],
                                       additional_schedules=[{"frequency": "hourly", "minute": "5"},
                                                             {"frequency": "continuous"}]))
    keep = first["additional_schedules"][0]
    body = bulk_body(name="Renamed", additional_schedules=[{"id": keep["id"], "frequency": "hourly", "minute": "5"},
                                                           {"frequency": "daily", "hour": "1", "minute": "1"}])
    updated = data_of(emulator.api("PUT", f"/api/bulk/syncs/{first['id']}", json=body))
    assert updated["name"] == "Renamed"
    assert updated["active"] is False and updated["concurrency_limit"] is None
    assert updated["default_schedule"]["id"] == first["default_schedule"]["id"]
    assert updated["default_schedule"]["updated_at"] == first["default_schedule"]["updated_at"]
    assert updated["additional_schedules"][0] == keep
    assert updated["additional_schedules"][1]["id"] not in {s["id"] for s in first["additional_schedules"]}
    assert updated["created_at"] == first["created_at"] and updated["updated_at"] > first["updated_at"]
    assert schemas(emulator, first["id"]) == dict.fromkeys(ALL_WAREHOUSE, True)  # omitted = all
    changed = data_of(emulator.api("PUT", f"/api/bulk/syncs/{first['id']}",
                                   json=bulk_body(default_schedule={"frequency": "hourly", "minute": "0"})))
    assert changed["default_schedule"]["id"] == first["default_schedule"]["id"]
    assert changed["default_schedule"]["updated_at"] > first["default_schedule"]["updated_at"]
    assert changed["default_schedule"]["created_at"] == first["default_schedule"]["created_at"]


def test_activate_delete_and_list(emulator: Emulator) -> None:
    a = create(emulator, bulk_body(name="a"))
    b = create(emulator, bulk_body(name="b", active=True))
    assert [s["id"] for s in data_of(emulator.api("GET", "/api/bulk/syncs"))] == [b["id"], a["id"]]
    out = data_of(emulator.api("POST", f"/api/bulk/syncs/{a['id']}/activate", json={"active": True}))
    assert out == {"id": a["id"], "active": True}
    listed = data_of(emulator.api("GET", "/api/bulk/syncs"))
    assert [s["id"] for s in listed] == [a["id"], b["id"]]
    assert listed[0]["updated_at"] > a["updated_at"]
    data_of(emulator.api("POST", f"/api/bulk/syncs/{b['id']}/activate", json={"active": False}))
    assert [s["id"] for s in data_of(emulator.api("GET", "/api/bulk/syncs", params={"active": "true"}))] == [a["id"]]
    assert [s["id"] for s in data_of(emulator.api("GET", "/api/bulk/syncs", params={"active": "false"}))] == [b["id"]]
    error_of(emulator.api("GET", "/api/bulk/syncs", params={"active": "perhaps"}), 400)
    response = emulator.api("DELETE", f"/api/bulk/syncs/{a['id']}")
    assert response.status_code == 200 and response.content == b""
    error_of(emulator.api("GET", f"/api/bulk/syncs/{a['id']}"), 404)
    error_of(emulator.api("GET", f"/api/bulk/syncs/{a['id']}/schemas"), 404)
    assert [s["id"] for s in data_of(emulator.api("GET", "/api/bulk/syncs"))] == [b["id"]]


def test_bulk_endpoints_do_not_need_the_version_header(emulator: Emulator) -> None:
    response = emulator.control("POST", "/api/bulk/syncs", json=bulk_body(),
                                headers={"Authorization": f"Bearer {emulator.api_key}"})
    assert response.status_code == 200
