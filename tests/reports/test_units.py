"""Unit tests for the report values and renderers, built from hand-made plans and status bodies."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import yaml

from reconciler.definitions.model import Definition
from reconciler.errors import Position
from reconciler.planning.model import Change, FieldDiff, Plan, Problem, Unmanaged
from reconciler.render import markdown as render_markdown_mod
from reconciler.reports import render_drift, render_status
from reconciler.reports.drift import UnhealthySync, build_drift_report, health_targets
from reconciler.reports.executions import parse_status
from reconciler.reports.export import (
    ExportError,
    build_export,
    export_document,
    file_names,
    render_yaml,
    schema_ref,
    slugify,
    write_export,
)
from reconciler.reports.health import assess
from reconciler.reports.matching import match_definitions
from reconciler.reports.status import StatusReport, StatusRow

POS = Position("syncs/users.yaml", 1, 1)

MODEL_STATUS = {
    "current_execution": {},
    "last_execution": {
        "id": "e1",
        "status": "failed",
        "counts": {"insert": 80, "update": 15, "delete": 42, "error": 5, "total": 100},
        "errors": ["target rejected 5 records: INVALID_EMAIL"],
        "started_at": "2024-01-01T00:00:00Z",
        "completed_at": "2024-01-01T00:05:00Z",
    },
    "next_execution_time": "2024-01-02T00:00:00Z",
}
BULK_STATUS = {
    "last_execution": {"id": "b1", "status": "completed", "record_count": 1234, "error_count": 0},
    "next_execution_time": None,
}


def definition(name: str, kind: str = "ModelSync", pinned: str | None = None, **spec: object) -> Definition:
    return Definition(kind=kind, name=name, spec={"name": name, **spec}, position=POS, pinned_id=pinned)  # type: ignore[arg-type]


# ---- executions and health -----------------------------------------------------------------


def test_parse_model_status() -> None:
    snap = parse_status("ModelSync", MODEL_STATUS)
    assert snap.current is None
    assert snap.last is not None and snap.last.failed
    assert snap.last.counts.insert == 80 and snap.last.counts.error == 5
    assert snap.last.errors == ("target rejected 5 records: INVALID_EMAIL",)
    assert snap.next_run == "2024-01-02T00:00:00Z"


def test_parse_bulk_status() -> None:
    snap = parse_status("BulkSync", BULK_STATUS)
    assert snap.last is not None and not snap.last.failed and not snap.last.has_errors
    assert snap.last.counts.total == 1234 and snap.last.counts.insert is None
    failed = parse_status("BulkSync", {"last_execution": {"status": "failed", "status_message": "schema gone"}})
    assert failed.last is not None and failed.last.errors == ("schema gone",)


def test_parse_status_tolerates_junk() -> None:
    assert parse_status("ModelSync", None).last is None
    assert parse_status("ModelSync", {"last_execution": None}).last is None


def test_assess() -> None:
    failed = parse_status("ModelSync", MODEL_STATUS)
    assert [i.code for i in assess(failed, wants_active=None, live_active=True)] == ["last_execution_failed"]
    errors = parse_status("ModelSync", {"last_execution": {"status": "completed", "counts": {"error": 3}}})
    assert [i.code for i in assess(errors, wants_active=True, live_active=False)] == ["last_execution_errors", "inactive"]
    ok = parse_status("ModelSync", {"last_execution": {"status": "completed", "counts": {"error": 0}}})
    assert assess(ok, wants_active=True, live_active=True) == ()
    assert assess(ok, wants_active=None, live_active=False) == ()


# ---- matching ------------------------------------------------------------------------------


def test_match_is_kind_aware_and_never_guesses() -> None:
    defs = [
        definition("Users", pinned="m-9"),
        definition("Users", kind="BulkSync"),
        definition("Twins"),
        definition("New"),
    ]
    live = {
        "ModelSync": [{"id": "m-9", "name": "Renamed"}, {"id": "m-1", "name": "Twins"}, {"id": "m-2", "name": "Twins"}, {"id": "m-3", "name": "Users"}],
        "BulkSync": [{"id": "b-1", "name": "Users"}],
    }
    got = {(m.definition.kind, m.definition.name): m for m in match_definitions(defs, live)}
    assert got[("ModelSync", "Users")].sync_id == "m-9"
    assert got[("BulkSync", "Users")].sync_id == "b-1"
    assert got[("ModelSync", "Twins")].sync_id is None and "m-1, m-2" in (got[("ModelSync", "Twins")].problem or "")
    assert got[("ModelSync", "New")].live is None and got[("ModelSync", "New")].problem is None


# ---- drift report and renderers ------------------------------------------------------------


def drift_fixture():
    plan = Plan(
        changes=(
            Change("ModelSync", "Users to Salesforce", "update", sync_id="s-1", source=POS,
                   diffs=(FieldDiff("schedule.frequency", "hourly", "daily"),
                          FieldDiff("encryption_passphrase", None, "hunter22", sensitive=True, write_only=True),
                          FieldDiff("target.configuration.token", "hunter11", "hunter22", sensitive=True))),
            Change("ModelSync", "Deleted One", "create", source=POS),
            Change("ModelSync", "Healthy", "no-op", sync_id="s-3", source=POS),
        ),
        unmanaged=(Unmanaged("ModelSync", "s-9", "Made in the UI"),),
    )
    snap = parse_status("ModelSync", MODEL_STATUS)
    sick = UnhealthySync("ModelSync", "Healthy", "s-3", assess(snap, wants_active=None, live_active=True), POS, snap.latest)
    return build_drift_report(plan, [sick])


def test_drift_report_summary() -> None:
    report = drift_fixture()
    s = report.summary
    assert (s.create, s.update, s.delete, s.unmanaged, s.unhealthy, s.errors, s.unchanged) == (1, 1, 0, 1, 1, 0, 1)
    assert report.has_drift
    clean = build_drift_report(Plan(changes=(Change("ModelSync", "A", "no-op", sync_id="x"),)))
    assert not clean.has_drift and clean.summary.line().startswith("No drift")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_drift_renderers_name_everything_and_no_secret(fmt: str) -> None:
    report = drift_fixture()
    out = {"text": render_drift.render_text, "json": render_drift.render_json, "markdown": render_drift.render_markdown}[fmt](report)
    for needle in ("schedule.frequency", "Deleted One", "Made in the UI", "INVALID_EMAIL", "Users to Salesforce"):
        assert needle in out.replace("\\", ""), needle
    assert "hunter22" not in out and "hunter11" not in out
    assert "(sensitive)" in out


def test_drift_json_shape() -> None:
    doc = json.loads(render_drift.render_json(drift_fixture()))
    assert doc["format_version"] == 1 and doc["report"] == "drift" and doc["drift"] is True
    assert set(doc) == {"format_version", "report", "drift", "summary", "changes", "unmanaged", "unhealthy", "errors"}
    update = next(c for c in doc["changes"] if c["action"] == "update")
    # the write-only re-send is not drift: only what live really differs in
    assert [f["path"] for f in update["fields"]] == ["schedule.frequency", "target.configuration.token"]
    assert update["source"] == {"file": "syncs/users.yaml", "line": 1, "column": 1}
    assert doc["unhealthy"][0]["last_execution"]["errors"] == ["target rejected 5 records: INVALID_EMAIL"]
    assert doc["unhealthy"][0]["issues"][0]["code"] == "last_execution_failed"


def test_markdown_summary_first_and_marker() -> None:
    md = render_drift.render_markdown(drift_fixture())
    lines = md.splitlines()
    assert lines[0] == render_drift.MARKER
    assert lines[3].startswith("**Drift:")


def test_markdown_escaping() -> None:
    assert render_markdown_mod.escape("a|b*c") == "a\\|b\\*c"
    assert render_markdown_mod.code("x`y") == "``x`y``"


def test_problems_in_report() -> None:
    report = build_drift_report(Plan(problems=(Problem("2 live ModelSyncs are named 'X'", "ModelSync", "X", POS),)))
    assert report.summary.errors == 1
    assert "2 live ModelSyncs" in render_drift.render_text(report)


def test_health_targets_only_live_managed() -> None:
    defs = [definition("Users to Salesforce"), definition("Deleted One"), definition("Healthy")]
    raw = Plan(changes=(Change("ModelSync", "Users to Salesforce", "update", sync_id="s-1"),
                        Change("ModelSync", "Deleted One", "create"),
                        Change("ModelSync", "Healthy", "no-op", sync_id="s-3")))
    assert [t.sync_id for t in health_targets(raw, defs)] == ["s-3", "s-1"]


# ---- status rendering -----------------------------------------------------------------------


def test_status_text_and_json() -> None:
    report = StatusReport(rows=(
        StatusRow("BulkSync", "Warehouse to S3", POS, "b-1", True, parse_status("BulkSync", BULK_STATUS)),
        StatusRow("ModelSync", "Users", POS, "s-1", True, parse_status("ModelSync", MODEL_STATUS)),
        StatusRow("ModelSync", "Not yet", POS),
    ))
    text = render_status.render_text(report)
    assert "INVALID_EMAIL" in text and "+80 ~15 -42 !5" in text and "not created" in text and "2024-01-02 00:00" in text
    doc = json.loads(render_status.render_json(report))
    assert doc["format_version"] == 1 and len(doc["syncs"]) == 3
    assert doc["syncs"][2]["next_execution_time"] is None and "2024-01-02T00:00:00Z" in render_status.render_json(report)
    assert doc["syncs"][1]["last_execution"]["counts"]["insert"] == 80


def test_status_table_fits_120_columns() -> None:
    long_id = "c0000000-0000-4000-8000-000000000001"
    report = StatusReport(rows=tuple(
        StatusRow("ModelSync", f"{'A very long sync name ' * (i + 1)}{i}", POS, long_id, True, parse_status("ModelSync", MODEL_STATUS))
        for i in range(5)) + (StatusRow("BulkSync", "Short", POS, "b-1", True, parse_status("BulkSync", BULK_STATUS)),))
    table = render_status.render_text(report).split("\n\n")[0].splitlines()
    assert max(len(line) for line in table) <= 120
    assert table[0].split() == ["KIND", "NAME", "ID", "STATE", "RUN", "FINISHED", "ROWS", "NEXT", "RUN"]
    assert "…" in table[5] and "c0000000" in table[5] and table[-1].split()[:2] == ["bulk", "Short"]


def _columns(line: str) -> int:
    """Terminal columns of a line: East Asian wide characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_status_table_fits_120_columns_with_wide_names_and_odd_live_values() -> None:
    odd = {**MODEL_STATUS, "last_execution": {**MODEL_STATUS["last_execution"], "status": "s" * 200,
                                              "completed_at": "not a time " * 20}}
    report = StatusReport(rows=(
        StatusRow("ModelSync", "同期" * 60, POS, "s-1", True, parse_status("ModelSync", MODEL_STATUS)),
        StatusRow("ModelSync", "😀" * 70, POS, "s-2", True, parse_status("ModelSync", MODEL_STATUS)),
        StatusRow("ModelSync", "e\u0301" * 150, POS, "s-3", True, parse_status("ModelSync", odd)),
    ))
    table = render_status.render_text(report).split("\n\n")[0].splitlines()
    assert max(map(_columns, table)) <= 120, "\n".join(table)
    assert table[1].startswith("model  同期同期") and "…" in table[1] and "…" in table[3]
    header = table[0]
    assert all(_columns(row[: len(row) - len(row.lstrip())]) == 0 for row in table)  # aligned from column 0
    assert _columns(table[1][: table[1].index("s-1")]) == _columns(header[: header.index("ID")])  # ids line up


