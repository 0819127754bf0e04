"""Bulk syncs (ELT): ``CreateBulkSyncRequest`` at ``/api/bulk/syncs``, with a per-schema selection."""

from __future__ import annotations

from typing import Any, Mapping

from reconciler.definitions.semantic import bulk_sync_problems
from reconciler.kinds.base import Routes, SyncKind
from reconciler.planning.diff import ListRule, keyed
from reconciler.planning.liveread import bulk_request
from reconciler.planning.views import bulk_view
from reconciler.reports.executions import bulk_execution


def _is_full_item(item: Mapping[str, Any]) -> bool:
    return "default_schedule" in item  # light list items carry no schedule


def _list_live(client: Any, on_items: Any = None, known: Any = None) -> list[dict[str, Any]]:
    return client.list_bulk_syncs()


KIND = SyncKind(
    name="BulkSync",
    label="bulk",
    ref_scheme="bulk_sync",
    request_schema="CreateBulkSyncRequest",
    response_schema="BulkSyncResponse",
    schema_file="bulk-sync.schema.json",
    summary="bulk sync (ELT)",
    routes=Routes.under("/api/bulk/syncs", schemas=True),
    request_keys=(
        "active", "additional_schedules", "automatically_add_new_fields", "automatically_add_new_objects",
        "concurrency_limit", "data_cutoff_timestamp", "default_schedule", "destination_configuration",
        "destination_connection_id", "disable_record_timestamps", "mode", "name", "normalize_names",
        "organization_id", "policies", "resync_concurrency_limit", "schemas", "source_configuration",
        "source_connection_id",
    ),
    defaults={
        "active": False, "additional_schedules": [], "automatically_add_new_fields": "all",
        "automatically_add_new_objects": "all", "concurrency_limit": None, "resync_concurrency_limit": None,
        "data_cutoff_timestamp": None, "disable_record_timestamps": False, "normalize_names": "enabled",
        "policies": [], "source_configuration": {},
    },
    list_rules={
        "schemas": ListRule(keyed("id")),
        "additional_schedules": ListRule(None),
    },
    schedule_ids=True,
    schema_selection=True,
    field_descriptions={
        "name": "Display name; also how reconciler finds the live sync when no id is pinned.",
        "mode": "snapshot or replicate.",
        "source_connection_id": "Connection to read from (a UUID or ${connection:NAME}).",
        "destination_connection_id": "Connection to write to (a UUID or ${connection:NAME}).",
        "schemas": "Source schemas to sync: ids, or objects with per-schema settings.",
        "default_schedule": "When the sync runs.",
    },
    view=bulk_view,
    request_from_live=bulk_request,
    parse_execution=bulk_execution,
    list_live=_list_live,
    is_full_item=_is_full_item,
    check=bulk_sync_problems,
)
