"""The plan as a Markdown pull-request comment: summary first, one collapsible section per sync."""

from __future__ import annotations

import html
import re

from reconciler.planning.model import Change, Plan
from reconciler.render.values import SYMBOL, diff_line, mixed_scripts, problem_text, visible

MARKER = "<!-- reconciler-plan -->"
MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters


def render_markdown(plan: Plan) -> str:
    summary = plan.summary
    lines = [MARKER, "## Reconciler plan", "", f"**{escape(summary.line())}**", ""]
    lines += [
        "| to create | to update | to delete | unchanged | unmanaged | errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {summary.create} | {summary.update} | {summary.delete} | {summary.unchanged} | {summary.unmanaged} | {summary.errors} |",
        "",
    ]
    if plan.problems:
        lines += [f"### Errors ({len(plan.problems)})", ""]
        lines += [f"- {escape(problem_text(p))}" for p in plan.problems]
        lines.append("")
    pending = plan.pending
    if pending:
        lines += [f"### Changes ({len(pending)})", ""]
        used = sum(len(line) + 1 for line in lines)
        for shown, change in enumerate(pending):
            section = _section(change)
            size = sum(len(line) + 1 for line in section)
            if used + size > MAX_CHARS:
                left = len(pending) - shown
                lines += [f"*… and {left} more change{'s' if left != 1 else ''}: too long for a comment; "
                          "see `reconciler plan` in the job log.*", ""]
                break
            lines += section
            used += size
    elif plan.problems:
        lines += ["No changes for the syncs that could be planned; see the errors above.", ""]
    else:
        lines += ["No changes: the live syncs match the definitions.", ""]
    if plan.unmanaged:
        lines += [f"### Unmanaged live syncs ({len(plan.unmanaged)})", "",
                  "No file declares these; the plan leaves them alone.", ""]
        lines += [f"- {item.kind} {code(item.name)} ({code(item.sync_id)})" for item in plan.unmanaged]
        lines.append("")
    unchanged = [c for c in plan.changes if c.action == "no-op"]
    if unchanged:
        lines += [f"<details><summary>Unchanged ({len(unchanged)})</summary>", ""]
        lines += [f"- {c.kind} {code(c.name)} ({code(c.sync_id or '')})" for c in unchanged]
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _section(change: Change) -> list[str]:
    ident = f" <code>{html.escape(change.sync_id)}</code>" if change.sync_id else ""
    where = f" · <code>{html.escape(str(change.source))}</code>" if change.source is not None else ""
    head = (f"<details><summary><code>{SYMBOL[change.action]}</code> <b>{change.action}</b> "
            f"{change.kind} <b>{html.escape(visible(change.name))}</b>{_scripts(change.name)}{ident}{where}</summary>")
    body = [diff_line(change, d) for d in change.diffs]
    body += [f"  (after {dep} is created)" for dep in change.depends_on]
    if not body:
        body = ["- (the whole sync)"] if change.action == "delete" else ["(no field changes)"]
    fence = _fence("\n".join(body))
    return [head, "", f"{fence}diff", *body, fence, "", "</details>", ""]


def _scripts(name: str) -> str:
    scripts = mixed_scripts(name)
    return f" (mixed scripts: {'+'.join(scripts)})" if scripts else ""


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_MD_SPECIAL = "\\`*_{}[]<>|#~"


def code(text: str) -> str:
    """An inline code span that holds any text, backticks included (invisible characters escaped)."""
    text = visible(" ".join(text.splitlines()))
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape(text: str) -> str:
    """Markdown (and HTML) punctuation escaped so a name renders literally (invisible characters too)."""
    text = visible(" ".join(text.splitlines()))
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)
