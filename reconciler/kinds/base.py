"""The shape of one sync kind: every fact and hook that differs between a model and a bulk sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Container, Mapping

if TYPE_CHECKING:
    from reconciler.definitions.model import Kind
    from reconciler.api.client import PolytomicClient
    from reconciler.definitions.schema import Problem
    from reconciler.planning.diff import ListRule
    from reconciler.reports.executions import Execution

Body = Mapping[str, Any]


@dataclass(frozen=True)
class Routes:
    """API paths of one kind (``{id}`` is the sync id)."""

    collection: str  # GET list, POST create
    item: str  # GET, PUT, DELETE
    activate: str
    status: str
    executions: str
    schemas: str | None = None  # the per-schema selection (bulk syncs)

    @classmethod
    def under(cls, collection: str, *, schemas: bool = False) -> Routes:
        """The routes of a collection laid out as the API lays out both of its sync collections."""
        item = collection + "/{id}"
        return cls(collection=collection, item=item, activate=item + "/activate", status=item + "/status",
                   executions=item + "/executions", schemas=item + "/schemas" if schemas else None)

    def of(self, template: str, sync_id: str) -> str:
        return template.format(id=sync_id)


@dataclass(frozen=True)
class MergedList:
    """A request list the server returns merged into another (``override_fields`` into ``fields``)."""

    into: str
    marker: str  # a key only this list's items have

    def owns(self, item: Any) -> bool:
        return isinstance(item, Mapping) and self.marker in item


@dataclass(frozen=True)
class WriteOnlyPlaceholder:
    """A write-only request key ``export`` writes as ``${env:<prefix>_<env_suffix>}``."""

    key: str
    env_suffix: str
    is_set: Callable[[Body], bool]  # whether the live object says outright that it is set (never its value)


@dataclass(frozen=True)
class ExportRule:
    """What ``export`` writes for a live sync of this kind."""

    placeholders: tuple[WriteOnlyPlaceholder, ...] = ()
    # the server computes these the same way when a file leaves them out
    drops_server_defaults: bool = False


@dataclass(frozen=True)
class SyncKind:
    """One kind of sync (``ModelSync``, ``BulkSync``): its wire facts, comparison rules and hooks."""

    name: Kind
    label: str  # short word in tables ("model")
    ref_scheme: str  # ``${sync:NAME}``-style reference scheme naming a sync of this kind
    request_schema: str  # the OpenAPI create request
    response_schema: str  # the OpenAPI object GET returns
    schema_file: str  # the derived JSON Schema in schemas/
    summary: str  # "model sync (reverse ETL)", in the derived schema's description
    routes: Routes
    request_keys: tuple[str, ...]  # top-level keys of the create request
    defaults: Mapping[str, Any]  # what the server stores for a key a request leaves out
    write_only_paths: tuple[str, ...] = ()  # never read back: shown masked, never compared
    create_only_paths: tuple[str, ...] = ()  # write-only and sent on create only (nothing to rotate)
    always_sensitive: tuple[str, ...] = ()  # request keys whose values are secret even when literal
    response_only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # values only GET documents
    list_rules: Mapping[str, ListRule] = field(default_factory=dict)  # order-free lists and their pairing keys
    merged_lists: Mapping[str, MergedList] = field(default_factory=dict)  # request list -> where GET returns it
    labeled_filters: bool = False  # filters named by label in a filter_logic (labels carried from live)
    schedule_ids: bool = False  # additional schedules keep their live ids on update
    schema_selection: bool = False  # a per-schema selection read from routes.schemas and compared
    has_target: bool = False  # writes into one target object (target.create / configuration defaults)
    streams_listing: bool = False  # the listing offers its pages as they come (reads start meanwhile)
    export: ExportRule = ExportRule()
    field_descriptions: Mapping[str, str] = field(default_factory=dict)  # for editors, in the derived schema
    # hooks (the kind's module binds them to the code that knows the shape)
    view: Callable[[SyncKind, Body], dict[str, Any]] = field(default=lambda kind, body: {}, repr=False)
    request_from_live: Callable[[SyncKind, Body], dict[str, Any]] = field(default=lambda kind, body: {}, repr=False)
    parse_execution: Callable[[Any], Execution | None] = field(default=lambda raw: None, repr=False)
    list_live: Callable[..., list[dict[str, Any]]] = field(default=lambda client, **kw: [], repr=False)
    # whether a list item is the whole object (a GET would add nothing)
    is_full_item: Callable[[Body], bool] = field(default=lambda item: False, repr=False)
    check: Callable[[dict[str, Any], Container[str]], list[Problem]] = field(default=lambda doc, hidden: [], repr=False)
    warn: Callable[[dict[str, Any]], list[Problem]] = field(default=lambda doc: [], repr=False)

    @property
    def rotated_paths(self) -> tuple[str, ...]:
        """Write-only values a rotation sends again (those sent on every write)."""
        return tuple(p for p in self.write_only_paths if p not in self.create_only_paths)

    def merge_of(self, path: str) -> tuple[str, MergedList] | None:
        """(source list, merge) when ``path`` is a merged list or the list it is merged into."""
        for source, merge in self.merged_lists.items():
            if path in (source, merge.into):
                return source, merge
        return None

    def live_list(self, name: str) -> str:
        """Where a request list is found in the live object."""
        merge = self.merged_lists.get(name)
        return merge.into if merge is not None else name

    def path(self, template: str, sync_id: str) -> str:
        return self.routes.of(template, sync_id)

    def get(self, client: PolytomicClient, sync_id: str) -> dict[str, Any]:
        return client.request("GET", self.path(self.routes.item, sync_id), expect=dict)
