"""The kind registry against the OpenAPI description and the emulator: every kind the API can
create has one entry, and every fact an entry states is one the description (or the server) holds."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reconciler import kinds
from reconciler.planning import paths
from tests.emulator.helpers import sync_body
from tests.support.inprocess import InProcessEmulator

ROOT = Path(__file__).resolve().parents[2]
REQUEST = re.compile(r"^Create\w*SyncRequest$")  # the create requests of syncs (not their schemas' items)


@cache
def openapi() -> dict[str, Any]:
    return json.loads((ROOT / "reference" / "polytomic-openapi.json").read_text(encoding="utf-8"))


def component(ref_or_name: str) -> dict[str, Any]:
    return openapi()["components"]["schemas"][ref_or_name.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]


def resolved(node: dict[str, Any]) -> dict[str, Any]:
    return component(node["$ref"]) if "$ref" in node else node


def create_requests() -> dict[str, str]:
    """OpenAPI path -> name of the create-request schema its POST takes, for every sync create."""
    out = {}
    for path, item in openapi()["paths"].items():
        body = item.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        name = str(body.get("schema", {}).get("$ref", "")).rsplit("/", 1)[-1]
        if REQUEST.match(name):
            out[path] = name
    return out


def methods(template: str) -> set[str]:
    """The methods of the description's paths our ``{id}`` template names (whatever their parameter's name)."""
    pattern = re.compile("^" + re.escape(template).replace(r"\{id\}", r"\{[a-z_]+\}") + "$")
    return {m for path, item in openapi()["paths"].items() if pattern.match(path) for m in item}


def test_every_sync_the_api_creates_has_exactly_one_entry() -> None:
    wanted = create_requests()
    assert sorted(wanted.values()) == ["CreateBulkSyncRequest", "CreateSyncRequest"]
    have = {k.routes.collection: k.request_schema for k in kinds.all()}
    assert have == wanted
    assert len({k.name for k in kinds.all()}) == len(kinds.all()) == len(set(kinds.names()))


@pytest.mark.parametrize("kind", kinds.names())
def test_routes_exist_with_their_methods(kind: str) -> None:
    routes = kinds.get(kind).routes
    expected = {routes.collection: {"get", "post"}, routes.item: {"get", "put", "delete"},
                routes.activate: {"post"}, routes.status: {"get"}, routes.executions: {"post"}}
    if routes.schemas is not None:
        expected[routes.schemas] = {"get"}
    for template, wanted in expected.items():
        assert wanted <= methods(template), template
    assert routes.of(routes.item, "abc") == routes.item.replace("{id}", "abc")


@pytest.mark.parametrize("kind", kinds.names())
def test_request_keys_and_defaults_are_the_create_request_s(kind: str) -> None:
    spec = kinds.get(kind)
    request = component(spec.request_schema)
    assert set(spec.request_keys) == set(request["properties"])
    assert set(spec.defaults) <= set(spec.request_keys)
    assert set(spec.always_sensitive) <= set(spec.write_only_paths)
    assert set(spec.create_only_paths) <= set(spec.write_only_paths)
    for name in (*spec.list_rules, *spec.merged_lists, *(m.into for m in spec.merged_lists.values())):
        assert "array" in resolved(request["properties"][name]).get("type", ()), name
    assert "properties" in component(spec.response_schema)
    schema = json.loads((ROOT / "schemas" / spec.schema_file).read_text(encoding="utf-8"))
    assert set(spec.request_keys) <= set(schema["properties"])


def _request_node(schema: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = schema
    for part in paths.split(path):
        props = resolved(node or {}).get("properties", {})
        node = props.get(str(part))
        if node is None:
            return None
    return node


@pytest.mark.parametrize("kind", kinds.names())
def test_write_only_paths_are_request_fields_and_response_only_values_are_not(kind: str) -> None:
    spec = kinds.get(kind)
    request = component(spec.request_schema)
    for path in spec.write_only_paths:
        assert _request_node(request, path) is not None, path
    for key, values in spec.response_only.items():
        assert set(values).isdisjoint(resolved(request["properties"][key]).get("enum", [])), key


def test_the_emulator_never_returns_what_the_registry_calls_write_only() -> None:
    """The emulator keeps its own copy of the wire rules: the two agree on write-only paths."""
    emulator = InProcessEmulator()
    try:
        body = sync_body(encryption_passphrase="canary-passphrase", target={**sync_body()["target"], "create": {}})
        body["target"].pop("object")
        body["target"]["create"] = {"name": "New object"}
        spec = kinds.get("ModelSync")
        assert all(paths.has(body, p) for p in spec.write_only_paths)
        created = emulator.data("POST", spec.routes.collection, json=body)
        live = emulator.data("GET", spec.routes.of(spec.routes.item, created["id"]))
        assert [p for p in spec.write_only_paths if paths.has(live, p) and paths.get(live, p)] == []
        assert "canary-passphrase" not in json.dumps(live)
    finally:
        emulator.close()


def test_lookups() -> None:
    assert [k.name for k in kinds.all()] == list(kinds.names()) == ["ModelSync", "BulkSync"]
    assert kinds.get("BulkSync") is kinds.all()[1]
    assert kinds.by_scheme("sync").name == "ModelSync" and kinds.by_scheme("bulk_sync").name == "BulkSync"
    with pytest.raises(ValueError, match="unknown kind 'Nope'"):
        kinds.get("Nope")
    with pytest.raises(ValueError, match="scheme 'model'"):
        kinds.by_scheme("model")
    assert kinds.write_only_keys() == frozenset({"encryption_passphrase"})
    assert kinds.write_only_paths() == frozenset({"encryption_passphrase", "target.create"})
    assert kinds.get("ModelSync").rotated_paths == ("encryption_passphrase",)
    assert kinds.get("ModelSync").live_list("override_fields") == "fields"
    assert kinds.get("ModelSync").live_list("filters") == "filters"
