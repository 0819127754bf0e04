"""The committed schemas are exactly what scripts/derive_schemas.py derives from the OpenAPI file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from types import ModuleType

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from reconciler.definitions.placeholder_schema import strip

from tests.definitions.helpers import OPENAPI, ROOT, SCHEMAS


def _derive_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_schemas", ROOT / "scripts" / "derive_schemas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_schemas_are_not_stale() -> None:
    derive = _derive_module()
    openapi = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert derive.stale_files(openapi, SCHEMAS) == []


@pytest.mark.e2e  # runs scripts/derive_schemas.py as a process
def test_check_mode_fails_on_a_stale_file(tmp_path) -> None:
    for name in ("model-sync.schema.json", "bulk-sync.schema.json", "reconciler.schema.json"):
        (tmp_path / name).write_text((SCHEMAS / name).read_text())
    script = str(ROOT / "scripts" / "derive_schemas.py")
    ok = subprocess.run([sys.executable, script, "--check", "--out", str(tmp_path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (tmp_path / "bulk-sync.schema.json").write_text("{}\n")
    stale = subprocess.run([sys.executable, script, "--check", "--out", str(tmp_path)], capture_output=True, text=True)
    assert stale.returncode == 1
    assert "bulk-sync.schema.json is stale" in stale.stderr


def test_schemas_are_valid_and_closed() -> None:
    model = json.loads((SCHEMAS / "model-sync.schema.json").read_text())
    bulk = json.loads((SCHEMAS / "bulk-sync.schema.json").read_text())
    combined = json.loads((SCHEMAS / "reconciler.schema.json").read_text())
    for schema in (model, bulk, combined):
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        Draft7Validator.check_schema(schema)
        Draft202012Validator.check_schema(schema)

    def objects(node):
        if isinstance(node, dict):
            if "properties" in node:
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    assert all(o.get("additionalProperties") is False for o in objects(model))
    assert all(o.get("additionalProperties") is False for o in objects(bulk))
    assert model["required"] == ["fields", "kind", "mode", "name", "schedule", "target"]
    assert model["properties"]["kind"]["const"] == "ModelSync"
    assert model["properties"]["schedule"]["properties"]["hour"]["type"] == ["string", "null"]
    frequency = model["properties"]["schedule"]["properties"]["frequency"]
    assert strip(frequency)["enum"][:4] == ["manual", "continuous", "hourly", "daily"]
    assert frequency["anyOf"][1]["pattern"] == "^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*\\}$"  # as written in an editor
    connection = model["properties"]["target"]["properties"]["connection_id"]["anyOf"]
    assert [o.get("format") or o["pattern"] for o in connection] == [
        "uuid", "^\\$\\{connection:[^{}]+\\}$", "^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*\\}$"]
    assert model["properties"]["target"]["properties"]["configuration"]["additionalProperties"] == {}
    assert bulk["properties"]["schemas"]["type"] == ["array", "null"]
    assert {"id", "ignore_changes", "kind"} <= set(bulk["properties"])
    assert combined["definitions"]["ModelSync"]["properties"] == model["properties"]


def test_combined_schema_dispatches_on_kind() -> None:
    combined = Draft7Validator(json.loads((SCHEMAS / "reconciler.schema.json").read_text()))
    good = {"kind": "BulkSync", "name": "n", "mode": "snapshot", "source_connection_id": "x",
            "destination_connection_id": "y", "destination_configuration": {}, "default_schedule": {"frequency": "manual"}}
    assert list(combined.iter_errors(good)) == []
    assert [e.message for e in combined.iter_errors({**good, "shedule": 1})] != []
    assert list(combined.iter_errors({"kind": "Other"})) != []
    assert list(combined.iter_errors({**good, "kind": "ModelSync"})) != []
