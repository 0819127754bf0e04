"""Validation like the real API: schema problems are 400, semantic problems 422, each naming the path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.helpers import bulk_body, data_of, error_of, sync_body
from tests.support.emulator import (
    HUBSPOT,
    OTHER_USERS_MODEL,
    OTHER_WAREHOUSE,
    SALESFORCE,
    USERS_MODEL,
    WAREHOUSE,
    Emulator,
)

MISSING = "00000000-0000-4000-8000-00000000dead"


def problem_paths(body: dict[str, Any]) -> list[str]:
    return [e["path"] for e in body["metadata"]["errors"]]


@pytest.mark.parametrize(("change", "path"), [
    ({"name": 5}, "name"),
    ({"active": "yes"}, "active"),
    ({"mode": "upsert"}, "mode"),
    ({"fields": {"target": "x"}}, "fields"),
    ({"fields": [{"source": {"model_id": USERS_MODEL, "field": "email"}}]}, "fields[0].target"),
    ({"fields": [{"target": "x", "source": {"model_id": USERS_MODEL}}]}, "fields[0].source.field"),
    ({"fields": [{"target": "x", "source": {"model_id": "not-a-uuid", "field": "a"}}]},
     "fields[0].source.model_id"),
    ({"fields": [{"target": "x", "source": {"model_id": USERS_MODEL + "\n", "field": "a"}}]},
     "fields[0].source.model_id"),
    ({"fields": [{"target": "x", "colour": "red"}]}, "fields[0].colour"),
    ({"shedule": {"frequency": "manual"}}, "shedule"),
    ({"schedule": {"frequency": "sometimes"}}, "schedule.frequency"),
    ({"schedule": {"frequency": "manual", "every": 3}}, "schedule.every"),
    ({"schedule": {"frequency": "dbtcloud", "job_id": "12"}}, "schedule.job_id"),
    ({"schedule": {"frequency": "runafter", "run_after": {"syncs": []}}}, "schedule.run_after.syncs"),
    ({"target": {"object": "Contact"}}, "target.connection_id"),
    ({"target": {"connection_id": SALESFORCE, "object": "Contact", "objekt": "x"}}, "target.objekt"),
    ({"target": {"connection_id": SALESFORCE, "create": {"name": 5}}}, "target.create.name"),
    ({"filters": [{"field": {"model_id": USERS_MODEL, "field": "plan"}}]}, "filters[0].function"),
    ({"filters": [{"field_id": "x", "function": "Equals"}]}, "filters[0].function"),
    ({"filters": [{"field_id": "x", "function": "IsNull", "field_type": "Other"}]}, "filters[0].field_type"),
    ({"identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"}},
     "identity.function"),
    ({"identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email",
                   "function": "Equality", "extra": 1}}, "identity.extra"),
    ({"identity": None}, "identity"),
    ({"active": None}, "active"),
    ({"fields": None}, "fields"),
    ({"policies": ["nope"]}, "policies[0]"),
    ({"overrides": [{"field_id": "x", "function": "Equality", "when": 1}]}, "overrides[0].when"),
    ({"organization_id": "acme"}, "organization_id"),
    ({"id": "a0000000-0000-4000-8000-000000000001"}, "id"),
])
def test_schema_problems_are_400_naming_the_path(emulator: Emulator, change: dict, path: str) -> None:
    body = error_of(emulator.api("POST", "/api/syncs", json=sync_body(**change)), 400)
    assert path in problem_paths(body)
    assert path in body["message"]


@pytest.mark.parametrize("missing", ["fields", "mode", "name", "schedule", "target"])
def test_required_keys(emulator: Emulator, missing: str) -> None:
    body = sync_body()
    del body[missing]
    error = error_of(emulator.api("POST", "/api/syncs", json=body), 400)
    assert error["metadata"]["errors"] == [{"path": missing, "message": "is required"}]


def test_every_problem_is_reported(emulator: Emulator) -> None:
    error = error_of(emulator.api("POST", "/api/syncs", json={"mode": "bad", "extra": 1}), 400)
    assert set(problem_paths(error)) == {"fields", "name", "schedule", "target", "mode", "extra"}


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_body_must_be_a_json_object(emulator: Emulator, raw: bytes) -> None:
    response = emulator.api("POST", "/api/syncs", content=raw, headers={"Content-Type": "application/json"})
    error_of(response, 400)


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"target": {"connection_id": MISSING, "object": "Contact"}}, "target.connection_id", "not found"),
    ({"target": {"connection_id": OTHER_WAREHOUSE, "object": "users"}}, "target.connection_id", "not found"),
    ({"fields": [{"target": "x", "source": {"model_id": MISSING, "field": "email"}}]},
     "fields[0].source.model_id", "not found"),
    ({"fields": [{"target": "x", "source": {"model_id": OTHER_USERS_MODEL, "field": "email"}}]},
     "fields[0].source.model_id", "not found"),
    ({"fields": [{"target": "x", "source": {"model_id": USERS_MODEL, "field": "phone"}}]},
     "fields[0].source.field", "no field 'phone'"),
    ({"fields": [{"target": "x"}]}, "fields[0]", "source or an override_value"),
    ({"override_fields": [{"target": "x", "source": {"model_id": USERS_MODEL, "field": "email"}}]},
     "override_fields[0].override_value", "required"),
    ({"filters": [{"field": {"model_id": USERS_MODEL, "field": "nope"}, "function": "IsNull"}]},
     "filters[0].field.field", "no field 'nope'"),
    ({"filters": [{"function": "IsNull"}]}, "filters[0]", "field or field_id"),
    ({"filters": [{"field_id": "b0000000-0000-4000-8001-000000000099", "function": "IsNull"}]},
     "filters[0].field_id", "no model field"),
    ({"filters": [{"field_id": "x", "field_type": "Target", "function": "IsNull", "label": "A"},
                  {"field_id": "y", "field_type": "Target", "function": "IsNull", "label": "A"}]},
     "filters", "more than one filter"),
    ({"filters": [{"field_id": "x", "field_type": "Target", "function": "IsNull"}],
      "filter_logic": "A AND B"}, "filter_logic", "'B'"),
    ({"filter_logic": "A"}, "filter_logic", "'A'"),
    ({"overrides": [{"field": {"model_id": USERS_MODEL, "field": "nope"}, "function": "IsNull"}]},
     "overrides[0].field.field", "no field"),
    ({"overrides": [{"function": "IsNull"}]}, "overrides[0]", "field or field_id"),
    ({"mode": "update"}, "identity", "required when mode is 'update'"),
    ({"mode": "updateOrCreate"}, "identity", "required"),
    ({"mode": "remove"}, "identity", "required"),
    ({"identity": {"source": {"model_id": USERS_MODEL, "field": "nope"}, "target": "Email",
                   "function": "Equality"}}, "identity.source.field", "no field"),
    ({"schedule": {"frequency": "daily"}}, "schedule.hour", "required when frequency is 'daily'"),
    ({"schedule": {"frequency": "daily", "hour": "3"}}, "schedule.minute", "required"),
    ({"schedule": {"frequency": "daily", "hour": "25", "minute": "0"}}, "schedule.hour", "0 to 23"),
    ({"schedule": {"frequency": "daily", "hour": "\u00b2", "minute": "0"}}, "schedule.hour", "0 to 23"),
    ({"schedule": {"frequency": "daily", "hour": "\u0663", "minute": "0"}}, "schedule.hour", "0 to 23"),
    ({"schedule": {"frequency": "weekly", "hour": "3", "minute": "0"}}, "schedule.day_of_week", "required"),
    ({"schedule": {"frequency": "weekly", "hour": "3", "minute": "0", "day_of_week": "someday"}},
     "schedule.day_of_week", "day name"),
    ({"schedule": {"frequency": "runafter"}}, "schedule.run_after", "at least one"),
    ({"schedule": {"frequency": "runafter", "run_after": {"sync_ids": []}}}, "schedule.run_after", "at least one"),
    ({"schedule": {"frequency": "runafter", "run_after": {"sync_ids": [MISSING]}}},
     "schedule.run_after.sync_ids[0]", "not found"),
    ({"schedule": {"frequency": "runafter", "run_after": {"bulk_sync_ids": [MISSING]}}},
     "schedule.run_after.bulk_sync_ids[0]", "not found"),
    ({"schedule": {"frequency": "dbtcloud", "job_id": 5}}, "schedule.connection_id", "required"),
    ({"schedule": {"frequency": "dbtcloud", "connection_id": WAREHOUSE}}, "schedule.job_id", "required"),
    ({"target": {"connection_id": HUBSPOT}}, "target", "either object"),
    ({"target": {"connection_id": SALESFORCE, "object": "Contacts"}}, "target.object", "no object 'Contacts'"),
    ({"target": {"connection_id": HUBSPOT, "object": "contacts", "create": {"name": "x"}}}, "target", "not both"),
    ({"name": "  "}, "name", "empty"),
    ({"organization_id": "0a000000-0000-4000-8000-000000000002"}, "organization_id", "not found"),
])
def test_semantic_problems_are_422(emulator: Emulator, change: dict, path: str, words: str) -> None:
    error = error_of(emulator.api("POST", "/api/syncs", json=sync_body(**change)), 422)
    messages = {e["path"]: e["message"] for e in error["metadata"]["errors"]}
    assert path in messages, messages
    assert words in messages[path]
    assert path in error["message"]
    assert emulator.api("GET", "/api/syncs").json()["data"] == []


def test_update_validates_like_create_and_leaves_the_sync_alone(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    error_of(emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(mode="update")), 422)
    error_of(emulator.api("PUT", f"/api/syncs/{sync['id']}", json=sync_body(mode="merge")), 400)
    assert data_of(emulator.api("GET", f"/api/syncs/{sync['id']}")) == sync


def test_a_sync_cannot_run_after_itself(emulator: Emulator) -> None:
    sync = data_of(emulator.api("POST", "/api/syncs", json=sync_body()))
    body = sync_body(schedule={"frequency": "runafter", "run_after": {"sync_ids": [sync["id"]]}})
    error = error_of(emulator.api("PUT", f"/api/syncs/{sync['id']}", json=body), 422)
    assert "itself" in error["message"]


def test_run_after_ids_of_the_other_organisation_are_unknown(emulator: Emulator) -> None:
    other = emulator.seed(organization_id="0a000000-0000-4000-8000-000000000002",
                          model_syncs=[{"name": "theirs"}])["model_syncs"][0]
    body = sync_body(schedule={"frequency": "runafter", "run_after": {"sync_ids": [other]}})
    error_of(emulator.api("POST", "/api/syncs", json=body), 422)


# -- bulk syncs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "path"), [
    ({"mode": "incremental"}, "mode"),
    ({"name": None}, "name"),
    ({"default_schedule": {}}, "default_schedule.frequency"),
    ({"default_schedule": {"frequency": "daily", "hour": 3}}, "default_schedule.hour"),
    ({"additional_schedules": [{"frequency": "hourly", "resync_mode": "full"}]},
     "additional_schedules[0].resync_mode"),
    ({"automatically_add_new_fields": "some"}, "automatically_add_new_fields"),
    ({"normalize_names": "yes"}, "normalize_names"),
    ({"concurrency_limit": "5"}, "concurrency_limit"),
    ({"data_cutoff_timestamp": "yesterday"}, "data_cutoff_timestamp"),
    ({"data_cutoff_timestamp": "20240101T000000Z"}, "data_cutoff_timestamp"),
    ({"data_cutoff_timestamp": "2024-01-01T00:00:00+0000"}, "data_cutoff_timestamp"),
    ({"schemas": [{"id": "public.users", "colour": 1}]}, "schemas[0].colour"),
    ({"schemas": [5]}, "schemas[0]"),
    ({"destination_configuration": None}, "destination_configuration"),
    ({"source_connection_id": "warehouse"}, "source_connection_id"),
    ({"schedule": {"frequency": "manual"}}, "schedule"),
])
def test_bulk_schema_problems_are_400(emulator: Emulator, change: dict, path: str) -> None:
    error = error_of(emulator.api("POST", "/api/bulk/syncs", json=bulk_body(**change)), 400)
    assert path in problem_paths(error)


@pytest.mark.parametrize("missing", ["default_schedule", "destination_configuration",
                                     "destination_connection_id", "mode", "name", "source_connection_id"])
def test_bulk_required_keys(emulator: Emulator, missing: str) -> None:
    body = bulk_body()
    del body[missing]
    assert problem_paths(error_of(emulator.api("POST", "/api/bulk/syncs", json=body), 400)) == [missing]


@pytest.mark.parametrize(("change", "path"), [
    ({"source_connection_id": MISSING}, "source_connection_id"),
    ({"source_connection_id": OTHER_WAREHOUSE}, "source_connection_id"),
    ({"destination_connection_id": MISSING}, "destination_connection_id"),
    ({"destination_connection_id": OTHER_WAREHOUSE}, "destination_connection_id"),
    ({"schemas": ["public.nope"]}, "schemas[0]"),
    ({"schemas": ["public.users", {"id": "public.users"}]}, "schemas[1]"),
    ({"schemas": [{"enabled": True}]}, "schemas[0].id"),
    ({"default_schedule": {"frequency": "weekly", "hour": "1", "minute": "0"}}, "default_schedule.day_of_week"),
    ({"additional_schedules": [{"frequency": "daily"}]}, "additional_schedules[0].hour"),
    ({"additional_schedules": [{"frequency": "hourly", "schemas": ["public.nope"]}]},
     "additional_schedules[0].schemas[0]"),
    ({"additional_schedules": [{"frequency": "hourly", "id": MISSING}]}, "additional_schedules[0].id"),
    ({"organization_id": "0a000000-0000-4000-8000-000000000002"}, "organization_id"),
])
def test_bulk_semantic_problems_are_422(emulator: Emulator, change: dict, path: str) -> None:
    error = error_of(emulator.api("POST", "/api/bulk/syncs", json=bulk_body(**change)), 422)
    assert path in problem_paths(error)
    assert emulator.api("GET", "/api/bulk/syncs").json()["data"] == []


def test_a_connection_that_lists_no_objects_takes_any_object_and_a_mode_kept_from_live(emulator: Emulator) -> None:
    made = data_of(emulator.api("POST", "/api/syncs", json=sync_body(target={"connection_id": WAREHOUSE,
                                                                             "object": "public.anything"})))
    assert made["target"]["object"] == "public.anything"
    emulator.seed(model_syncs=[sync_body(name="Enriching", mode="enrich")])
    (live,) = [s for s in emulator.api("GET", "/api/syncs").json()["data"] if s["name"] == "Enriching"]
    kept = data_of(emulator.api("PUT", f"/api/syncs/{live['id']}", json=sync_body(name="Enriching", mode="enrich",
                                                                                 active=True)))
    assert (kept["mode"], kept["active"]) == ("enrich", True)
    error_of(emulator.api("POST", "/api/syncs", json=sync_body(mode="enrich")), 400)  # never on create
