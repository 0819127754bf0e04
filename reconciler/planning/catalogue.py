"""Catalogue checks: every connection, model field, bulk source schema and schema field, and listed
target object that a change would send exists in the live organisation (a green plan means a green apply).

Checked for each create and update (a no-op sends nothing), on the request body the plan would send:

- connection ids (``target``, ``schedule``, bulk source and destination) against ``GET /api/connections``;
- model syncs: ``fields[].source``, ``identity.source``, ``filters[].field``/``field_id`` and
  ``overrides[].field``/``field_id`` against ``GET /api/models/{id}``; ``target.object`` against
  ``GET /api/connections/{id}/modelsync/targetobjects`` when that connection lists its objects
  (``data`` is a list; null or an error means it does not, and any object is accepted);
- bulk syncs: ``schemas[]`` (and ``additional_schedules[].schemas[]``) against
  ``GET /api/connections/{source}/bulksync/source``, and each schema's ``fields``, ``filters[].field_id``,
  ``partition_key`` and ``tracking_field`` against that schema's fields (read from
  ``GET /api/connections/{source}/schemas/{schema_id}`` when the source listing has none).

Each unknown name is one problem at the ``file:line:column`` of the offending value, with the
closest known name as a suggestion. Each catalogue object is read once per plan.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

from reconciler.api.client import PolytomicClient
from reconciler.definitions.model import Definition
from reconciler.definitions.schema import suggest
from reconciler import kinds
from reconciler.errors import ApiError
from reconciler.planning.model import Change, Problem

#: (field path, the unknown name, what it should be, the names known) or (field path, message)
Finding = tuple[str, str]


@dataclass(frozen=True)
class _Schema:
    name: str
    fields: tuple[str, ...] | None  # None: the source did not say


class Catalogue:
    """Live catalogue objects, each read at most once (concurrently through ``submit``)."""

    def __init__(self, client: PolytomicClient, submit: Callable[..., Future[Any]],
                 connections: Sequence[Mapping[str, Any]] | None = None) -> None:
        self.client = client
        self.submit = submit
        self._lock = threading.Lock()
        self._reads: dict[tuple[str, ...], Future[Any]] = {}
        if connections is not None:  # already read by the planner: not read again
            known: Future[Any] = Future()
            known.set_result([dict(c) for c in connections])
            self._reads[("connections",)] = known

    def _read(self, key: tuple[str, ...], fn: Callable[[], Any]) -> Future[Any]:
        with self._lock:
            if key not in self._reads:
                self._reads[key] = self.submit(fn)
            return self._reads[key]

    def connection_ids(self) -> set[str]:
        return {str(c.get("id")) for c in self._read(("connections",), self.client.list_connections).result()}

    def model(self, model_id: str) -> Future[dict[str, Any] | None]:
        return self._read(("model", model_id), lambda: _or_none(lambda: self.client.get_model(model_id)))

    def target_objects(self, connection_id: str) -> Future[list[str] | None]:
        return self._read(("targets", connection_id), lambda: self._target_objects(connection_id))

    def bulk_source(self, connection_id: str) -> Future[dict[str, _Schema] | None]:
        return self._read(("source", connection_id), lambda: self._bulk_source(connection_id))

    def source_schema(self, connection_id: str, schema_id: str) -> Future[_Schema | None]:
        return self._read(("schema", connection_id, schema_id), lambda: self._source_schema(connection_id, schema_id))

    def has_model_field(self, field_id: str) -> bool:
        """Whether any model of the organisation has a field with this id (``filters[].field_id``)."""
        listed = self._read(("models",), self.client.list_models).result()
        models = [self.model(str(m["id"])) for m in listed if isinstance(m, Mapping) and isinstance(m.get("id"), str)]
        return any(field_id in {str(f.get("id")) for f in _items((m.result() or {}).get("fields"))} for m in models)

    def _target_objects(self, connection_id: str) -> list[str] | None:
        try:
            envelope = self.client.request_envelope("GET", f"/api/connections/{connection_id}/modelsync/targetobjects")
        except ApiError as exc:
            if exc.retryable:
                raise
            return None  # this connection does not list its objects
        data = envelope.get("data")
        if not isinstance(data, list):
            return None
        return [str(o["id"]) for o in data if isinstance(o, Mapping) and o.get("id") is not None]

    def _bulk_source(self, connection_id: str) -> dict[str, _Schema] | None:
        try:
            envelope = self.client.request_envelope("GET", f"/api/connections/{connection_id}/bulksync/source",
                                                    params={"include_fields": "true"})
        except ApiError as exc:
            if exc.retryable:
                raise
            return None
        data = envelope.get("data")
        schemas = data.get("schemas") if isinstance(data, Mapping) else None
        if not isinstance(schemas, list):
            return None
        return {str(s["id"]): _schema(s) for s in schemas if isinstance(s, Mapping) and s.get("id") is not None}

    def _source_schema(self, connection_id: str, schema_id: str) -> _Schema | None:
        try:
            found = self.client.request("GET", f"/api/connections/{connection_id}/schemas/{schema_id}")
        except ApiError as exc:
            if exc.retryable:
                raise
            return None
        return _schema(found) if isinstance(found, Mapping) else None


def _schema(raw: Mapping[str, Any]) -> _Schema:
    fields = raw.get("fields")
    names = None if not isinstance(fields, list) else tuple(
        str(f.get("id") or f.get("name")) for f in fields if isinstance(f, Mapping) and (f.get("id") or f.get("name")))
    return _Schema(str(raw.get("name") or raw.get("id")), names)


def _or_none(read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return read()
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def check_changes(catalogue: Catalogue, changes: Sequence[tuple[Change, Definition]]) -> list[tuple[Change, Problem]]:
    """(change, problem) for every unknown catalogue name that the creates and updates would send."""
    out = []
    for change, d in changes:
        if change.action not in ("create", "update") or change.body is None:
            continue
        check = _model_sync if kinds.get(change.kind).has_target else _bulk_sync
        found = _connections(catalogue, change.body) + check(catalogue, change.body)
        found += _response_only(change) if change.action == "create" else []
        for path, message in sorted(set(found)):
            if any(path == s or path.startswith((s + ".", s + "[")) for s in d.sensitive_paths):
                message = "this value (sensitive) is not known to the live catalogue"
            out.append((change, Problem(message=message, kind=d.kind, name=d.name, source=d.position_of(path))))
    return out


_CONNECTION_PATHS = (("target", "connection_id"), ("schedule", "connection_id"), ("source_connection_id",),
                     ("destination_connection_id",))


def _connections(catalogue: Catalogue, body: Mapping[str, Any]) -> list[Finding]:
    """Connection ids the body names that no live connection has."""
    found: list[Finding] = []
    for path in _CONNECTION_PATHS:
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value not in catalogue.connection_ids():
            found.append((".".join(path), f"no live connection has id {value}"))
    return found


def _response_only(change: Change) -> list[Finding]:
    """Values the API returns but refuses in a create request (``mode: enrich``)."""
    body = change.body or {}
    return [(path, f"{body[path]!r} cannot be used to create a sync (the API only keeps it on syncs that have it)")
            for path, values in kinds.get(change.kind).response_only.items() if body.get(path) in values]


# ---- model syncs --------------------------------------------------------------------------------


def _sources(body: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(path of the Source, Source) for every model field the body names."""
    for i, item in enumerate(_items(body.get("fields"))):
        if isinstance(item.get("source"), Mapping):
            yield f"fields[{i}].source", item["source"]
    identity = body.get("identity")
    if isinstance(identity, Mapping) and isinstance(identity.get("source"), Mapping):
        yield "identity.source", identity["source"]
    for key in ("filters", "overrides"):
        for i, item in enumerate(_items(body.get(key))):
            if isinstance(item.get("field"), Mapping):
                yield f"{key}[{i}].field", item["field"]


