"""Semantic rules in isolation, and agreement with the emulator on the rules it shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.definitions.load import load_definitions, validate_paths
from reconciler.definitions.schema import kind_schema
from reconciler.definitions.semantic import document_problems, field_path_known, filter_labels, reference_slot
from tests.definitions.helpers import resolve, write
from tests.support.emulator import SALESFORCE, USERS_MODEL

BASE = {"name": "n", "mode": "create", "schedule": {"frequency": "manual"},
        "target": {"connection_id": "${connection:C}", "object": "Contact"},
        "fields": [{"source": {"model_id": "${model:M}", "field": "email"}, "target": "Email"}]}


def test_labels_assigned_like_the_api() -> None:
    filters = [{"label": "B"}, {}, {}, {"label": "A"}, {}]
    assert filter_labels(filters) == ["B", "C", "D", "A", "E"]
    assert filter_labels([{}] * 28)[-3:] == ["Z", "AA", "AB"]


@pytest.mark.parametrize(("path", "known"), [
    ("schedule.hour", True), ("schedule", True), ("fields[0].target", True), ("fields[3].source.field", True),
    ("target.configuration.anything.below", True), ("filters[0].value.deep", True), ("schedule.hours", False),
    ("fields.target", False), ("schedule.hour.x", False), ("fields[x].target", False), ("fields[*].target", False), ("name[0]", False),
    ("kind", False), ("", False),
])
def test_ignore_changes_paths(path: str, known: bool) -> None:
    schema = kind_schema("ModelSync")
    api = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k not in ("kind", "id", "ignore_changes")}}
    assert field_path_known(api, path) is known


@pytest.mark.parametrize(("path", "slot"), [
    ("target.connection_id", "connection"), ("schedule.connection_id", "connection"),
    ("source_connection_id", "connection"), ("destination_connection_id", "connection"),
    ("fields[0].source.model_id", "model"), ("identity.source.model_id", "model"),
    ("filters[2].field.model_id", "model"), ("schedule.run_after.sync_ids[1]", "sync"),
    ("schedule.run_after.bulk_sync_ids[0]", "bulk_sync"), ("target.object", None), ("policies[0]", None),
    ("organization_id", None),
])
def test_reference_slots(path: str, slot: str | None) -> None:
    assert reference_slot(path) == slot


def test_valid_base_has_no_problems() -> None:
    assert document_problems(dict(BASE), "ModelSync") == []


def test_every_missing_schedule_field_named() -> None:
    doc = {**BASE, "schedule": {"frequency": "weekly"}}
    assert document_problems(doc, "ModelSync") == [
        ("schedule.frequency", "'weekly' needs schedule.hour"),
        ("schedule.frequency", "'weekly' needs schedule.minute"),
        ("schedule.frequency", "'weekly' needs schedule.day_of_week"),
    ]


def test_non_finite_number_rejected(tmp_path: Path) -> None:
    text = ("kind: ModelSync\nname: n\nmode: create\nschedule: {frequency: manual}\n"
            "target: {connection_id: '${connection:C}', object: o}\nfields: []\n"
            "filters:\n  - {field_id: x, function: GreaterThan, value: .inf}\n")
    [problem] = validate_paths([str(write(tmp_path, "f.yaml", text))], {}).problems
    assert (problem.position.line, problem.path) == (8, "filters[0].value")
    assert "is not a finite number" in problem.message


FILTERED = """kind: ModelSync
name: Filtered
mode: create
schedule: {frequency: manual}
target: {connection_id: "${connection:Salesforce CRM}", object: Contact}
fields:
  - source: {model_id: "${model:Users}", field: email}
    target: Email
filters:
  - {field: {model_id: "${model:Users}", field: plan}, function: IsNotNull, label: B}
  - {field: {model_id: "${model:Users}", field: email}, function: IsNotNull}
  - {field: {model_id: "${model:Users}", field: is_active}, function: "True"}
filter_logic: %s
"""


@pytest.mark.parametrize(("logic", "valid"), [("A AND B AND C", True), ("(A or B) and not C", True),
                                              ("A AND D", False), ("B AND E", False)])
def test_filter_logic_agrees_with_the_emulator(emulator, tmp_path: Path, logic: str, valid: bool) -> None:
    path = write(tmp_path, "f.yaml", FILTERED % logic)
    result = validate_paths([str(path)], {})
    assert result.ok is valid, [p.render() for p in result.problems]
    [d] = result.definitions
    body = resolve(dict(d.spec), {("connection", "Salesforce CRM"): SALESFORCE, ("model", "Users"): USERS_MODEL})
    reply = emulator.api("POST", "/api/syncs", json=body)
    assert reply.status_code == (200 if valid else 422), reply.text


@pytest.mark.parametrize(("schedule", "valid"), [
    ({"frequency": "daily", "hour": "23", "minute": "59"}, True),
    ({"frequency": "daily", "hour": "24", "minute": "0"}, False),
    ({"frequency": "daily", "minute": "0"}, False),
    ({"frequency": "weekly", "hour": "1", "minute": "0", "day_of_week": "Sunday"}, True),
    ({"frequency": "weekly", "hour": "1", "minute": "0", "day_of_week": "sun"}, False),
    ({"frequency": "hourly", "minute": "60"}, False),
    ({"frequency": "custom", "hour": "99"}, True),
    ({"frequency": "runafter", "run_after": {"sync_ids": []}}, False),
])
def test_schedule_rules_agree_with_the_emulator(emulator, schedule: dict, valid: bool) -> None:
    doc = {**BASE, "schedule": schedule}
    assert (not document_problems(doc, "ModelSync")) is valid
    body = resolve(doc, {("connection", "C"): SALESFORCE, ("model", "M"): USERS_MODEL})
    reply = emulator.api("POST", "/api/syncs", json=body)
    assert reply.status_code == (200 if valid else 422), reply.text


def test_load_definitions_is_stable(tmp_path: Path) -> None:
    write(tmp_path, "f.yaml", FILTERED % "A")
    first = load_definitions([str(tmp_path)], {})
    second = load_definitions([str(tmp_path)], {})
    assert first == second
