"""The plan as a versioned JSON document (schema in docs/plan-json.md)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.planning.model import Change, FieldDiff, Hint, Plan, Problem, Unmanaged
from reconciler.render.values import position_json, shown

FORMAT_VERSION = 1


def plan_json(plan: Plan) -> dict[str, Any]:
    summary = plan.summary
    return {
        "format_version": FORMAT_VERSION,
        "document": "plan",
        "has_changes": plan.has_changes,
        "summary": {
            "create": summary.create,
            "update": summary.update,
            "delete": summary.delete,
            "unchanged": summary.unchanged,
            "unmanaged": summary.unmanaged,
            "errors": summary.errors,
        },
        "summary_line": summary.line(),
        "changes": [_change(c) for c in plan.changes],
        "unmanaged": [unmanaged_json(u) for u in plan.unmanaged],
        "errors": [problem_json(p) for p in plan.problems],
        "not_owned": plan.unowned,
        "hints": [problem_json(h) for h in plan.hints],
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False, default=str) + "\n"


def _change(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "kind": change.kind,
        "name": change.name,
        "sync_id": change.sync_id,
        "source": position_json(change.source),
        "depends_on": list(change.depends_on),
        "fingerprint": change.fingerprint,
        "diffs": [diff_json(d, created=change.action == "create") for d in change.diffs],
    }


def diff_json(diff: FieldDiff, *, created: bool = False) -> dict[str, Any]:
    """One diff; a created sync had nothing before (not even a write-only value)."""
    return {
        "path": diff.path,
        "before": None if created else shown(diff, diff.before),
        "after": shown(diff, diff.after),
        "sensitive": diff.sensitive,
        "write_only": diff.write_only,
    }


def unmanaged_json(item: Unmanaged) -> dict[str, Any]:
    return {"kind": item.kind, "name": item.name, "sync_id": item.sync_id}


def problem_json(problem: Problem | Hint) -> dict[str, Any]:
    return {"message": problem.message, "kind": problem.kind, "name": problem.name,
            "source": position_json(problem.source)}
