"""Bulk-sync per-schema settings (fields enabled/obfuscated, filters, partition and tracking
fields, cutoffs): read from the schema endpoints, compared, exported, and never lost by an update."""

from __future__ import annotations

from pathlib import Path

from reconciler.planning.liveread import request_body_from_live
from tests.planning.helpers import bulk, bulk_def
from tests.property.harness import adopt, apply, changed, pending, plan, schema
from tests.support.inprocess import InProcessEmulator

EVENTS = {"id": "public.events", "tracking_field": "occurred_at", "partition_key": "user_id",
          "fields": ["id", "event_type", {"id": "user_id", "obfuscate": True}],
          "filters": [{"field_id": "event_type", "function": "Equality", "value": "signup"}]}


def _create(emu: InProcessEmulator, body: dict) -> str:
    return emu.data("POST", "/api/bulk/syncs", json=body)["id"]


def _fields(emu: InProcessEmulator, sync_id: str, schema_id: str) -> dict[str, tuple[bool, bool]]:
    return {f["id"]: (f["enabled"], f["obfuscated"]) for f in schema(emu, sync_id, schema_id)["fields"]}


def test_a_ui_change_to_field_obfuscation_is_drift_naming_the_field(inprocess: InProcessEmulator) -> None:
    body = bulk("Lake", schemas=["public.users", EVENTS])
    sync_id = _create(inprocess, body)
    assert not pending(plan(inprocess, [bulk_def(body)]))
    inprocess.data("PATCH", f"/api/bulk/syncs/{sync_id}/schemas",
                   json={"schemas": [{"id": "public.events", "fields": [
                       {"id": "id", "enabled": True}, {"id": "event_type", "enabled": True},
                       {"id": "user_id", "enabled": True, "obfuscated": False}]}]})
    assert changed(plan(inprocess, [bulk_def(body)])) == {"Lake": ["schemas[public.events].fields.user_id.obfuscated"]}


def test_every_per_schema_setting_changed_in_the_ui_is_drift(inprocess: InProcessEmulator) -> None:
    body = bulk("Lake", schemas=["public.users", EVENTS])
    sync_id = _create(inprocess, body)
    edits = {
        "fields.email.enabled": ("public.users", {"fields": [{"id": f} for f in
                                                   ("id", "first_name", "last_name", "plan", "account_id",
                                                    "is_active", "lifetime_value", "created_at", "updated_at")]}),
        "filters": ("public.events", {**{k: v for k, v in EVENTS.items() if k not in ("id", "fields")},
                                      "fields": [{"id": "id"}, {"id": "event_type"}, {"id": "user_id", "obfuscated": True}],
                                      "filters": [{"field_id": "event_type", "function": "Equality", "value": "login"}]}),
        "partition_key": ("public.events", {"partition_key": "id"}),
        "tracking_field": ("public.events", {"tracking_field": "id"}),
        "data_cutoff_timestamp": ("public.users", {"data_cutoff_timestamp": "2024-05-01T00:00:00Z"}),
        "disable_data_cutoff": ("public.users", {"disable_data_cutoff": True}),
    }
    for suffix, (schema_id, patch) in edits.items():
        before = schema(inprocess, sync_id, schema_id)
        inprocess.data("PATCH", f"/api/bulk/syncs/{sync_id}/schemas", json={"schemas": [{
            "id": schema_id, "fields": [{k: f[k] for k in ("id", "enabled", "obfuscated")} for f in before["fields"]],
            **patch}]})
        paths = changed(plan(inprocess, [bulk_def(body)]))["Lake"]
        assert paths and all(p.startswith(f"schemas[{schema_id}].{suffix}") for p in paths), (suffix, paths)
        inprocess.data("PUT", f"/api/bulk/syncs/{sync_id}", json=body)  # back to the file
        assert not pending(plan(inprocess, [bulk_def(body)])), suffix


