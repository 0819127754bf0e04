"""The per-schema endpoints of bulk syncs (2025-09-18): light list items, full schemas, PUT
replacing one schema, PATCH patching several; "omitting fields enables all fields"."""

from __future__ import annotations

from tests.emulator.helpers import bulk_body, sync_body
from tests.support.inprocess import InProcessEmulator

#: what bulksync/source lists for the table (one catalogue for the endpoint and the schema routes)
USERS_FIELDS = ["id", "email", "first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value",
                "created_at", "updated_at"]


def _sync(emu: InProcessEmulator, **extra: object) -> dict:
    return emu.data("POST", "/api/bulk/syncs", json=bulk_body(**extra))


def _fields(schema: dict) -> dict[str, tuple[bool, bool, str]]:
    return {f["id"]: (f["enabled"], f["obfuscated"], f["user_output_name"]) for f in schema["fields"]}


def test_list_items_are_light_and_the_full_schema_has_fields_and_filters(inprocess: InProcessEmulator) -> None:
    sync = _sync(inprocess, schemas=[{"id": "public.users", "fields": ["id", {"id": "email", "obfuscate": True}],
                                      "filters": [{"field_id": "plan", "function": "Equality", "value": "pro"}]}])
    items = inprocess.data("GET", f"/api/bulk/syncs/{sync['id']}/schemas")
    assert all("fields" not in i and "filters" not in i for i in items)
    assert set(items[0]) == {"id", "enabled", "output_name", "user_output_name", "partition_key", "tracking_field",
                             "data_cutoff_timestamp", "disable_data_cutoff"}
    full = inprocess.data("GET", f"/api/bulk/syncs/{sync['id']}/schemas/public.users")
    assert [f["id"] for f in full["fields"]] == USERS_FIELDS
    assert _fields(full)["email"] == (True, True, "") and _fields(full)["id"] == (True, False, "")
    assert _fields(full)["plan"] == (False, False, "")  # a field list is the selection
    assert full["filters"] == [{"field_id": "plan", "function": "Equality", "value": "pro"}]
    assert full["fields"][1]["output_name"] == "email"
    assert inprocess.api("GET", f"/api/bulk/syncs/{sync['id']}/schemas/public.nope").status_code == 404
    every = inprocess.data("GET", f"/api/bulk/syncs/{sync['id']}/schemas/public.accounts")
    assert every["enabled"] is False and all(f["enabled"] for f in every["fields"])


def test_put_replaces_one_schema_and_omitting_fields_enables_them_all(inprocess: InProcessEmulator) -> None:
    sync = _sync(inprocess, schemas=[{"id": "public.users", "fields": ["id"], "tracking_field": "created_at"}])
    path = f"/api/bulk/syncs/{sync['id']}/schemas/public.users"
    out = inprocess.data("PUT", path, json={"user_output_name": "people", "partition_key": "id",
                                            "fields": [{"id": "email", "obfuscated": True, "user_output_name": "mail"}]})
    assert out == inprocess.data("GET", path)
    assert out["user_output_name"] == "people" and out["partition_key"] == "id" and out["tracking_field"] == ""
    assert _fields(out)["email"] == (True, True, "mail") and _fields(out)["id"][0] is False
    reset = inprocess.data("PUT", path, json={})
    assert all(v == (True, False, "") for v in _fields(reset).values()) and reset["user_output_name"] == ""
    after = inprocess.data("GET", f"/api/bulk/syncs/{sync['id']}")
    assert after["updated_at"] > sync["updated_at"]
    bad = inprocess.api("PUT", path, json={"fields": [{"id": "nope"}]})
    assert bad.status_code == 422 and "fields[0]" in bad.text
    assert inprocess.api("PUT", path, json={"colour": "red"}).status_code == 400
    bad_filter = inprocess.api("PUT", path, json={"filters": [{"field_id": "nope", "function": "IsNull"}]})
    assert bad_filter.status_code == 422 and "filters[0].field_id" in bad_filter.text


