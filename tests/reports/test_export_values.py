"""Live values are data, never templates: ``$${`` in files, escaped on export, unchanged through apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.definitions.interpolate import escape_all, interpolate
from reconciler.definitions.yamlsafe import load_documents
from reconciler.reports.export import ExportedSync, render_yaml
from tests.reports.helpers import create, run, users_to_salesforce
from tests.support.emulator import USERS_MODEL, Emulator

#: Strings a UI user can type that a naive round trip alters, interpolates or refuses.
TRICKY = {
    "ci_variable": "${env:POLYTOMIC_API_KEY}",
    "region": "${region}",
    "reference": "${model:Users}",
    "escaped": "$${env:HOME} and $$${x}",
    "nel": "line\x85break",
    "separators": "a\u2028b\u2029c",
    "invisible": "zero\u200bwidth\u202eRTL\ufeffbom",
    "yaml_words": "null",
    "dollar_end": "cost: 5$",
}


def _tricky_sync() -> dict[str, Any]:
    body = users_to_salesforce("Tricky ${region} values")
    body["override_fields"] = [{"target": "LeadSource", "override_value": TRICKY["ci_variable"]}]
    body["filters"].append({"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                            "value": TRICKY["region"]})
    body["target"]["configuration"] = {key: value for key, value in TRICKY.items()}
    return body


def _live_values(live: dict[str, Any]) -> dict[str, Any]:
    overrides = [f["override_value"] for f in live["fields"] if f.get("override_value")]
    values = sorted(str(f.get("value")) for f in live["filters"])
    return {"name": live["name"], "configuration": live["target"]["configuration"], "overrides": overrides,
            "filter_values": values}


def test_ui_values_survive_export_plan_apply_and_never_receive_the_api_key(emulator: Emulator, tmp_path: Path) -> None:
    sync_id = create(emulator, "ModelSync", _tricky_sync())
    before = _live_values(emulator.api("GET", f"/api/syncs/{sync_id}").json()["data"])

    exported = run(emulator, "export", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (path,) = (tmp_path / "syncs").glob("*.yaml")
    validated = run(emulator, "validate", "syncs", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    planned = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    assert planned.returncode == 0, planned.stdout + planned.stderr

    # An unrelated edit in git, applied with the CI's key in the environment.
    text = path.read_text(encoding="utf-8")
    assert "active: true" in text
    assert "\\u200B" in text and "\u200b" not in text  # invisible characters are shown escaped
    path.write_text(text.replace("active: true", "active: false"), encoding="utf-8")
    applied = run(emulator, "apply", "syncs", "--auto-approve", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr

    live = emulator.api("GET", f"/api/syncs/{sync_id}").json()["data"]
    assert live["active"] is False
    assert _live_values(live) == before
    assert emulator.api_key not in json.dumps(live, ensure_ascii=False)
    again = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_file_can_write_a_literal_placeholder_with_a_double_dollar() -> None:
    doc = {"name": "n", "a": "$${env:SECRET}", "b": "x $${connection:CRM} ${env:SECRET}", "c": "$$${y}",
           "d": {"$${key}": 1}}
    filled = interpolate(doc, {"SECRET": "s3cr3t"})
    assert filled.problems == []
    assert filled.value == {"name": "n", "a": "${env:SECRET}", "b": "x ${connection:CRM} s3cr3t", "c": "$${y}",
                            "d": {"${key}": 1}}
    assert filled.literals == {"a", "b", "c"}
    assert filled.sensitive == {"b"}  # only the one that really substituted a variable


def test_an_unescaped_placeholder_in_a_key_is_still_refused() -> None:
    filled = interpolate({"m": {"${env:X}": 1}}, {"X": "v"})
    assert [path for path, _ in filled.problems] == ["m.${env:X}"]
    assert "$${" in filled.problems[0][1]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
def test_any_live_string_reads_back_unchanged_from_an_exported_file(text: str) -> None:
    document = {"kind": "ModelSync", "id": "x", "name": escape_all(text) or "n",
                "target": {"configuration": escape_all({"value": text, text or "k": [text]})}}
    rendered = render_yaml(ExportedSync("ModelSync", "x", "n", "x.yaml", document), "s.json")
    ((doc, problems),) = list(load_documents(rendered, "x.yaml"))
    assert problems == [] and doc is not None
    filled = interpolate(doc.value, {})
    assert filled.problems == []
    assert filled.value["target"]["configuration"] == {"value": text, text or "k": [text]}
    assert filled.value["name"] == (text or "n")


def test_a_literal_reference_in_an_id_field_is_refused_by_validate(tmp_path: Path) -> None:
    from reconciler.definitions.load import validate_paths

    doc = {"kind": "ModelSync", "name": "Literal", "mode": "create", "schedule": {"frequency": "manual"},
           "target": {"connection_id": "$${connection:Salesforce CRM}", "object": "Contact"},
           "fields": [{"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"}]}
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = validate_paths([str(tmp_path)], {})
    assert [(p.path, "literal" in p.message) for p in result.problems] == [("target.connection_id", True)]


def test_a_saved_plan_re_derives_an_escaped_value_with_a_secret_the_same_way(emulator: Emulator, tmp_path: Path) -> None:
    doc = {"kind": "ModelSync", **users_to_salesforce("Saved literal")}
    doc["override_fields"] = [{"target": "LeadSource", "override_value": "$${lit} ${env:TOKEN_FOR_TEST}"}]
    (tmp_path / "syncs").mkdir()
    (tmp_path / "syncs" / "s.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    env = {"TOKEN_FOR_TEST": "tok-3c1d"}
    saved = run(emulator, "plan", "syncs", "--out", "plan.json", cwd=tmp_path, env=env)
    assert saved.returncode == 0, saved.stdout + saved.stderr
    applied = run(emulator, "apply", "--plan", "plan.json", "--auto-approve", cwd=tmp_path, env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    (live,) = emulator.api("GET", "/api/syncs").json()["data"]
    full = emulator.api("GET", f"/api/syncs/{live['id']}").json()["data"]
    assert [f["override_value"] for f in full["fields"] if f.get("override_value")] == ["${lit} tok-3c1d"]


def test_a_literal_and_a_reference_in_one_value_is_refused() -> None:
    filled = interpolate({"v": "$${x} ${model:Users}"}, {})
    assert [path for path, _ in filled.problems] == ["v"] and filled.literals == set()