def test_export_writes_per_schema_settings_and_plans_empty(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    sync_id = _create(inprocess, bulk("Lake", schemas=["public.users", EVENTS]))
    definitions = adopt(inprocess, tmp_path)
    assert not pending(plan(inprocess, definitions))
    events = next(s for s in definitions[0].spec["schemas"] if isinstance(s, dict) and s["id"] == "public.events")
    assert events["fields"] == ["id", {"id": "user_id", "obfuscate": True}, "event_type"]  # source order
    assert events["filters"] == EVENTS["filters"]
    assert _fields(inprocess, sync_id, "public.events")["user_id"] == (True, True)


def test_an_unrelated_update_after_export_keeps_every_per_schema_setting(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    """The data-loss bug: an update sent schemas without `fields`, which enables and un-obfuscates every field."""
    sync_id = _create(inprocess, bulk("Lake", schemas=["public.users", EVENTS]))
    inprocess.data("PUT", f"/api/bulk/syncs/{sync_id}/schemas/public.users",
                   json={"user_output_name": "people", "fields": [
                       {"id": "id"}, {"id": "email", "obfuscated": True, "user_output_name": "mail"}]})
    before = {s: schema(inprocess, sync_id, s) for s in ("public.users", "public.events")}
    definitions = adopt(inprocess, tmp_path)
    assert not pending(plan(inprocess, definitions))
    edited = [d.__class__(**{**d.__dict__, "spec": {**d.spec, "concurrency_limit": 3}}) for d in definitions]
    update = plan(inprocess, edited)
    assert changed(update) == {"Lake": ["concurrency_limit"]}
    apply(inprocess, update)
    after = {s: schema(inprocess, sync_id, s) for s in ("public.users", "public.events")}
    assert after == before
    assert not pending(plan(inprocess, edited))


def test_a_file_without_field_lists_means_every_field_enabled(inprocess: InProcessEmulator) -> None:
    body = bulk("Lake", schemas=["public.users"])
    sync_id = _create(inprocess, bulk("Lake", schemas=[{"id": "public.users", "fields": ["id", "email"]}]))
    assert changed(plan(inprocess, [bulk_def(body)]))["Lake"] == [
        f"schemas[public.users].fields.{f}.enabled" for f in
        sorted(("first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value", "created_at",
                "updated_at"))]
    # the same selection written out field by field is no change
    every = [f for f in _fields(inprocess, sync_id, "public.users")]
    inprocess.data("PUT", f"/api/bulk/syncs/{sync_id}", json=body)
    assert not pending(plan(inprocess, [bulk_def(bulk("Lake", schemas=[{"id": "public.users", "fields": every}]))]))
    assert not pending(plan(inprocess, [bulk_def(bulk("Lake", schemas=[{"id": "public.users", "fields": []}]))]))


def test_projection_writes_fields_only_when_they_are_not_all_enabled() -> None:
    live = {"name": "x", "schemas": [
        {"id": "a", "enabled": True, "fields": [{"id": "f", "enabled": True, "obfuscated": False}]},
        {"id": "b", "enabled": True, "fields": [{"id": "f", "enabled": True, "obfuscated": True},
                                                {"id": "g", "enabled": False, "obfuscated": False}]},
        {"id": "c", "enabled": True, "fields": [{"id": "f", "enabled": False, "obfuscated": False}]},
        {"id": "d", "enabled": False}]}
    assert request_body_from_live("BulkSync", live)["schemas"] == [
        "a", {"id": "b", "fields": [{"id": "f", "obfuscate": True}]}, {"id": "c", "fields": [{"id": "f", "enabled": False}]}]


def test_extra_reads_are_one_per_selected_schema(inprocess: InProcessEmulator) -> None:
    body = bulk("Lake", schemas=["public.users", EVENTS])
    _create(inprocess, body)
    inprocess.control("DELETE", "/_emulator/requests")
    plan(inprocess, [bulk_def(body)])
    routes = inprocess.control("GET", "/_emulator/requests").json()["data"]["counts"]
    per_schema = {k: v for k, v in routes.items() if k.startswith("GET /api/bulk/syncs/{id}/schemas")}
    assert per_schema == {"GET /api/bulk/syncs/{id}/schemas": 1, "GET /api/bulk/syncs/{id}/schemas/{schema_id}": 2}
