"""The plan as text, like ``terraform plan``: one block per sync that changes, then the summary line."""

from __future__ import annotations

from typing import Callable

from reconciler.planning.model import Change, Plan
from reconciler.render.names import named
from reconciler.render.values import SYMBOL, VERB, diff_line, label, problem_text

Paint = Callable[[str, str], str]  # (symbol deciding the colour, text) -> text
_COLOURS = {"+": "32", "~": "33", "-": "31", "?": "36", "!": "31"}


def render_plan(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text (ends with a newline); ANSI colour only when ``color``."""
    paint = _painter(color)
    lines: list[str] = []
    pending = plan.pending
    if pending:
        lines += ["Reconciler will perform the following actions:", ""]
        for change in pending:
            lines += _change_block(change, paint)
            lines.append("")
    elif plan.problems:
        lines += ["No changes for the syncs that could be planned; see the errors below.", ""]
    else:
        lines += ["No changes. The live syncs match the definitions.", ""]
    if plan.unmanaged:
        lines.append("Unmanaged live syncs (no file declares them; left alone):")
        for item in plan.unmanaged:
            lines.append(f"{paint('?', '?')} {label(item.kind, item.name)} ({item.sync_id})")
        lines.append("")
    if plan.hints:
        lines += [f"Hint: {problem_text(hint)}" for hint in plan.hints]
        lines.append("")
    if plan.problems:
        lines.append(paint("!", "Errors (these syncs are not planned):"))
        for problem in plan.problems:
            lines.append(f"  {paint('!', 'Error:')} {problem_text(problem)}")
        lines.append("")
    summary = plan.summary.line()
    lines.append(f"\x1b[1m{summary}\x1b[0m" if color else summary)
    return "\n".join(lines) + "\n"


def _change_block(change: Change, paint: Paint) -> list[str]:
    symbol = SYMBOL[change.action]
    ident = f" ({change.sync_id})" if change.sync_id else ""
    where = f"  [{change.source}]" if change.source is not None else ""
    out = [f"{paint(symbol, symbol)} {label(change.kind, change.name)}{ident} {VERB[change.action]}{where}"]
    for dep in change.depends_on:
        out.append(f"    (after {dep} is created)")
    for diff in change.diffs:
        line = diff_line(change, named(change, diff))
        out.append(f"    {paint(line[0], line[0])}{line[1:]}")
    return out


def _painter(color: bool) -> Paint:
    def paint(symbol: str, text: str) -> str:
        code = _COLOURS.get(symbol)
        return f"\x1b[{code}m{text}\x1b[0m" if color and code else text

    return paint
