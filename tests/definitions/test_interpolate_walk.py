"""Interpolation lists the texts the reference rules read, and copies only what it changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reconciler.definitions.interpolate import UnsetAllowed, interpolate
from reconciler.definitions.semantic import _placeholder_strings, document_problems

ENV = {"PASS": "p4ss", "ODD": "has ${model:X} inside", "NAME": "n"}
DOCS = [
    {"name": "n", "target": {"connection_id": "${connection:C}", "object": "o"},
     "fields": [{"source": {"model_id": "${model:M}", "field": "f"}, "target": "T"}, "${sync:S}"]},
    {"name": "${env:NAME}", "encryption_passphrase": "${env:PASS}", "filter_logic": "${env:ODD}",
     "schedule": {"run_after": {"sync_ids": ["${sync:A}", "$${sync:B}", 3, None, True]}}},
    {"$${key}": {"inner": "${model:M}"}, "plain": ["a", 1.5, {"b": "${bad"}], "x": "$${connection:Lit} ${env:PASS}"},
    {"a": "${env:UNSET}", "b": {"c": ["${env:UNSET} and ${model:M}"]}},
]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("unset_allowed", [False, True])
def test_the_texts_listed_are_those_a_walk_of_the_result_finds(doc: dict[str, Any], unset_allowed: bool) -> None:
    before = copy.deepcopy(doc)
    filled = interpolate(doc, UnsetAllowed(ENV) if unset_allowed else ENV)
    assert filled.placeholders == list(_placeholder_strings(filled.value))
    assert doc == before  # the document is never changed in place


def test_two_keys_naming_one_field_leave_the_listing_to_the_walk() -> None:
    # '${a' is refused (a placeholder in a key) and '$${a' names the same field: the later value stays.
    doc = {"name": "n", "${a": {"inner": "${model:M}"}, "$${a": "plain"}
    filled = interpolate(doc, {})
    assert filled.value["${a"] == "plain" and filled.placeholders is None
    assert document_problems(filled.value, "ModelSync", filled.sensitive, filled.literals, filled.placeholders) \
        == document_problems(filled.value, "ModelSync", filled.sensitive, filled.literals)
    assert not any(path == "${a.inner" for path, _ in
                   document_problems(filled.value, "ModelSync", filled.sensitive, filled.literals, filled.placeholders))


def test_only_what_changes_is_copied() -> None:
    doc = {"same": {"deep": ["${model:M}", "text"]}, "changed": {"deep": ["${env:PASS}"]}, "n": 1}
    filled = interpolate(doc, ENV)
    assert filled.value == {"same": {"deep": ["${model:M}", "text"]}, "changed": {"deep": ["p4ss"]}, "n": 1}
    assert filled.value["same"] is doc["same"] and filled.value["changed"] is not doc["changed"]
    assert interpolate(doc["same"], ENV).value is doc["same"]
