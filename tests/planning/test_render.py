"""Renderings of a plan covering every action: golden text and Markdown, JSON schema, masks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.errors import Position
from reconciler.planning.model import Change, FieldDiff, Plan, Problem, Unmanaged
from reconciler.render.json_plan import FORMAT_VERSION, plan_json, render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_plan

GOLDEN = Path(__file__).parent / "golden"
SECRET = "hunter2-secret-value"
ID_1 = "5e1f0c00-0000-4000-8000-000000000001"
ID_2 = "5e1f0c00-0000-4000-8000-000000000002"
ID_3 = "5e1f0c00-0000-4000-8000-000000000003"
ID_4 = "5e1f0c00-0000-4000-8000-000000000004"


def every_action() -> Plan:
    return Plan(
        changes=(
            Change("BulkSync", "Warehouse to S3", "no-op", sync_id=ID_4, source=Position("syncs/bulk.yaml", 1, 1),
                   fingerprint="sha256:44"),
            Change("ModelSync", "Accounts | `HubSpot`", "create", source=Position("syncs/accounts.yaml", 3, 1),
                   depends_on=("ModelSync/Users to Salesforce",),
                   diffs=(
                       FieldDiff("encryption_passphrase", None, None, sensitive=True, write_only=True),
                       FieldDiff("fields[name]", None, {"source": {"field": "name", "model_id": "m1"}, "target": "name"}),
                       FieldDiff("schedule.frequency", None, "hourly"),
                       FieldDiff("schedule.run_after.sync_ids", None, ["${sync:Users to Salesforce}"]),
                       FieldDiff("target.create", None, None, write_only=True),
                   )),
            Change("ModelSync", "Old sync", "delete", sync_id=ID_2, fingerprint="sha256:22",
                   diffs=(FieldDiff("mode", "create", None), FieldDiff("target.object", "Lead", None))),
            Change("ModelSync", "Users to Salesforce", "update", sync_id=ID_1, source=Position("syncs/users.yaml", 3, 1),
                   fingerprint="sha256:11",
                   diffs=(
                       FieldDiff("active", False, True),
                       FieldDiff("encryption_passphrase", None, None, sensitive=True, write_only=True),
                       FieldDiff("filters[plan]", {"field": {"field": "plan", "model_id": "m1"}, "function": "Equality",
                                                   "label": "C", "value": "free"}, None),
                       FieldDiff("filters[plan].value", SECRET, SECRET, sensitive=True),
                       FieldDiff("schedule.hour", "7", "6"),
                       FieldDiff("target.configuration.token", None, SECRET, sensitive=True),
                   )),
        ),
        unmanaged=(Unmanaged("ModelSync", ID_3, "Made in the UI"),),
        problems=(Problem("2 live ModelSync syncs are named 'Twin' (a, b); pin one with `id`", kind="ModelSync",
                          name="Twin", source=Position("syncs/twin.yaml", 1, 1)),),
    )


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 rewrites it (then review)"


def test_text_golden() -> None:
    _golden("every_action.txt", render_plan(every_action()))


def test_text_colour_golden() -> None:
    _golden("every_action.color.txt", render_plan(every_action(), color=True))


def test_markdown_golden() -> None:
    _golden("every_action.md", render_markdown(every_action()))


def test_no_changes() -> None:
    quiet = Plan(changes=(Change("ModelSync", "A", "no-op", sync_id=ID_1),))
    assert render_plan(quiet) == (
        "No changes. The live syncs match the definitions.\n\n"
        "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged, 0 unmanaged.\n"
    )
    assert "No changes" in render_markdown(quiet)


@pytest.mark.parametrize("render", [render_plan, render_markdown, render_json])
def test_sensitive_values_never_rendered(render) -> None:  # type: ignore[no-untyped-def]
    text = render(every_action())
    assert SECRET not in text
    assert "(sensitive)" in text


def test_json_document() -> None:
    document = json.loads(render_json(every_action()))
    assert document == plan_json(every_action())
    assert document["format_version"] == FORMAT_VERSION == 1
    assert document["summary"] == {"create": 1, "update": 1, "delete": 1, "unchanged": 1, "unmanaged": 1, "errors": 1}
    assert document["summary_line"] == "Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged, 1 unmanaged. 1 error."
    assert [(c["kind"], c["name"], c["action"]) for c in document["changes"]] == [
        ("BulkSync", "Warehouse to S3", "no-op"), ("ModelSync", "Accounts | `HubSpot`", "create"),
        ("ModelSync", "Old sync", "delete"), ("ModelSync", "Users to Salesforce", "update")]
    update = document["changes"][3]
    assert update["source"] == {"file": "syncs/users.yaml", "line": 3, "column": 1}
    assert update["fingerprint"] == "sha256:11"
    secret_diff = next(d for d in update["diffs"] if d["path"] == "filters[plan].value")
    assert secret_diff == {"path": "filters[plan].value", "before": "(sensitive)", "after": "(sensitive)",
                           "sensitive": True, "write_only": False}
    assert document["unmanaged"] == [{"kind": "ModelSync", "name": "Made in the UI", "sync_id": ID_3}]
    assert document["errors"][0]["source"] == {"file": "syncs/twin.yaml", "line": 1, "column": 1}
    assert set(document) == {"format_version", "document", "has_changes", "summary", "summary_line", "changes",
                             "unmanaged", "errors", "not_owned", "hints"}


def test_errors_without_changes_do_not_claim_everything_matches() -> None:
    broken = Plan(problems=(Problem("boom", kind="ModelSync", name="A"),))
    text = render_plan(broken)
    assert "No changes for the syncs that could be planned" in text and "match the definitions" not in text
    assert text.endswith("Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged, 0 unmanaged. 1 error.\n")
    assert "see the errors below" in render_markdown(broken)


def test_markdown_stays_under_the_comment_limit() -> None:
    big = Plan(changes=tuple(
        Change("ModelSync", f"sync {i:04d}", "create", diffs=tuple(FieldDiff(f"fields[f{j}]", None, "x" * 200) for j in range(20)))
        for i in range(200)))
    text = render_markdown(big)
    assert len(text) < 65_536
    assert "more changes not shown here" in text
    assert text.index("Plan: 200 to create") < text.index("### Changes")
