from __future__ import annotations

from pathlib import Path

from reconciler.apply.refs import slot_reference, substitute, unresolved
from tests.apply.helpers import USERS_MODEL, apply_dir, model_sync, write_definitions
from tests.support.inprocess import InProcessEmulator


def test_substitution_only_where_a_reference_stands() -> None:
    body = {
        "name": "after",
        "schedule": {"frequency": "runafter", "run_after": {"sync_ids": ["${sync:First}"],
                                                             "bulk_sync_ids": ["${bulk_sync:Lake}"]}},
        "note": ["x ${bulk_sync:Lake} y"],
        "label": "${sync:First}",  # the literal text of a reference, outside run_after: data
    }
    assert slot_reference("schedule.run_after.sync_ids[0]", "${sync:First}") == "ModelSync/First"
    assert slot_reference("schedule.run_after.bulk_sync_ids[0]", "${bulk_sync:Lake}") == "BulkSync/Lake"
    assert slot_reference("schedule.run_after.sync_ids[0]", "${bulk_sync:Lake}") is None  # wrong kind for the slot
    assert slot_reference("label", "${sync:First}") is None
    out = substitute(body, {"ModelSync/First": "id-1"})
    assert out["schedule"]["run_after"]["sync_ids"] == ["id-1"]
    assert unresolved(out) == ["${bulk_sync:Lake}"]
    out = substitute(out, {"BulkSync/Lake": "id-2"})
    assert out["schedule"]["run_after"]["bulk_sync_ids"] == ["id-2"]
    assert out["note"] == ["x ${bulk_sync:Lake} y"] and out["label"] == "${sync:First}"
    assert unresolved(out) == []
    assert body["schedule"]["run_after"]["sync_ids"] == ["${sync:First}"]  # input untouched


def test_the_literal_text_of_a_sync_reference_is_sent_unchanged(tmp_path: Path) -> None:
    emu = InProcessEmulator()
    try:
        literal = model_sync("Literal", filters=[{"field": {"model_id": USERS_MODEL, "field": "plan"},
                                                  "function": "Equality", "value": "$${sync:Upstream}"}])
        defs = write_definitions(tmp_path / "syncs", [model_sync("Upstream"), literal])
        with emu.client() as client:
            plan, result = apply_dir(client, defs)
        assert result.ok, [o.message for o in result.outcomes]
        ids = {o.name: o.sync_id for o in result.outcomes}
        assert plan.changes and all(not c.depends_on for c in plan.changes)  # text is no dependency
        live = emu.data("GET", f"/api/syncs/{ids['Literal']}")
        assert [f["value"] for f in live["filters"]] == ["${sync:Upstream}"]  # not the id of Upstream
    finally:
        emu.transport.shutdown()
