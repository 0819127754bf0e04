from __future__ import annotations

from reconciler.apply.refs import references, substitute, unresolved


def test_references_and_substitution() -> None:
    body = {
        "name": "after",
        "schedule": {"frequency": "runafter", "run_after": {"sync_ids": ["${sync:First}"]}},
        "note": ["x ${bulk_sync:Lake} y"],
    }
    assert references(body) == {"ModelSync/First", "BulkSync/Lake"}
    out = substitute(body, {"ModelSync/First": "id-1"})
    assert out["schedule"]["run_after"]["sync_ids"] == ["id-1"]
    assert unresolved(out) == ["${bulk_sync:Lake}"]
    out = substitute(out, {"BulkSync/Lake": "id-2"})
    assert out["note"] == ["x id-2 y"]
    assert unresolved(out) == []
    assert body["schedule"]["run_after"]["sync_ids"] == ["${sync:First}"]  # input untouched
