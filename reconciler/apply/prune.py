"""Safety checks on deletions, made before anything is sent."""

from __future__ import annotations

from reconciler.config import PruneScope
from reconciler.errors import ConfigError, PlanError
from reconciler.planning.model import Plan

DEFAULT_MAX_DELETES = 10
SCOPE_HELP = ('say what this repository owns with owns: {name_prefix: "..."}, owns: {names: [...]} or '
              'owns: {all: true} in reconciler.yaml')


def require_scope(prune: bool, scope: PruneScope | None) -> PruneScope | None:
    """The scope to plan deletions with: None without ``--prune``; an error when there is none."""
    if not prune:
        return None
    if scope is None:
        raise ConfigError(f"--prune needs a prune scope: {SCOPE_HELP}; nothing was sent")
    return scope


def check_deletions(plan: Plan, *, prune: bool, scope: PruneScope | None,
                    max_deletes: int = DEFAULT_MAX_DELETES) -> None:
    """Refuse the whole apply when its deletions are not allowed; raises before any write."""
    deletes = [c for c in plan.pending if c.action == "delete"]
    if not deletes:
        return
    if not prune:
        raise PlanError(f"the plan deletes {len(deletes)} sync(s) but --prune was not given; nothing was sent")
    scope = require_scope(prune, scope)
    assert scope is not None
    outside = sorted(f'{c.kind} "{c.name}"' for c in deletes if not scope.covers(c.name))
    if outside:
        raise PlanError(f"the plan deletes syncs outside the prune scope: {', '.join(outside)}; nothing was sent")
    missing = sorted(f'{c.kind} "{c.name}"' for c in deletes if not c.sync_id)
    if missing:
        raise PlanError(f"the plan deletes syncs without an id: {', '.join(missing)}; nothing was sent")
    if len(deletes) > max_deletes:
        raise PlanError(
            f"the plan deletes {len(deletes)} syncs, more than --max-deletes {max_deletes}; nothing was sent "
            "(raise --max-deletes if this is intended)"
        )
