"""Hints where users go wrong: likely renames, references shown by name, write-only values of a create."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.config import Ownership
from reconciler.planning.hints import MAX_ALIKE, MAX_RENAME_READS
from reconciler.planning.ownership import NARROWED
from tests.planning.helpers import bulk, bulk_def, create, model, plan, run_cli, users_sync, write_yaml
from tests.support.emulator import SALESFORCE, USERS_MODEL, Emulator


def test_a_create_matching_an_unmanaged_sync_but_its_name_is_a_likely_rename(emulator: Emulator) -> None:
    old = create(emulator, "ModelSync", users_sync("Users to SF", active=True))
    create(emulator, "ModelSync", users_sync("Other schedule", schedule={"frequency": "hourly"}))
    result = plan(emulator, [model(users_sync("Users to Salesforce", active=True))])
    assert [c.action for c in result.changes] == ["create"]
    renames = [h for h in result.hints if "looks like a rename" in h.message]
    assert len(renames) == 1 and renames[0].name == "Users to Salesforce"
    assert f"'Users to SF' ({old})" in renames[0].message and f"pin `id: {old}`" in renames[0].message


def test_a_live_name_holding_a_reference_is_data_when_checking_for_a_rename(emulator: Emulator) -> None:
    # typed in the UI: read from the live side, it is never resolved as a reference
    old = create(emulator, "ModelSync", users_sync("${connection:Salesforce CRM}", active=True))
    result = plan(emulator, [model(users_sync("Users to Salesforce", active=True))])
    renames = [h for h in result.hints if "looks like a rename" in h.message]
    assert len(renames) == 1 and f"pin `id: {old}`" in renames[0].message


def test_no_rename_hint_when_anything_else_differs(emulator: Emulator) -> None:
    create(emulator, "ModelSync", users_sync("Users to SF", schedule={"frequency": "hourly"}))
    create(emulator, "BulkSync", bulk("Lake copy", mode="snapshot"))
    result = plan(emulator, [model(users_sync("Users to Salesforce")), bulk_def(bulk("Lake"))])
    assert [c.action for c in result.changes] == ["create", "create"]
    assert not [h for h in result.hints if "looks like a rename" in h.message]


def test_a_bulk_sync_rename_is_found_too(emulator: Emulator) -> None:
    old = create(emulator, "BulkSync", bulk("Lake copy"))
    result = plan(emulator, [bulk_def(bulk("Lake"))])
    assert any(f"pin `id: {old}`" in h.message for h in result.hints)


def test_a_rename_out_of_owns_is_not_hinted(emulator: Emulator) -> None:
    create(emulator, "ModelSync", users_sync("Users to SF"))
    result = plan(emulator, [model(users_sync("Team users"))], owns=Ownership(name_prefix="Team "))
    assert [c.action for c in result.changes] == ["create"]
    assert not [h for h in result.hints if "rename" in h.message]
    assert "Users to SF" not in str(plan(emulator, [model(users_sync("Team users"))], owns=NARROWED).hints)


def _at(minute: int) -> dict[str, str]:
    return {"frequency": "daily", "hour": "6", "minute": str(minute)}


def test_rename_checks_read_a_bounded_number_of_syncs(emulator: Emulator) -> None:
    one_field = {"fields": [{"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"}]}
    for minute in range(5):  # per create, three unmanaged syncs whose list items agree (their fields do not)
        for copy in range(MAX_ALIKE):
            create(emulator, "ModelSync", users_sync(f"Look-alike {minute}-{copy}", schedule=_at(minute), **one_field))
    emulator.clear_requests()
    result = plan(emulator, [model(users_sync(f"New {m}", schedule=_at(m))) for m in range(5)])
    # whole creates only: as many creates' look-alikes as fit in the budget
    assert emulator.requests()["counts"].get("GET /api/syncs/{id}", 0) == MAX_RENAME_READS // MAX_ALIKE * MAX_ALIKE
    assert not [h for h in result.hints if "rename" in h.message]


def test_many_look_alikes_are_not_read_and_not_hinted(emulator: Emulator) -> None:
    for copy in range(MAX_ALIKE + 1):
        create(emulator, "ModelSync", users_sync(f"Twin {copy}"))
    emulator.clear_requests()
    result = plan(emulator, [model(users_sync("Users to Salesforce"))])
    assert "GET /api/syncs/{id}" not in emulator.requests()["counts"]
    assert not [h for h in result.hints if "rename" in h.message]


def _referring(name: str) -> dict[str, Any]:
    doc = {"kind": "ModelSync", **users_sync(name)}
    doc["target"] = {"connection_id": "${connection:Salesforce CRM}", "object": "Contact"}
    doc["identity"]["source"]["model_id"] = "${model:Users}"
    doc["encryption_passphrase"] = "${env:PASS}"
    return doc


def test_references_render_by_name_in_text_and_markdown_ids_in_json(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [_referring("Referring")])
    env = {"PASS": "hint-secret-1234"}
    text = run_cli(emulator, "plan", cwd=tmp_path, env=env).stdout
    assert '+ target.connection_id: "Salesforce CRM"' in text and '+ identity.source.model_id: "Users"' in text
    assert SALESFORCE not in text
    markdown = run_cli(emulator, "plan", "--format", "markdown", cwd=tmp_path, env=env).stdout
    assert '+ target.connection_id: "Salesforce CRM"' in markdown and SALESFORCE not in markdown
    doc = json.loads(run_cli(emulator, "plan", "--format", "json", cwd=tmp_path, env=env).stdout)
    diffs = {d["path"]: d for d in doc["changes"][0]["diffs"]}
    assert diffs["target.connection_id"]["after"] == SALESFORCE
    assert diffs["identity.source.model_id"]["after"] == USERS_MODEL
    # a created write-only value had nothing before
    assert diffs["encryption_passphrase"] == {"path": "encryption_passphrase", "before": None, "after": "(sensitive)",
                                              "sensitive": True, "write_only": True}


def test_an_update_shows_the_referenced_name_on_the_side_the_file_sets(emulator: Emulator, tmp_path: Path) -> None:
    doc = _referring("Referring")
    write_yaml(tmp_path / "syncs", [doc])
    live = users_sync("Referring", encryption_passphrase="x-passphrase")
    live["identity"]["source"]["model_id"] = USERS_MODEL
    live["target"] = {"connection_id": SALESFORCE, "object": "Lead"}
    create(emulator, "ModelSync", live)
    text = run_cli(emulator, "plan", cwd=tmp_path, env={"PASS": "x-passphrase"}).stdout
    assert '~ target.object: "Lead" -> "Contact"' in text
    saved = run_cli(emulator, "plan", "--out", "p.json", cwd=tmp_path, env={"PASS": "x-passphrase"})
    assert saved.returncode == 0, saved.stderr
    assert json.loads((tmp_path / "p.json").read_text())["changes"][0]["names"] == {
        SALESFORCE: "Salesforce CRM", USERS_MODEL: "Users"}


def test_the_read_budget_never_cuts_one_create_s_look_alikes_in_two(emulator: Emulator) -> None:
    """Two unmanaged syncs match the last create exactly: no single rename to point at. When the
    read budget ran out between them, the one read was named as the rename."""
    one_field = {"fields": [{"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email"}]}
    creates = MAX_RENAME_READS // MAX_ALIKE  # creates whose look-alikes fill the budget but one read
    for minute in range(creates):
        for copy in range(MAX_ALIKE):
            create(emulator, "ModelSync", users_sync(f"Look-alike {minute}-{copy}", schedule=_at(minute), **one_field))
    twins = [create(emulator, "ModelSync", users_sync(f"Twin {i}", schedule=_at(creates))) for i in range(2)]
    result = plan(emulator, [model(users_sync(f"New {m}", schedule=_at(m))) for m in range(creates + 1)])
    assert not [h for h in result.hints if "rename" in h.message], twins
