"""`reconciler export` end to end: files, determinism, secrets, and an empty plan right after."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from tests.reports.helpers import (
    accounts_to_hubspot,
    create,
    generated_model_sync,
    run,
    users_to_salesforce,
    warehouse_to_s3,
)
from tests.support.cli import BOTH_WAYS
from tests.support.emulator import Emulator


#: No repository ``schemas/`` above a temporary folder: the schema is copied beside the files.
SCHEMA_LINE = "# yaml-language-server: $schema=.reconciler/reconciler.schema.json"


def export_then_plan(emulator: Emulator, cwd: Path, *export_args: str, env: dict[str, str] | None = None) -> list[Path]:
    exported = run(emulator, "export", *export_args, cwd=cwd, env=env)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    files = sorted((cwd / "syncs").glob("*.yaml"))
    planned = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=cwd, env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    return files


@BOTH_WAYS
def test_export_demo_organisation_then_plan_is_empty(emulator: Emulator, tmp_path: Path) -> None:
    ids = {
        create(emulator, "ModelSync", users_to_salesforce()),
        create(emulator, "ModelSync", accounts_to_hubspot()),
        create(emulator, "BulkSync", warehouse_to_s3()),
    }
    files = export_then_plan(emulator, tmp_path)
    assert [f.name for f in files] == ["accounts-to-hubspot.yaml", "users-to-salesforce.yaml", "warehouse-to-s3.yaml"]
    docs = {}
    for f in files:
        text = f.read_text()
        assert text.splitlines()[0] == SCHEMA_LINE
        doc = yaml.safe_load(text)
        assert list(doc)[:3] == ["kind", "id", "name"]
        docs[doc["name"]] = doc
    assert {d["id"] for d in docs.values()} == ids
    assert docs["Warehouse to S3"]["kind"] == "BulkSync"
    users = docs["Users to Salesforce"]
    assert users["target"]["connection_id"] == "${connection:Salesforce CRM}"
    assert (tmp_path / "syncs" / ".reconciler" / "reconciler.schema.json").is_file()
    assert "created_at" not in users and "updated_at" not in users and "organization_id" not in users

    # Deterministic: a second export with --force writes the same bytes.
    before = {f.name: f.read_bytes() for f in files}
    again = run(emulator, "export", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert {f.name: f.read_bytes() for f in sorted((tmp_path / "syncs").glob("*.yaml"))} == before


def test_export_200_generated_syncs_then_plan_is_empty(emulator: Emulator, tmp_path: Path) -> None:
    rng = random.Random(20250918)
    bodies = [generated_model_sync(i, rng) for i in range(200)]
    emulator.seed(model_syncs=bodies)
    files = export_then_plan(emulator, tmp_path)
    assert len(files) == 200


def test_export_never_writes_a_secret(emulator: Emulator, tmp_path: Path) -> None:
    passphrase = "canary-passphrase-5e1f0c"
    token = "canary-token-90ab3d"
    env_canary = "canary-env-value-77c2aa"
    body = users_to_salesforce("Encrypted users")
    body["encryption_passphrase"] = passphrase
    body["target"]["configuration"] = {"api_token": token}
    create(emulator, "ModelSync", body)
    env = {"CANARY_ENV": env_canary, "POLYTOMIC_SYNC_ENCRYPTED_USERS_PASSPHRASE": env_canary}

    result = run(emulator, "export", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    written = "".join(p.read_text() for p in (tmp_path / "syncs").rglob("*") if p.is_file())
    for canary in (passphrase, token, env_canary, emulator.api_key):
        assert canary not in written
        assert canary not in result.stdout + result.stderr
    doc = yaml.safe_load((tmp_path / "syncs" / "encrypted-users.yaml").read_text())
    assert "encryption_passphrase" not in doc
    assert doc["target"]["configuration"]["api_token"] == "${env:POLYTOMIC_SYNC_ENCRYPTED_USERS_API_TOKEN}"
    assert "POLYTOMIC_SYNC_ENCRYPTED_USERS_API_TOKEN" in result.stderr
    assert "encryption_passphrase" in result.stderr  # the user is told

    # With the placeholder's variable set, the plan right after is empty.
    planned = run(emulator, "plan", "syncs", "--detailed-exitcode", cwd=tmp_path,
                  env={**env, "POLYTOMIC_SYNC_ENCRYPTED_USERS_API_TOKEN": token})
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert token not in planned.stdout + planned.stderr


def test_export_refuses_to_overwrite_and_filters(emulator: Emulator, tmp_path: Path) -> None:
    create(emulator, "ModelSync", users_to_salesforce())
    create(emulator, "BulkSync", warehouse_to_s3())
    (tmp_path / "syncs").mkdir()
    (tmp_path / "syncs" / "users-to-salesforce.yaml").write_text("# mine\n")
    refused = run(emulator, "export", cwd=tmp_path)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert (tmp_path / "syncs" / "users-to-salesforce.yaml").read_text() == "# mine\n"
    assert not (tmp_path / "syncs" / "warehouse-to-s3.yaml").exists()  # all or nothing

    only_bulk = run(emulator, "export", "--out", "bulk", "--kind", "BulkSync", cwd=tmp_path)
    assert only_bulk.returncode == 0, only_bulk.stderr
    assert [p.name for p in (tmp_path / "bulk").glob("*.yaml")] == ["warehouse-to-s3.yaml"]

    prefixed = run(emulator, "export", "--out", "nested/dir", "--name-prefix", "Users", cwd=tmp_path)
    assert prefixed.returncode == 0, prefixed.stderr
    exported = tmp_path / "nested" / "dir" / "users-to-salesforce.yaml"
    assert [p.name for p in exported.parent.glob("*.yaml")] == [exported.name]
    assert exported.read_text().splitlines()[0] == SCHEMA_LINE


def test_export_name_collisions_are_suffixed(emulator: Emulator, tmp_path: Path) -> None:
    first = create(emulator, "ModelSync", users_to_salesforce("Users → Salesforce"))
    second = create(emulator, "ModelSync", users_to_salesforce("users / salesforce"))
    files = export_then_plan(emulator, tmp_path)
    assert sorted(f.name for f in files) == sorted(f"users-salesforce-{i.replace('-', '')[:8]}.yaml" for i in (first,
                                                                                                               second))