# ---- export --------------------------------------------------------------------------------


def test_slugify() -> None:
    assert slugify("Users → Salesforce (prod)") == "users-salesforce-prod"
    assert slugify("Ünïcode Naïve") == "unicode-naive"
    assert slugify("!!!") == "sync"
    assert len(slugify("x" * 200)) == 60


def test_file_names_collisions_are_deterministic() -> None:
    syncs = [("ModelSync", "aaaaaaaa-1", "Users"), ("ModelSync", "bbbbbbbb-2", "users!"), ("BulkSync", "cccccccc-3", "Accounts")]
    names = file_names(syncs)
    assert names[("BulkSync", "cccccccc-3")] == "accounts.yaml"
    assert names[("ModelSync", "aaaaaaaa-1")] == "users-aaaaaaaa.yaml"
    assert names[("ModelSync", "bbbbbbbb-2")] == "users-bbbbbbbb.yaml"
    assert file_names(list(reversed(syncs))) == names
    same_prefix = file_names([("ModelSync", "12345678-aaaa", "X"), ("ModelSync", "12345678-bbbb", "X")])
    assert len(set(same_prefix.values())) == 2


def _project(kind, live):
    return {k: v for k, v in live.items() if k not in ("id", "created_at", "updated_at", "organization_id")}


