"""Exported files read like hand-written ones: names instead of ids, no server defaults, and a
``$schema`` line that resolves from where the file lands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from reconciler.definitions.schema import COMBINED_FILE, SCHEMA_DIR
from reconciler.reports.export import Catalog, named, without_server_defaults
from tests.reports.helpers import create, run, users_to_salesforce, warehouse_to_s3
from tests.support.emulator import SALESFORCE, USERS_MODEL, Emulator

SCHEMA = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _export(emulator: Emulator, cwd: Path, *args: str) -> dict[str, dict]:
    exported = run(emulator, "export", *args, cwd=cwd)
    assert exported.returncode == 0, exported.stderr
    planned = run(emulator, "plan", args[-1] if args else "syncs", "--detailed-exitcode", cwd=cwd)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    out = cwd / (args[-1] if args else "syncs")
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in out.glob("*.yaml")}


def test_export_names_connections_and_models_and_leaves_out_server_defaults(emulator: Emulator, tmp_path: Path) -> None:
    create(emulator, "ModelSync", users_to_salesforce())
    custom = users_to_salesforce("Custom identity type")
    custom["identity"]["remote_field_type_id"] = "email_address"  # not what the server would compute
    custom["target"]["configuration"] = {"ingestion_api": "soap"}
    create(emulator, "ModelSync", custom)
    create(emulator, "BulkSync", warehouse_to_s3())
    docs = _export(emulator, tmp_path)

    users = docs["users-to-salesforce.yaml"]
    assert users["target"] == {"connection_id": "${connection:Salesforce CRM}", "object": "Contact"}
    assert users["identity"] == {"function": "Equality", "target": "Email",
                                 "source": {"model_id": "${model:Users}", "field": "email"}}
    assert {f["source"]["model_id"] for f in users["fields"]} == {"${model:Users}"}
    kept = docs["custom-identity-type.yaml"]
    assert kept["identity"]["remote_field_type_id"] == "email_address"
    assert kept["target"]["configuration"] == {"ingestion_api": "soap"}
    bulk = docs["warehouse-to-s3.yaml"]
    assert (bulk["source_connection_id"], bulk["destination_connection_id"]) == (
        "${connection:Warehouse}", "${connection:S3 Data Lake}")


def test_ids_stay_where_a_name_is_shared_or_cannot_be_a_reference() -> None:
    catalog = Catalog(connections=[{"id": "c1", "name": "CRM"}, {"id": "c2", "name": "CRM"},
                                   {"id": "c3", "name": "odd {name}"}, {"id": "c4", "name": "Lake"}],
                      models=[{"id": "m1", "name": "Users"}])
    body = {"target": {"connection_id": "c1"}, "source_connection_id": "c3", "destination_connection_id": "c4",
            "fields": [{"source": {"model_id": "m1", "field": "x"}, "target": "c4"}]}
    assert named("ModelSync", body, catalog) == {
        "target": {"connection_id": "c1"}, "source_connection_id": "c3",
        "destination_connection_id": "${connection:Lake}",
        "fields": [{"source": {"model_id": "${model:Users}", "field": "x"}, "target": "c4"}]}


def test_an_identity_type_is_left_out_only_when_the_server_would_compute_it() -> None:
    catalog = Catalog(connections=[{"id": SALESFORCE, "type": {"id": "salesforce"}}],
                      models=[{"id": USERS_MODEL, "fields": [{"name": "email", "type": "string"}]}])
    body = {"identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "remote_field_type_id": "string"},
            "target": {"connection_id": SALESFORCE, "configuration": {"ingestion_api": "bulk", "batch": 5}}}
    assert without_server_defaults("ModelSync", body, catalog) == {
        "identity": {"source": {"model_id": USERS_MODEL, "field": "email"}},
        "target": {"connection_id": SALESFORCE, "configuration": {"batch": 5}}}
    other = {**body, "identity": {**body["identity"], "remote_field_type_id": "text"}}
    assert without_server_defaults("ModelSync", other, catalog)["identity"]["remote_field_type_id"] == "text"


def test_the_schema_line_resolves_from_where_the_file_lands(emulator: Emulator, tmp_path: Path) -> None:
    create(emulator, "ModelSync", users_to_salesforce())
    repo = tmp_path / "repo"
    (repo / "schemas").mkdir(parents=True)
    (repo / "schemas" / COMBINED_FILE).write_text("{}", encoding="utf-8")
    (repo / ".git").mkdir()
    for out in ("syncs", "teams/crm/syncs"):
        _export(emulator, repo, "--out", out)
        (path,) = (repo / out).glob("*.yaml")
        ref = SCHEMA.match(path.read_text(encoding="utf-8").splitlines()[0]).group(1)
        assert (path.parent / ref).resolve() == (repo / "schemas" / COMBINED_FILE).resolve()

    # Outside a repository with schemas/: a copy of the schema validate uses, beside the files.
    alone = tmp_path / "alone"
    alone.mkdir()
    _export(emulator, alone)
    (path,) = (alone / "syncs").glob("*.yaml")
    ref = SCHEMA.match(path.read_text(encoding="utf-8").splitlines()[0]).group(1)
    assert ref == ".reconciler/reconciler.schema.json"
    assert (path.parent / ref).read_bytes() == (SCHEMA_DIR / COMBINED_FILE).read_bytes()
