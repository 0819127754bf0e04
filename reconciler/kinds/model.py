"""Model syncs (reverse ETL): ``CreateSyncRequest`` at ``/api/syncs``."""

from __future__ import annotations

from typing import Any, Mapping

from reconciler.definitions.semantic import model_sync_problems, override_warnings
from reconciler.kinds.base import ExportRule, MergedList, Routes, SyncKind, WriteOnlyPlaceholder
from reconciler.planning.align import align_filter
from reconciler.planning.diff import ListRule, field_ref, keyed
from reconciler.planning.liveread import model_request
from reconciler.planning.views import model_view
from reconciler.reports.executions import model_execution


FULL_ITEM_KEYS = ("fields", "target")  # a model-sync list item carrying these is the full object


def _is_full_item(item: Mapping[str, Any]) -> bool:
    return all(key in item for key in FULL_ITEM_KEYS)


def _list_live(client: Any, on_items: Any = None, known: Any = None) -> list[dict[str, Any]]:
    return client.list_model_syncs(on_items=on_items, known=known)


def _reveals_passphrase(live: Mapping[str, Any]) -> bool:
    """True only when the API says outright that a passphrase is set (never its value)."""
    value = live.get("encryption_passphrase")
    return isinstance(value, str) and bool(value) or live.get("has_encryption_passphrase") is True


KIND = SyncKind(
    name="ModelSync",
    label="model",
    ref_scheme="sync",
    request_schema="CreateSyncRequest",
    response_schema="SyncResponse",
    schema_file="model-sync.schema.json",
    summary="model sync (reverse ETL)",
    routes=Routes.under("/api/syncs"),
    request_keys=(
        "active", "encryption_passphrase", "fields", "filter_logic", "filters", "identity", "mode", "name",
        "only_enrich_updates", "organization_id", "override_fields", "overrides", "policies", "schedule",
        "skip_initial_backfill", "sync_all_records", "target",
    ),
    defaults={
        "active": False, "only_enrich_updates": False, "skip_initial_backfill": False, "sync_all_records": False,
        "filter_logic": "", "filters": [], "overrides": [], "policies": [],
    },
    write_only_paths=("encryption_passphrase", "target.create"),
    create_only_paths=("target.create",),
    always_sensitive=("encryption_passphrase",),
    response_only={"mode": ("enrich",)},
    list_rules={
        "fields": ListRule(keyed("target")),
        "override_fields": ListRule(keyed("target")),
        "filters": ListRule(field_ref, align_filter),
        "overrides": ListRule(field_ref),
    },
    merged_lists={"override_fields": MergedList(into="fields", marker="override_value")},
    labeled_filters=True,
    has_target=True,
    streams_listing=True,
    export=ExportRule(placeholders=(WriteOnlyPlaceholder("encryption_passphrase", "PASSPHRASE", _reveals_passphrase),),
                      drops_server_defaults=True),
    field_descriptions={
        "name": "Display name; also how reconciler finds the live sync when no id is pinned.",
        "mode": "How records are written to the target.",
        "schedule": "When the sync runs.",
        "target": "Destination connection and object (object for an existing one, create for a new one).",
        "fields": "Model field to target field mappings.",
        "override_fields": "Target fields set to a constant value.",
        "filters": "Conditions a record must meet to be synced.",
        "filter_logic": "How filter labels combine, e.g. 'A AND (B OR C)'.",
        "identity": "How source records are matched to target records.",
        "encryption_passphrase": "Write-only secret; use ${env:NAME}.",
    },
    view=model_view,
    request_from_live=model_request,
    parse_execution=model_execution,
    list_live=_list_live,
    is_full_item=_is_full_item,
    check=model_sync_problems,
    warn=override_warnings,
)
