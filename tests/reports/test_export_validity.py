"""Export yields files that validate and plan empty for everything the API can hold; where validate
is stricter than the API it warns, and an unrelated edit of such a sync applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reports.helpers import create, run, users_to_salesforce
from tests.support.emulator import Emulator


def _both_mapped() -> dict[str, Any]:
    body = users_to_salesforce("Mapped and overridden")
    body["override_fields"] = [{"target": "FirstName", "override_value": "n/a"}]
    return body


def _enrich(emulator: Emulator) -> None:
    body = users_to_salesforce("Enriching")
    body["mode"] = "enrich"  # only a UI-made sync has it: the create request does not list it
    emulator.seed(model_syncs=[body])


def _twins(emulator: Emulator) -> None:
    create(emulator, "ModelSync", users_to_salesforce("Twins"))
    create(emulator, "ModelSync", users_to_salesforce("Twins"))


@pytest.mark.parametrize(("make", "warned"), [
    (lambda emulator: create(emulator, "ModelSync", _both_mapped()), "also mapped by fields[0]"),
    (_enrich, "'enrich' is a value the API returns"),
    (_twins, "allowed because each pins its id"),
], ids=["field-and-override", "mode-enrich", "duplicate-names"])
def test_export_validates_with_a_warning_plans_empty_and_an_unrelated_edit_applies(
        emulator: Emulator, tmp_path: Path, make: Any, warned: str) -> None:
    make(emulator)
    exported = run(emulator, "export", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    validated = run(emulator, "validate", "syncs", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout
    assert warned in validated.stdout and "warning" in validated.stdout.splitlines()[-1]
    planned = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    assert planned.returncode == 0, planned.stdout + planned.stderr

    first = sorted((tmp_path / "syncs").glob("*.yaml"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("active: true", "active: false"), encoding="utf-8")
    applied = run(emulator, "apply", "syncs", "--auto-approve", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    live = emulator.api("GET", "/api/syncs").json()["data"]
    assert sorted(s["active"] for s in live) == sorted([False] + [True] * (len(live) - 1))


def test_a_new_sync_cannot_be_created_with_a_response_only_mode(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "syncs").mkdir()
    body = users_to_salesforce("New enrich")
    lines = ["kind: ModelSync", "name: New enrich", "mode: enrich",
             "schedule: {frequency: manual}", f"target: {{connection_id: {body['target']['connection_id']}, object: Contact}}",
             "identity: {function: Equality, target: Email, source: {model_id: a0000000-0000-4000-8000-000000000001, field: email}}",
             "fields: [{target: FirstName, source: {model_id: a0000000-0000-4000-8000-000000000001, field: first_name}}]"]
    (tmp_path / "syncs" / "new.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    planned = run(emulator, "plan", "syncs", cwd=tmp_path)
    assert planned.returncode == 1
    assert "syncs/new.yaml:3:7:" in planned.stdout + planned.stderr
    assert "cannot be used to create a sync" in planned.stdout + planned.stderr


def test_unpinned_definitions_sharing_a_name_are_still_refused(tmp_path: Path) -> None:
    from reconciler.definitions.load import validate_paths

    doc = ("kind: ModelSync\nname: Same\nmode: create\nschedule: {frequency: manual}\n"
           "target: {connection_id: c0000000-0000-4000-8000-000000000002, object: Contact}\n"
           "fields: [{target: A, source: {model_id: a0000000-0000-4000-8000-000000000001, field: email}}]\n")
    (tmp_path / "a.yaml").write_text(doc + "id: 00000000-0000-4000-8000-00000000000a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(doc, encoding="utf-8")
    result = validate_paths([str(tmp_path)], {})
    assert [p.path for p in result.problems] == ["name", "name"]
    assert result.warnings == ()
