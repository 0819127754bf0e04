"""Write-only rotation, after Terraform's write-only arguments.

A write-only value (``encryption_passphrase``) cannot be read back, so a changed value alone is
never a difference. Two ways say "send it again":

- ``write_only_rotated_at: <RFC 3339 time>`` in the file: the sync is updated, its write-only
  values sent, unless the live sync was updated after that time (an update always sends them).
  Like Terraform's ``*_wo_version``, bump it when rotating; the live ``updated_at`` plays the
  part of the state Terraform keeps, so a plan after the apply is empty again.
- ``--resend-write-only NAME`` on ``plan``/``apply``: once, for the syncs named.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from reconciler.definitions.model import Definition
from reconciler.errors import ConfigError
from reconciler import kinds
from reconciler.planning import paths
from reconciler.planning.model import Change, FieldDiff, Hint, Plan


def _when(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)  # RFC 3339 allows "z"
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def due(d: Definition, live: Mapping[str, Any] | None, forced: bool) -> tuple[str | None, str | None]:
    """(why the write-only values of ``d`` are sent again to ``live``, or None; a warning, or None)."""
    if live is None:
        return None, None
    if forced:
        return "--resend-write-only", None
    rotated = _when(d.rotated_at) if d.rotated_at is not None else None
    if rotated is None:
        return None, None  # not set (an invalid time never passes validation)
    updated = _when(str(live.get("updated_at") or ""))
    if updated is None:
        return None, ("write_only_rotated_at cannot be compared: the live sync has no updated_at; "
                      "use --resend-write-only")
    if updated >= rotated:
        return None, None
    warning = None
    if rotated > datetime.now(timezone.utc):
        warning = "write_only_rotated_at is in the future: every apply sends the write-only values again until then"
    return f"write_only_rotated_at {d.rotated_at} is after the live sync's last update", warning


def resend(change: Change, d: Definition, live: Mapping[str, Any] | None,
           forced: bool) -> tuple[Change, tuple[Hint, ...]]:
    """``change`` turned into an update sending the write-only values again when rotation is due."""
    why, warning = due(d, live, forced)
    hints: tuple[Hint, ...] = (Hint(warning, d.kind, d.name, d.position),) if warning else ()
    if why is None or change.action not in ("no-op", "update"):
        return change, hints
    body = change.body or {}
    present = [p for p in kinds.get(d.kind).rotated_paths if paths.get(body, p) is not None]
    if not present:
        return change, (*hints, Hint(f"{why}: this sync has no write-only value to send again", d.kind, d.name,
                                     d.position))
    hints += (Hint(f"write-only values sent again ({why})", d.kind, d.name, d.position),)
    if change.action == "update":
        return change, hints  # an update sends them anyway
    diffs = tuple(FieldDiff(p, None, None, sensitive=True, write_only=True) for p in present)
    return dataclasses.replace(change, action="update", diffs=diffs), hints


def check_names(definitions: Sequence[Definition], names: Sequence[str]) -> None:
    """``--resend-write-only`` names must be definitions being planned."""
    from reconciler.definitions.schema import suggest  # the one home of "did you mean"

    known = sorted({d.name for d in definitions})
    problems = []
    for name in sorted(set(names) - set(known)):
        hint = suggest(name, known)
        problems.append(f"--resend-write-only {name}: no definition is named {name!r}"
                        + (f" (did you mean {hint!r}?)" if hint else ""))
    if problems:
        raise ConfigError("; ".join(problems) + "; nothing was sent")


def resent_in(plan: Plan) -> tuple[str, ...]:
    """Names of the syncs a (saved) plan updates only to send their write-only values again.

    ``apply --plan`` re-plans with them forced, so the fresh plan makes the same update: otherwise a
    rotation already due only by ``--resend-write-only`` would look done (a no-op) and never be sent."""
    return tuple(sorted({c.name for c in plan.pending
                         if c.action == "update" and c.diffs and all(d.write_only for d in c.diffs)}))
