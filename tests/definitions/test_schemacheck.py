"""The fast schema check agrees with jsonschema: whatever it lets through has no jsonschema error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.definitions import schema, schemacheck
from tests.definitions.test_schema_property import SETTINGS, documents, mutated

KINDS = ("ModelSync", "BulkSync")
REFERENCE = "${connection:Warehouse}"


def _agree(doc: dict[str, Any], kind: str, references: bool) -> None:
    quick = schema.fast_check(kind, references)  # type: ignore[arg-type]
    assert quick is not None, "the derived schemas use a keyword the fast check does not know"
    errors = list(schema._validator(kind, references).iter_errors(doc))
    assert quick(doc) == (not errors), [e.message for e in errors]


@SETTINGS
@given(st.sampled_from(KINDS).flatmap(lambda k: st.tuples(st.just(k), mutated(k))), st.booleans())
def test_mutated_documents_judged_alike(case: tuple[str, dict[str, Any]], references: bool) -> None:
    kind, doc = case
    _agree({**doc, "kind": kind}, kind, references)


@SETTINGS
@given(st.sampled_from(KINDS).flatmap(lambda k: st.tuples(st.just(k), documents(k))), st.booleans())
def test_generated_documents_judged_alike(case: tuple[str, dict[str, Any]], references: bool) -> None:
    kind, doc = case
    _agree({**doc, "kind": kind}, kind, references)


@pytest.mark.parametrize("references", [True, False])
def test_reference_in_an_id_field_follows_the_format_checker(references: bool) -> None:
    doc = {"kind": "ModelSync", "name": "n", "mode": "create", "schedule": {"frequency": "manual"},
           "target": {"connection_id": REFERENCE, "object": "o"}, "fields": []}
    _agree(doc, "ModelSync", references)
    assert schema.fast_check("ModelSync", references)(doc) is references  # type: ignore[misc]


@pytest.mark.parametrize("value", [1.0, True, "1", None])
def test_stricter_types_never_let_a_wrong_value_through(value: Any) -> None:
    check = schemacheck.build({"type": "integer", "enum": [1]}, formats=lambda v, f: True, pattern=str)
    assert not check(value)


@pytest.mark.parametrize("keyword", [{"minLength": 1}, {"$ref": "#/x"}, {"patternProperties": {}},
                                     {"oneOf": [{"type": "string"}, {"type": "string", "enum": ["a"]}]},
                                     {"items": [{"type": "string"}]}])
def test_unknown_keywords_leave_validation_to_jsonschema(keyword: dict[str, Any]) -> None:
    with pytest.raises(schemacheck.Unsupported):
        schemacheck.build({"type": "object", "properties": {"a": keyword}}, formats=lambda v, f: True, pattern=str)
