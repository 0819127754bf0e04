"""Adopt, plan and apply against the in-process emulator, the way the CLI does it (files included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from reconciler.apply import apply_plan
from reconciler.api.retry import RetryPolicy
from reconciler.definitions.load import load_definitions
from reconciler.definitions.model import Definition
from reconciler.planning.model import Change, Plan
from reconciler.planning.planner import plan_against
from reconciler.reports.export import build_export, read_live_syncs, write_export
from tests.support.inprocess import InProcessEmulator

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, budget=2)


def adopt(emu: InProcessEmulator, out: Path) -> list[Definition]:
    """``export`` every live sync into ``out`` and load the files back (validation included)."""
    with emu.client() as client:
        exported = build_export(read_live_syncs(client))
    write_export(exported, out, schema="../schemas/reconciler.schema.json", force=True)
    return load_definitions([str(out)], environ={})


def plan(emu: InProcessEmulator, definitions: Sequence[Definition]) -> Plan:
    with emu.client() as client:
        return plan_against(client, definitions)


def apply(emu: InProcessEmulator, plan_: Plan) -> None:
    """Carry out the plan; every change must succeed."""
    with emu.client() as client:
        result = apply_plan(client, plan_, policy=FAST)
    assert result.ok, [(o.name, o.status, o.message) for o in result.outcomes if o.status != "done"]


def pending(plan_: Plan) -> list[Change]:
    """Changes that are not no-ops."""
    return [c for c in plan_.changes if c.action != "no-op"]


def changed(plan_: Plan) -> dict[str, list[str]]:
    """``sync name -> changed paths`` (write-only re-sends left out)."""
    return {c.name: [d.path for d in c.diffs if not d.write_only] for c in pending(plan_)}


def schema(emu: InProcessEmulator, sync_id: str, schema_id: str) -> dict[str, Any]:
    return emu.data("GET", f"/api/bulk/syncs/{sync_id}/schemas/{schema_id}")
