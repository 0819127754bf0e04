"""Apply outcomes as lines: the progress line of a change being sent and the result of one change."""

from __future__ import annotations

from reconciler.apply.outcome import Outcome
from reconciler.planning.model import Change
from reconciler.render.values import SYMBOL, label

_VERB = {"done": "{}", "failed": "{} FAILED", "skipped": "{} SKIPPED", "stale": "{} REFUSED (stale)",
         "interrupted": "{} INTERRUPTED", "not-started": "{} NOT STARTED"}


def started_line(change: Change, count: int, total: int) -> str:
    """``[3/10] + ModelSync "Users" ...``: a change just sent."""
    return f"[{count}/{total}] {SYMBOL.get(change.action, ' ')} {label(change.kind, change.name)} ..."


def outcome_line(outcome: Outcome) -> str:
    """``  + ModelSync "Users" (id) create: message``; ``!`` instead of the symbol when not done."""
    symbol = SYMBOL.get(outcome.action, " ") if outcome.status == "done" else "!"
    ident = f" ({outcome.sync_id})" if outcome.sync_id else ""
    verb = _VERB[outcome.status].format(outcome.action)
    message = f": {outcome.message}" if outcome.message else ""
    return f"  {symbol} {label(outcome.kind, outcome.name)}{ident} {verb}{message}"
