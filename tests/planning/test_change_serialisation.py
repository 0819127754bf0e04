"""One serialisation of a change: the JSON plan, the drift JSON and the saved plan write it alike."""

from __future__ import annotations

import io
import json
from pathlib import Path

from reconciler.planning.model import Change, FieldDiff, Plan
from reconciler.planning.saved import load_plan, plan_document, save_plan
from reconciler.render.drift import drift_json
from reconciler.render.json_plan import plan_json
from reconciler.render.text import render_plan
from reconciler.reports.drift import DriftReport
from tests.planning.test_render import every_action

HEAD = ["action", "kind", "name", "sync_id", "source"]


def test_the_three_formats_share_keys_order_and_masking() -> None:
    plan = every_action()
    planned = plan_json(plan)["changes"]
    saved = plan_document(plan)["changes"]
    drifted = drift_json(DriftReport(changes=tuple(c for c in plan.changes if c.action != "no-op")))["changes"]
    for in_plan, in_saved in zip(planned, saved, strict=True):
        assert list(in_saved)[:len(in_plan)] == list(in_plan)  # the plan's keys, in its order, first
        assert {k: in_saved[k] for k in in_plan} == in_plan  # and the same values, masks included
    pending = [c for c in planned if c["action"] != "no-op"]
    for in_plan, in_drift in zip(pending, drifted, strict=True):
        assert list(in_drift) == HEAD + ["fields"] and list(in_plan)[:len(HEAD)] == HEAD
        assert {k: in_drift[k] for k in HEAD} == {k: in_plan[k] for k in HEAD}
        if in_plan["action"] != "create":  # a create's JSON plan has nothing before; drift shows it as is
            assert in_drift["fields"] == sorted(in_plan["diffs"], key=lambda d: d["path"])


def test_a_saved_plan_masks_like_the_json_plan_and_show_renders_it_as_plan_did(tmp_path: Path) -> None:
    change = Change("ModelSync", "Rotated", "update", sync_id="s1", fingerprint="sha256:1", body={"name": "Rotated"},
                    diffs=(FieldDiff("active", False, True),
                           FieldDiff("encryption_passphrase", None, None, sensitive=True, write_only=True),
                           FieldDiff("target.create", None, None, write_only=True)))
    plan = Plan(changes=(change,))
    out = io.StringIO()
    save_plan(plan, out)
    saved_diffs = json.loads(out.getvalue())["changes"][0]["diffs"]
    assert saved_diffs == plan_json(plan)["changes"][0]["diffs"]
    assert [d["after"] for d in saved_diffs] == [True, "(sensitive)", "(write-only)"]
    path = tmp_path / "plan.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert render_plan(load_plan(path, {}, derive_secrets=False)) == render_plan(plan)
