"""The one serialisation of a change, shared by the JSON plan, the drift JSON and the saved plan.

Every format writes a change's identity with :func:`change_head` (same keys, same order) and each
field difference with :func:`diff_json` (same keys, same masking: a sensitive or write-only value
never appears). The plan and the saved plan write the whole :func:`change_json`.
"""

from __future__ import annotations

from typing import Any

from reconciler.planning.model import Change, FieldDiff
from reconciler.render.values import position_json, shown


def change_head(change: Change) -> dict[str, Any]:
    """What a change is and where its definition is written."""
    return {
        "action": change.action,
        "kind": change.kind,
        "name": change.name,
        "sync_id": change.sync_id,
        "source": position_json(change.source),
    }


def change_json(change: Change) -> dict[str, Any]:
    """A change as the JSON plan documents it (docs/plan-json.md)."""
    return {
        **change_head(change),
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
