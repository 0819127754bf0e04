"""The plan as a versioned JSON document (schema in docs/plan-json.md)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.planning.model import Hint, Plan, Problem, Unmanaged
from reconciler.render.change import change_json
from reconciler.render.values import position_json

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
        "changes": [change_json(c) for c in plan.changes],
        "unmanaged": [unmanaged_json(u) for u in plan.unmanaged],
        "errors": [problem_json(p) for p in plan.problems],
        "not_owned": plan.unowned,
        "hints": [problem_json(h) for h in plan.hints],
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False, default=str) + "\n"


def unmanaged_json(item: Unmanaged) -> dict[str, Any]:
    return {"kind": item.kind, "name": item.name, "sync_id": item.sync_id}


def problem_json(problem: Problem | Hint) -> dict[str, Any]:
    return {"message": problem.message, "kind": problem.kind, "name": problem.name,
            "source": position_json(problem.source)}
