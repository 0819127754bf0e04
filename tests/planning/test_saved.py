"""Saved plans: versioned, fingerprints kept, no secret value in the file, re-derived at load."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from reconciler.definitions.load import load_definitions
from reconciler.errors import PlanError
from reconciler.planning.saved import FORMAT_VERSION, load_plan, save_plan
from tests.planning.helpers import create, plan, users_sync, write_yaml
from tests.support.emulator import USERS_MODEL, Emulator

ENV_SECRET = "env-secret-value-8f3a"
LITERAL = "literal-passphrase-77d1"


def _docs() -> list[dict]:
    filtered = {"kind": "ModelSync", **users_sync("Filtered", active=True)}
    filtered["filters"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                            "value": "${env:PLAN_SECRET}"}]
    filtered["target"]["configuration"] = {"api_token": "Bearer ${env:PLAN_SECRET}"}
    literal = {"kind": "ModelSync", **users_sync("Literal"), "encryption_passphrase": LITERAL}
    plain = {"kind": "ModelSync", **users_sync("Plain")}
    return [filtered, literal, plain]


def _plan(emulator: Emulator, directory: Path) -> tuple:
    environ = {"PLAN_SECRET": ENV_SECRET}
    definitions = load_definitions([str(directory)], environ=environ)
    return plan(emulator, definitions), environ


def test_round_trip_keeps_everything_and_writes_no_secret(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    create(emulator, "ModelSync", users_sync("Plain", active=True))
    defs = write_yaml(Path("syncs"), _docs())
    original, environ = _plan(emulator, defs)
    assert original.summary.line() == "Plan: 2 to create, 1 to update, 0 to delete, 0 unchanged, 0 unmanaged."
    saved = tmp_path / "out" / "plan.json"
    save_plan(original, saved)
    text = saved.read_text()
    assert ENV_SECRET not in text and LITERAL not in text
    document = json.loads(text)
    assert document["format_version"] == FORMAT_VERSION
    filtered = next(c for c in document["changes"] if c["name"] == "Filtered")
    assert {s["path"]: s.get("template") for s in filtered["secrets"]} == {
        "filters[0].value": "${env:PLAN_SECRET}", "target.configuration.api_token": "Bearer ${env:PLAN_SECRET}"}
    literal = next(c for c in document["changes"] if c["name"] == "Literal")
    assert literal["secrets"] == [{"path": "encryption_passphrase", "file": str(Path("syncs") / "001.yaml")}]

    loaded = load_plan(saved, environ)
    assert loaded == original  # actions, ids, sources, diffs, fingerprints, unmanaged, problems
    for before, after in zip(original.changes, loaded.changes):
        assert after.body == before.body  # secrets re-derived, references kept
        assert after.fingerprint == before.fingerprint
    update = next(c for c in loaded.changes if c.action == "update")
    assert update.fingerprint and update.fingerprint.startswith("sha256:")

    buffer = io.StringIO()
    save_plan(loaded, buffer)
    assert buffer.getvalue() == text  # saving is deterministic


def test_missing_environment_variable_at_load_is_a_clear_error(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    original, _ = _plan(emulator, write_yaml(Path("syncs"), _docs()))
    save_plan(original, "plan.json")
    with pytest.raises(PlanError, match="PLAN_SECRET"):
        load_plan("plan.json", {})


def test_literal_passphrase_file_gone_is_a_clear_error(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    original, environ = _plan(emulator, write_yaml(Path("syncs"), _docs()))
    save_plan(original, "plan.json")
    os.remove(Path("syncs") / "001.yaml")
    with pytest.raises(PlanError, match="encryption_passphrase"):
        load_plan("plan.json", environ)


@pytest.mark.parametrize("content, message", [
    ("not json", "not JSON"),
    ('{"format_version": 1}', "not a plan saved"),
    ('{"format_version": 99, "document": "reconciler-saved-plan"}', "version 99"),
])
def test_bad_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(PlanError, match=message):
        load_plan(path, {})
    with pytest.raises(PlanError, match="does not exist"):
        load_plan(tmp_path / "missing.json", {})


def test_a_sensitive_value_outside_the_known_paths_is_never_saved(tmp_path: Path) -> None:
    from reconciler.planning.model import Change, Plan, SecretSource

    secret = "name-from-env-5d0e9b"
    leaky = Plan(changes=(Change("ModelSync", f"sync {secret}", "create", body={"name": f"sync {secret}"},
                                 secrets=(SecretSource("name", template="sync ${env:NAME}"),)),))
    with pytest.raises(PlanError, match=r"known to be sensitive.*at changes\[0\].name;"):
        save_plan(leaky, tmp_path / "plan.json")
    assert not (tmp_path / "plan.json").exists()