def test_patch_changes_only_the_schemas_listed(inprocess: InProcessEmulator) -> None:
    sync = _sync(inprocess, schemas=[{"id": "public.users", "fields": ["id"], "tracking_field": "created_at"},
                                     {"id": "public.events", "fields": ["id"]}])
    base = f"/api/bulk/syncs/{sync['id']}/schemas"
    out = inprocess.data("PATCH", base, json={"schemas": [{"id": "public.users", "partition_key": "id"},
                                                          {"id": "public.orders", "enabled": True,
                                                           "fields": [{"id": "id", "enabled": True}]}]})
    assert [s["id"] for s in out] == ["public.users", "public.orders"]
    users = inprocess.data("GET", f"{base}/public.users")
    assert users["tracking_field"] == "created_at" and users["partition_key"] == "id"  # patched, rest kept
    assert all(v[0] for v in _fields(users).values())  # fields omitted: all enabled
    events = inprocess.data("GET", f"{base}/public.events")
    assert _fields(events)["id"][0] and not _fields(events)["user_id"][0]  # not listed: untouched
    orders = inprocess.data("GET", f"{base}/public.orders")
    assert orders["enabled"] is True and [f["id"] for f in orders["fields"] if f["enabled"]] == ["id"]
    assert inprocess.api("PATCH", base, json={"schemas": [{"id": "public.nope"}]}).status_code == 422


def test_a_bulk_sync_update_keeps_user_output_names(inprocess: InProcessEmulator) -> None:
    """The create/update request cannot name them, so a full replacement of the sync keeps them."""
    sync = _sync(inprocess, schemas=["public.users"])
    path = f"/api/bulk/syncs/{sync['id']}/schemas/public.users"
    inprocess.data("PUT", path, json={"user_output_name": "people", "fields": [{"id": "email", "user_output_name": "mail"}]})
    inprocess.data("PUT", f"/api/bulk/syncs/{sync['id']}", json=bulk_body(schemas=[{"id": "public.users", "fields": ["email"]}]))
    after = inprocess.data("GET", path)
    assert after["user_output_name"] == "people" and _fields(after)["email"] == (True, False, "mail")


def test_bulk_schedules_accept_runafter_and_dbtcloud_fields(inprocess: InProcessEmulator) -> None:
    first = _sync(inprocess)
    after = _sync(inprocess, default_schedule={"frequency": "runafter", "run_after": {"bulk_sync_ids": [first["id"]]}})
    assert after["default_schedule"]["run_after"] == {"bulk_sync_ids": [first["id"]]}
    dbt = _sync(inprocess, additional_schedules=[{"frequency": "dbtcloud", "connection_id": first["source_connection_id"],
                                                  "job_id": 7}])
    assert dbt["additional_schedules"][0]["job_id"] == 7
    missing = inprocess.api("POST", "/api/bulk/syncs", json=bulk_body(default_schedule={"frequency": "runafter"}))
    assert missing.status_code == 422 and "default_schedule.run_after" in missing.text
    unknown = inprocess.api("POST", "/api/bulk/syncs", json=bulk_body(default_schedule={
        "frequency": "runafter", "run_after": {"bulk_sync_ids": ["00000000-0000-4000-8000-000000000000"]}}))
    assert unknown.status_code == 422 and "not found" in unknown.text


def test_filter_field_id_takes_a_field_name_as_the_openapi_file_says(inprocess: InProcessEmulator) -> None:
    ok = inprocess.api("POST", "/api/syncs", json=sync_body(filters=[{"field_id": "plan", "function": "IsNotNull"}]))
    assert ok.status_code == 200, ok.text
    assert ok.json()["data"]["filters"][0]["field_id"] == "plan"
    bad = inprocess.api("POST", "/api/syncs", json=sync_body(filters=[{"field_id": "nope", "function": "IsNull"}]))
    assert bad.status_code == 422 and "filters[0].field_id" in bad.text


def test_a_schema_left_out_of_an_update_keeps_its_settings(inprocess: InProcessEmulator) -> None:
    """Found by the property test: an update that did not list a deselected schema reset its settings."""
    sync = _sync(inprocess, schemas=["public.users", {"id": "public.events", "enabled": False, "partition_key": "id",
                                                      "fields": [{"id": "user_id", "obfuscate": True}]}])
    path = f"/api/bulk/syncs/{sync['id']}/schemas/public.events"
    before = inprocess.data("GET", path)
    inprocess.data("PUT", f"/api/bulk/syncs/{sync['id']}", json=bulk_body(schemas=["public.users"], concurrency_limit=2))
    assert inprocess.data("GET", path) == before
    inprocess.data("PUT", f"/api/bulk/syncs/{sync['id']}", json=bulk_body())  # no list: all selected, defaults
    reset = inprocess.data("GET", path)
    assert reset["enabled"] and reset["partition_key"] == "" and all(f["enabled"] and not f["obfuscated"]
                                                                      for f in reset["fields"])
