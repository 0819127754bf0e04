"""Property: our derived schemas and the emulator's request validation agree.

Documents generated from the schemas are accepted by both; random mutations of them are accepted
by both or rejected by both. A mismatch means our schema and the emulator read the API differently.
"""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.definitions.model import RECONCILER_KEYS
from reconciler.definitions.placeholder_schema import strip
from reconciler.definitions.schema import schema_problems
from reconciler.emulator.validation import BULK_SYNC_REQUEST, SYNC_REQUEST, check
from tests.definitions.helpers import SCHEMAS

OURS = RECONCILER_KEYS  # ours, never sent
EMULATOR = {"ModelSync": SYNC_REQUEST, "BulkSync": BULK_SYNC_REQUEST}
FILES = {"ModelSync": "model-sync.schema.json", "BulkSync": "bulk-sync.schema.json"}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=4))
ANY = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=2),
                                                         st.dictionaries(st.text(max_size=3), inner, max_size=2)),
                   max_leaves=4)
DATETIMES = st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat().replace("+00:00", "Z"))


def api_schema(kind: str) -> dict[str, Any]:
    schema = strip(json.loads((SCHEMAS / FILES[kind]).read_text()))  # as validate checks it
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in OURS}
    schema["required"] = [k for k in schema["required"] if k not in OURS]
    return schema


def from_schema(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid under one node of a derived schema."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "oneOf" in node:
        return st.one_of([from_schema(option) for option in node["oneOf"]])
    types = node.get("type")
    if types is None:
        return ANY
    if isinstance(types, list):
        return st.one_of([from_schema({**node, "type": t}) for t in types])
    if types == "null":
        return st.none()
    if types == "boolean":
        return st.booleans()
    if types == "integer":
        return st.integers(-10**6, 10**6)
    if types == "string":
        if node.get("format") == "uuid":
            return st.uuids().map(str)
        if node.get("format") == "date-time":
            return DATETIMES
        return st.text(max_size=6)
    if types == "array":
        return st.lists(from_schema(node["items"]), max_size=2)
    assert types == "object", node
    if "properties" in node:
        required = set(node.get("required", []))
        props = node["properties"]
        return st.fixed_dictionaries({k: from_schema(v) for k, v in props.items() if k in required},
                                     optional={k: from_schema(v) for k, v in props.items() if k not in required})
    extra = node.get("additionalProperties", {})
    return st.dictionaries(st.text(min_size=1, max_size=4), from_schema(extra) if extra else ANY, max_size=2)


def documents(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return from_schema(api_schema(kind))


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


REPLACEMENTS = st.sampled_from([None, 0, 7, 1.5, True, "", "x", "not-a-uuid", "2024-13-01", [], {}, {"zz": 1},
                                ["x"], "6f9619ff-8b86-4011-b42d-00c04fc964ff", "2024-01-02T03:04:05Z",
                                "daily", "snapshot", "Equality"])


@st.composite
def mutated(draw: Any, kind: str) -> dict[str, Any]:
    doc = draw(documents(kind))
    where = draw(st.sampled_from(paths(doc)))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if not where:
        action = "add"
    parent: Any = doc
    for part in where[:-1] if where else ():
        parent = parent[part]
    target = parent if not where else parent[where[-1]]
    if action == "replace":
        parent[where[-1]] = draw(REPLACEMENTS)
    elif action == "delete" and isinstance(parent, dict):
        del parent[where[-1]]
    elif action == "delete":
        parent.pop(where[-1])
    elif isinstance(target, dict):
        # Top level: only API keys (RECONCILER_KEYS are ours and never sent).
        keys = ["shedule", "name", "zz", "frequency"] + (["id"] if where else [])
        target[draw(st.sampled_from(keys))] = draw(REPLACEMENTS)
    return doc


def ours_accept(doc: dict[str, Any], kind: str) -> bool:
    return not schema_problems({**doc, "kind": kind}, kind, references=False)  # type: ignore[arg-type]


def emulator_accepts(doc: dict[str, Any], kind: str) -> bool:
    return not check(doc, EMULATOR[kind])


@SETTINGS
@given(documents("ModelSync"))
def test_generated_model_syncs_accepted_by_both(doc: dict[str, Any]) -> None:
    assert ours_accept(doc, "ModelSync")
    assert emulator_accepts(doc, "ModelSync"), check(doc, SYNC_REQUEST)


@SETTINGS
@given(documents("BulkSync"))
def test_generated_bulk_syncs_accepted_by_both(doc: dict[str, Any]) -> None:
    assert ours_accept(doc, "BulkSync")
    assert emulator_accepts(doc, "BulkSync"), check(doc, BULK_SYNC_REQUEST)


@SETTINGS
@given(mutated("ModelSync"))
def test_mutated_model_syncs_judged_alike(doc: dict[str, Any]) -> None:
    ours = schema_problems({**doc, "kind": "ModelSync"}, "ModelSync", references=False)
    assert (not ours) == emulator_accepts(doc, "ModelSync"), (ours, check(doc, SYNC_REQUEST))


@SETTINGS
@given(mutated("BulkSync"))
def test_mutated_bulk_syncs_judged_alike(doc: dict[str, Any]) -> None:
    ours = schema_problems({**doc, "kind": "BulkSync"}, "BulkSync", references=False)
    assert (not ours) == emulator_accepts(doc, "BulkSync"), (ours, check(doc, BULK_SYNC_REQUEST))


def test_known_mutations_rejected_by_both() -> None:
    base = {"name": "n", "mode": "create", "schedule": {"frequency": "manual"},
            "target": {"connection_id": "6f9619ff-8b86-4011-b42d-00c04fc964ff", "object": "o"}, "fields": []}
    assert ours_accept(base, "ModelSync") and emulator_accepts(base, "ModelSync")
    for bad in ({**base, "shedule": {}}, {**base, "mode": "upsert"}, {**base, "active": None},
                {**base, "schedule": {"frequency": "daily", "hour": 6}},
                {**base, "target": {"connection_id": "nope", "object": "o"}}, {k: v for k, v in base.items() if k != "name"}):
        assert not ours_accept(bad, "ModelSync"), bad
        assert not emulator_accepts(bad, "ModelSync"), bad