def _model_sync(catalogue: Catalogue, body: Mapping[str, Any]) -> list[Finding]:
    sources = list(_sources(body))
    models = {str(src["model_id"]): catalogue.model(str(src["model_id"]))
              for _, src in sources if isinstance(src.get("model_id"), str)}
    given = body.get("target")
    target: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    objects = (catalogue.target_objects(target["connection_id"])
               if isinstance(target.get("connection_id"), str) and isinstance(target.get("object"), str) else None)
    found = _source_fields(sources, models)
    found += _field_ids(catalogue, body, models)
    listed = objects.result() if objects is not None else None
    if listed is not None and target["object"] not in listed:
        found.append(("target.object", _unknown(target["object"], "an object of the target connection", listed)))
    return found


def _source_fields(sources: list[tuple[str, Mapping[str, Any]]], models: Mapping[str, Any]) -> list[Finding]:
    """Each source field names a live model and one of its fields."""
    found: list[Finding] = []
    for path, src in sources:
        model_id, name = src.get("model_id"), src.get("field")
        if not isinstance(model_id, str) or not isinstance(name, str):
            continue
        model = models[model_id].result()
        if model is None:
            found.append((f"{path}.model_id", f"no live model has id {model_id}"))
            continue
        names = [str(f.get("name")) for f in _items(model.get("fields"))]
        if name not in names:
            found.append((f"{path}.field", _unknown(name, f"a field of model {model.get('name')!r}", names)))
    return found