def test_export_document_masks_secrets_and_orders_keys() -> None:
    live = {
        "id": "s-1", "name": "Users", "mode": "update", "active": True,
        "target": {"connection_id": "c-1", "object": "Contact", "configuration": {"api_token": "tok-CANARY", "batch": 5}},
        "encryption_passphrase": "",
    }
    doc, placeholders = export_document("ModelSync", live, _project, env_prefix="POLYTOMIC_SYNC_USERS")
    assert list(doc)[:3] == ["kind", "id", "name"]
    assert list(doc)[3:] == sorted(list(doc)[3:])
    assert doc["target"]["configuration"]["api_token"] == "${env:POLYTOMIC_SYNC_USERS_API_TOKEN}"
    assert "encryption_passphrase" not in doc
    assert [p.env for p in placeholders] == ["POLYTOMIC_SYNC_USERS_API_TOKEN"]
    revealed, placeholders = export_document("ModelSync", {**live, "encryption_passphrase": "CANARY"}, _project, env_prefix="P_X")
    assert revealed["encryption_passphrase"] == "${env:P_X_PASSPHRASE}"
    assert "CANARY" not in json.dumps(revealed)


def test_render_yaml_and_write(tmp_path: Path) -> None:
    live = [("ModelSync", {"id": "s-1", "name": "Users", "mode": "update", "fields": [{"target": "Email", "source": {"field": "email", "model_id": "m"}}]})]
    exported = build_export(live, project=_project)
    out = tmp_path / "syncs"
    (tmp_path / ".git").mkdir()  # the repository root: the search stops here
    assert schema_ref(out) is None  # no schemas/ in this repository
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "reconciler.schema.json").write_text("{}")
    ref = schema_ref(out)
    assert ref == "../schemas/reconciler.schema.json"
    assert schema_ref(out / "deeper") == "../../schemas/reconciler.schema.json"
    text = render_yaml(exported[0], ref)
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/reconciler.schema.json"
    assert yaml.safe_load(text) == {"kind": "ModelSync", "id": "s-1", "name": "Users", "mode": "update",
                                    "fields": [{"source": {"field": "email", "model_id": "m"}, "target": "Email"}]}
    assert "{" not in text  # block style
    paths = write_export(exported, out, schema=ref)
    assert [p.name for p in paths] == ["users.yaml"] and paths[0].read_text() == text
    with pytest.raises(ExportError, match="--force"):
        write_export(exported, out, schema=ref)
    write_export(exported, out, schema=ref, force=True)


