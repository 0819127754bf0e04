"""A saved plan can only do what a fresh plan would do.

``apply --plan FILE`` plans afresh from the files and carries out a saved change only when the
fresh plan holds the same change: same action, same live id, same request body, and the same
field differences (the live values the reviewer saw have not moved). A saved deletion is carried
out only when the fresh plan deletes that sync too (a live sync no file declares, whose *live*
name is inside the prune scope) and the sync has not changed since. A saved change whose outcome
the live side already shows (a create or update the fresh plan finds unchanged, a deletion of a
sync that is gone) counts as done, so a re-run after an interrupted ``apply --plan`` completes the
rest. Every other saved change is refused, once, saying what moved (field paths, never values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from reconciler.apply.outcome import Outcome
from reconciler.definitions.model import Kind
from reconciler.planning.model import Change, FieldDiff, Plan

REPLAN = "run reconciler plan --out again"
_Where = tuple[Kind, str | None]  # a live sync: its kind and id


@dataclass(frozen=True)
class SavedCheck:
    """The saved plan judged against a fresh one."""

    accepted: Plan  # the fresh plan's versions of the saved changes that may be carried out
    done: tuple[Outcome, ...]  # saved changes the live side already shows
    refused: tuple[Outcome, ...]  # ``stale``, each with what moved
    unsaved: tuple[Change, ...]  # pending in the fresh plan but not in the saved one (not applied)


def check_saved(saved: Plan, fresh: Plan) -> SavedCheck:
    """Judge every pending change of ``saved`` against ``fresh`` (both planned from the files)."""
    judge = _Judge(fresh)
    accepted: list[Change] = []
    done: list[Outcome] = []
    refused: list[Outcome] = []
    for change in saved.pending:
        verdict = judge(change)
        if isinstance(verdict, Change):
            accepted.append(verdict)
        else:
            (done if verdict.status == "done" else refused).append(verdict)
    taken = {id(c) for c in accepted}
    saved_keys = {(c.key, c.action, c.sync_id) for c in saved.pending}
    unsaved = tuple(c for c in fresh.pending if id(c) not in taken and (c.key, c.action, c.sync_id) not in saved_keys)
    plan = Plan(changes=tuple(sorted(accepted, key=lambda c: (c.kind, c.name, c.sync_id or ""))),
                unmanaged=fresh.unmanaged, problems=fresh.problems)
    return SavedCheck(plan, tuple(sorted(done, key=lambda o: o.sort_key)),
                      tuple(sorted(refused, key=lambda o: o.sort_key)), unsaved)


class _Judge:
    """The fresh plan indexed for judging saved changes: by key, and deletes/unmanaged/claimed by id."""

    def __init__(self, fresh: Plan) -> None:
        self.by_key = {c.key: c for c in fresh.changes if c.action != "delete"}
        self.deletes: dict[_Where, Change] = {(c.kind, c.sync_id): c for c in fresh.changes if c.action == "delete"}
        self.unmanaged: dict[_Where, Any] = {(u.kind, u.sync_id): u for u in (*fresh.unmanaged, *fresh.not_listed)}
        self.claimed: dict[_Where, Change] = {(c.kind, c.sync_id): c for c in fresh.changes
                                              if c.action != "delete" and c.sync_id}

    def __call__(self, change: Change) -> Change | Outcome:
        if change.action == "delete":
            return _judge_delete(change, self.deletes, self.unmanaged, self.claimed)
        return _judge(change, self.by_key.get(change.key))


def _judge(saved: Change, fresh: Change | None) -> Change | Outcome:
    if fresh is None:
        return Outcome.of(saved, "stale", f"no file declares it any more; {REPLAN}")
    if fresh.action == "no-op":
        return Outcome.of(saved, "done", "already done: the live sync matches the saved change", sync_id=fresh.sync_id)
    if fresh.action != saved.action:
        ident = f" ({fresh.sync_id})" if fresh.sync_id else ""
        return Outcome.of(saved, "stale", f"a fresh plan would {fresh.action} it{ident} instead; {REPLAN}")
    if fresh.sync_id != saved.sync_id:
        return Outcome.of(saved, "stale", f"its live sync is now {fresh.sync_id}; {REPLAN}")
    moved = _moved(saved, fresh)
    if moved:
        return Outcome.of(saved, "stale", f"{moved}; {REPLAN}")
    return fresh


def _judge_delete(saved: Change, deletes: Mapping[_Where, Change], unmanaged: Mapping[_Where, Any],
                  claimed: Mapping[_Where, Change]) -> Change | Outcome:
    where = (saved.kind, saved.sync_id)
    fresh = deletes.get(where)
    if fresh is not None:
        if fresh.name != saved.name:
            return Outcome.of(saved, "stale", f"it was renamed to {fresh.name!r} since the plan; {REPLAN}")
        if saved.fingerprint is None or fresh.fingerprint != saved.fingerprint:
            return Outcome.of(saved, "stale", f"sync {saved.sync_id} changed since the plan was made; {REPLAN}")
        return fresh
    if where in claimed:
        return Outcome.of(saved, "stale", f"a file now declares it ({claimed[where].name!r}): not deleted; {REPLAN}")
    if where in unmanaged:
        live_name = unmanaged[where].name
        return Outcome.of(saved, "stale", f"a fresh plan would not delete it: its live name {live_name!r} is outside "
                                          f"the prune scope, --prune was not given, or a sync refers to it; {REPLAN}")
    return Outcome.of(saved, "done", "already done: the sync no longer exists")


def _moved(saved: Change, fresh: Change) -> str:
    """What differs between two versions of one change: body paths and diffs, never values."""
    parts = []
    body = sorted(_differing_paths(saved.body, fresh.body, ""))
    if body:
        parts.append(f"the request body differs at {', '.join(body[:8])}{' ...' if len(body) > 8 else ''}")
    diffs = sorted({d[0] for d in set(map(_masked, saved.diffs)) ^ set(map(_masked, fresh.diffs))})
    if diffs:
        parts.append(f"the live sync moved at {', '.join(diffs[:8])}{' ...' if len(diffs) > 8 else ''}")
    return "; ".join(parts)


def _masked(diff: FieldDiff) -> tuple[str, str, str]:
    def side(value: Any) -> str:
        if diff.sensitive or diff.write_only:
            return "(masked)"
        return json.dumps(value, sort_keys=True, default=str)

    return (diff.path, side(diff.before), side(diff.after))


def _differing_paths(a: Any, b: Any, where: str) -> list[str]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += _differing_paths(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in _differing_paths(x, y, f"{where}[{i}]")]
    return [] if a == b else [where or "(the whole body)"]