def _field_ids(catalogue: Catalogue, body: Mapping[str, Any], models: Mapping[str, Any]) -> list[Finding]:
    """Each filter / override ``field_id`` on a Model field names a live model field."""
    field_ids: set[str] = set()
    for future in models.values():
        model = future.result()
        # field_id is an id, or (as the OpenAPI file describes it) a field name of a model the sync uses
        field_ids |= {str(f.get(k)) for f in _items((model or {}).get("fields")) for k in ("id", "name")}
    found: list[Finding] = []
    for key in ("filters", "overrides"):
        for i, item in enumerate(_items(body.get(key))):
            field_id = item.get("field_id")
            on_model = item.get("field_type") in (None, "Model")  # a Target field is the destination's
            if (isinstance(field_id, str) and on_model and "field" not in item and field_id not in field_ids
                    and not catalogue.has_model_field(field_id)):
                found.append((f"{key}[{i}].field_id", f"no field of a live model has id {field_id!r} "
                                                     "(nor has a model of this sync a field of that name)"))
    return found


def _bulk_sync(catalogue: Catalogue, body: Mapping[str, Any]) -> list[Finding]:
    source_id = body.get("source_connection_id")
    if not isinstance(source_id, str):
        return []
    available = catalogue.bulk_source(source_id).result()
    if available is None:
        return []  # the source does not list its schemas: nothing to check against
    found, chosen = _selected_schemas(body, available)
    for i, schedule in enumerate(_items(body.get("additional_schedules"))):
        for j, sid in enumerate(schedule.get("schemas") or []):
            if isinstance(sid, str) and sid not in available:
                found.append((f"additional_schedules[{i}].schemas[{j}]",
                              _unknown(sid, "a schema of the source connection", list(available))))
    for path, item, schema in chosen:
        fields = schema.fields
        if fields is None:
            detail = catalogue.source_schema(source_id, str(item["id"])).result()
            fields = detail.fields if detail is not None else None
        if fields is not None:
            found += _schema_fields(path, item, schema.name, list(fields))
    return found


def _selected_schemas(body: Mapping[str, Any], available: Mapping[str, _Schema]
                      ) -> tuple[list[Finding], list[tuple[str, Mapping[str, Any], _Schema]]]:
    """Unknown schema ids, and the selected schemas given with settings (to check their fields)."""
    found: list[Finding] = []
    chosen: list[tuple[str, Mapping[str, Any], _Schema]] = []
    for i, item in enumerate(body.get("schemas") or []):
        sid = item if isinstance(item, str) else item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(sid, str):
            continue
        path = f"schemas[{i}]" if isinstance(item, str) else f"schemas[{i}].id"
        if sid not in available:
            found.append((path, _unknown(sid, "a schema of the source connection", list(available))))
        elif isinstance(item, Mapping):
            chosen.append((f"schemas[{i}]", item, available[sid]))
    return found, chosen


def _schema_fields(path: str, item: Mapping[str, Any], schema: str, fields: list[str]) -> list[Finding]:
    what = f"a field of schema {schema!r}"
    named: list[tuple[str, Any]] = []
    for j, field in enumerate(item.get("fields") or []):
        if isinstance(field, str):
            named.append((f"{path}.fields[{j}]", field))
        elif isinstance(field, Mapping):
            named.append((f"{path}.fields[{j}].id", field.get("id")))
    for j, flt in enumerate(_items(item.get("filters"))):
        named.append((f"{path}.filters[{j}].field_id", flt.get("field_id")))
    for key in ("partition_key", "tracking_field"):
        named.append((f"{path}.{key}", item.get(key)))
    return [(where, _unknown(value, what, fields)) for where, value in named
            if isinstance(value, str) and value and value not in fields]


# ---- helpers ------------------------------------------------------------------------------------


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _unknown(name: str, what: str, known: Sequence[str]) -> str:
    hint = suggest(name, sorted(set(known)))
    return f"{name!r} is not {what}" + (f" (did you mean {hint!r}?)" if hint else f" (known: {_few(known)})")


def _few(names: Sequence[str], limit: int = 8) -> str:
    shown = sorted(set(names))
    text = ", ".join(shown[:limit])
    return (text + f", ... ({len(shown) - limit} more)") if len(shown) > limit else text or "none"