def test_export_placeholders_sharing_a_key_name_get_distinct_variables() -> None:
    # A bulk sync with a source and a destination password: two credentials, two variables.
    live = {
        "id": "b-1", "name": "Replicate", "mode": "replicate",
        "source_configuration": {"password": "src-CANARY"},
        "destination_configuration": {"password": "dst-CANARY", "nested": {"api_token": "tok-CANARY"}},
    }
    doc, placeholders = export_document("BulkSync", live, _project, env_prefix="P_R")
    assert doc["source_configuration"]["password"] == "${env:P_R_SOURCE_CONFIGURATION_PASSWORD}"
    assert doc["destination_configuration"]["password"] == "${env:P_R_DESTINATION_CONFIGURATION_PASSWORD}"
    assert doc["destination_configuration"]["nested"]["api_token"] == "${env:P_R_API_TOKEN}"
    assert [(p.env, p.path) for p in placeholders] == [
        ("P_R_API_TOKEN", "destination_configuration.nested.api_token"),
        ("P_R_DESTINATION_CONFIGURATION_PASSWORD", "destination_configuration.password"),
        ("P_R_SOURCE_CONFIGURATION_PASSWORD", "source_configuration.password"),
    ]
    assert "CANARY" not in json.dumps(doc)


def test_match_follows_the_plan_identity_rules() -> None:
    # status must not quietly show "not created" for a pinned id that is gone, nor give one
    # live sync to two files
    defs = [definition("Gone", pinned="m-404"), definition("Owner", pinned="m-1"), definition("Namesake")]
    live = {"ModelSync": [{"id": "m-1", "name": "Namesake"}]}
    got = {m.definition.name: m for m in match_definitions(defs, live)}
    assert got["Gone"].live is None and "m-404" in (got["Gone"].problem or "")
    assert got["Owner"].sync_id == "m-1" and got["Owner"].problem is None
    assert got["Namesake"].sync_id is None and "pinned by" in (got["Namesake"].problem or "")
