"""The plan as a Markdown pull-request comment: summary first, one collapsible section per sync."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from reconciler.planning.model import Change, FieldDiff, Plan
from reconciler.render.budget import COMMENT_BUDGET, Item, Section, clip_line, fit
from reconciler.render.names import named
from reconciler.render.values import (SENSITIVE, SYMBOL, WRITE_ONLY, diff_line, mixed_scripts, problem_text, shown,
                                      visible)
from reconciler.secrets import redactor

MARKER = "<!-- reconciler-plan -->"
#: where a trimmed comment sends the reader
FULL_PLAN = "the job's step summary and in `reconciler plan --format text`"
COLLAPSE_OVER = 10  # a longer list of one-line entries is folded into <details>
WRAP = 100  # a diff line longer than this shows its values as indented JSON, one line each


def render_markdown(plan: Plan, *, limit: int = COMMENT_BUDGET, full_at: str = FULL_PLAN) -> str:
    """The plan as a PR comment of at most ``limit`` bytes (sections trimmed with counts beyond it)."""
    return fit(_head(plan), _sections(plan), [], limit=limit, full_at=full_at)


def _head(plan: Plan) -> list[str]:
    summary = plan.summary
    head = [MARKER, "## Reconciler plan", "", f"**{escape(summary.line())}**", ""]
    head += [
        "| to create | to update | to delete | unchanged | unmanaged | errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {summary.create} | {summary.update} | {summary.delete} | {summary.unchanged} | {summary.unmanaged} "
        f"| {summary.errors} |",
        "",
    ]
    if not plan.pending and plan.problems:
        head += ["No changes for the syncs that could be planned; see the errors below.", ""]
    elif not plan.pending:
        head += ["No changes: the live syncs match the definitions.", ""]
    return head


def _sections(plan: Plan) -> list[Section]:
    sections = []
    if plan.problems:
        sections.append(Section(f"### Errors ({len(plan.problems)})", "error",
                                tuple(Item((f"- {escape(problem_text(p))}",)) for p in plan.problems)))
    pending = plan.pending
    if pending:
        sections.append(Section(f"### Changes ({len(pending)})", "change", tuple(change_item(c) for c in pending)))
    if plan.unmanaged:
        sections.append(Section(f"### Unmanaged live syncs ({len(plan.unmanaged)})", "unmanaged sync",
                                tuple(Item((f"- {item.kind} {code(item.name)} ({code(item.sync_id)})",))
                                      for item in plan.unmanaged),
                                intro=("No file declares these; the plan leaves them alone.", ""),
                                collapsed=len(plan.unmanaged) > COLLAPSE_OVER))
    if plan.hints:
        sections.append(Section(f"### Hints ({len(plan.hints)})", "hint",
                                tuple(Item((f"- {escape(problem_text(hint))}",)) for hint in plan.hints)))
    unchanged = [c for c in plan.changes if c.action == "no-op"]
    if unchanged:
        sections.append(Section(f"Unchanged ({len(unchanged)})", "unchanged sync",
                                tuple(Item((f"- {c.kind} {code(c.name)} ({code(c.sync_id or '')})",))
                                      for c in unchanged),
                                collapsed=True))
    return sections


def change_item(change: Change) -> Item:
    """One sync's collapsible block: a ``diff`` fence GitHub colours (``+``, ``-``, ``!``)."""
    ident = f" {_html_code(change.sync_id)}" if change.sync_id else ""
    where = f" · {_html_code(str(change.source))}" if change.source is not None else ""
    head = (f"<details><summary><code>{SYMBOL[change.action]}</code> <b>{change.action}</b> "
            f"{change.kind} <b>{_html_code(visible(change.name))}</b>{_scripts(change.name)}{ident}{where}</summary>")
    body = [line for d in change.diffs for line in diff_lines(change, named(change, d))]
    body += [f"  (after {dep} is created)" for dep in change.depends_on]
    if not body:
        body = ["- (the whole sync)"] if change.action == "delete" else ["(no field changes)"]
    fence = _fence("\n".join(body))
    return Item(tuple(body), open=(head, "", f"{fence}diff"), close=(fence, "", "</details>", ""))


def diff_lines(change: Change, diff: FieldDiff) -> list[str]:
    """One field's diff for a ``diff`` fence: ``~`` written ``!`` (GitHub colours it), long values wrapped."""
    line = diff_line(change, diff)
    symbol = "!" if line.startswith("~") else line[0]
    resent = diff.write_only and diff.before is None and diff.after is None  # a mask and a note: one line
    if len(line) <= WRAP or resent:
        return [symbol + line[1:]]
    lines = [f"{symbol} {visible(diff.path)}:"]
    if line[0] in "-~":
        lines += _nested("-", shown(diff, diff.before))
    if line[0] in "+~":
        lines += _nested("+", shown(diff, diff.after))
    return lines


def _nested(symbol: str, value: Any) -> list[str]:
    text = value if isinstance(value, str) and value in (SENSITIVE, WRITE_ONLY) else \
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return [f"{symbol}     {visible(part)}" for part in text.splitlines()]


def _scripts(name: str) -> str:
    scripts = mixed_scripts(name)
    return f" (mixed scripts: {'+'.join(scripts)})" if scripts else ""


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


_MD_SPECIAL = "\\`*_{}[]<>|#~&"
#: a word GitHub would turn into an @mention (a notification), an issue link (a back-reference in
#: that issue) or a link: shown in a code span, where it does none of these
_LINKING = re.compile(r"[@#]|://|^www\.", re.IGNORECASE)
TEXT_LIMIT = 400  # characters of one name or message shown inline (the text and JSON outputs have it all)


def _html_code(text: str) -> str:
    """Text inside the HTML ``<summary>``: one line (a blank line would end the HTML), clipped, in ``<code>``."""
    return f"<code>{html.escape(clip_line(' '.join(redactor.scrub(text).splitlines()), TEXT_LIMIT))}</code>"


def code(text: str) -> str:
    """An inline code span that holds any text, backticks included (invisible characters escaped;
    clipped: a span cut later would leak)."""
    text = clip_line(visible(" ".join(redactor.scrub(text).splitlines())), TEXT_LIMIT)
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape(text: str) -> str:
    """Markdown (and HTML) punctuation escaped so a name renders literally; words that GitHub would
    link or use to notify someone go in code spans. Sensitive values are scrubbed first: once
    escaped, their form is one the redactor does not know. Invisible characters are shown escaped."""
    text = clip_line(visible(" ".join(redactor.scrub(text).splitlines())), TEXT_LIMIT)
    return "".join(code(word) if _LINKING.search(word)
                   else "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in word)
                   for word in re.split(r"(\s+)", text))
