"""Markdown that fits where it is posted: a size limit, sections trimmed with counts that add up.

GitHub refuses a comment or issue body over 65,536 characters and keeps at most 1 MiB of a
job's step summary. A report is a head, sections of items and a tail; when the whole does not
fit, each section shows the first items that fit and says how many more there are and where the
full text is. Sizes are counted in UTF-8 bytes, never fewer than characters.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMENT_LIMIT = 65_536  # characters in a comment or issue body
#: what a report may use of a comment: the rest is for the footer the CI kit appends
COMMENT_BUDGET = COMMENT_LIMIT - 1_536
SUMMARY_LIMIT = 1024 * 1024  # bytes of a step summary
ITEM_LIMIT = 6_000  # one sync's block: beyond it, its lines are trimmed
LINE_LIMIT = 1_000


@dataclass(frozen=True)
class Item:
    """One entry of a section: ``body`` lines may be trimmed, ``open``/``close`` never are."""

    body: tuple[str, ...]
    open: tuple[str, ...] = ()
    close: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str  # e.g. "### Changes (12)"
    noun: str  # singular, e.g. "change"
    items: tuple[Item, ...]
    intro: tuple[str, ...] = ()
    collapsed: bool = False  # the whole section in one <details>


def size(lines: list[str] | tuple[str, ...]) -> int:
    return sum(len(line.encode("utf-8", "surrogatepass")) + 1 for line in lines)


def clip_line(line: str, limit: int = LINE_LIMIT) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} … ({len(line) - limit} more characters)"


def item_lines(item: Item, limit: int = ITEM_LIMIT) -> list[str]:
    """The item's lines; a body over ``limit`` bytes keeps its first lines and counts the rest.

    Only a fenced body (one with ``open`` lines) has its long lines cut: a cut inside a code span
    or an escape would let the rest of the line render as Markdown, so inline text is clipped where
    it is made (``markdown.code``, ``markdown.escape``).
    """
    body = [clip_line(line) for line in item.body] if item.open else list(item.body)
    room = limit - size(item.open) - size(item.close) - 80
    kept: list[str] = []
    for line in body:
        if size(kept) + size([line]) > room:
            left = len(body) - len(kept)
            kept.append(f"… {left} more line{'s' if left != 1 else ''} of this sync not shown")
            break
        kept.append(line)
    return [*item.open, *kept, *item.close]


def _plural(noun: str, n: int) -> str:
    if n == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") and not noun.endswith("ey") else noun + "s"


def _frame(section: Section, shown: list[list[str]], total: int, full_at: str) -> list[str]:
    lines = [section.heading, ""]
    if section.collapsed:
        lines = [f"<details><summary>{section.heading.lstrip('# ')}</summary>", ""]
    lines += [*section.intro, *(line for item in shown for line in item)]
    left = total - len(shown)
    if left:
        lines += ["", f"*… and {left} more {_plural(section.noun, left)} not shown here "
                      f"({len(shown)} of {total} shown): the full text is in {full_at}.*"]
    if lines[-1]:
        lines.append("")
    if section.collapsed:
        lines += ["</details>", ""]
    return lines


def fit(head: list[str], sections: list[Section], tail: list[str], *, limit: int, full_at: str) -> str:
    """The report in at most ``limit`` bytes: every section kept, its items trimmed in order."""
    rendered = [[item_lines(item) for item in s.items] for s in sections]
    whole = [line for s, items in zip(sections, rendered, strict=False)
             for line in _frame(s, items, len(items), full_at)]
    if size(head) + size(whole) + size(tail) <= limit:
        return _join(head + whole + tail)
    # every frame with its notice at the worst count, then items: a fair share first, rest in order
    frames = [size(_frame(s, [], len(items), full_at)) + 24  # + digits
              for s, items in zip(sections, rendered, strict=False)]
    room = limit - size(head) - size(tail) - sum(frames)
    counts = [0] * len(sections)
    for fair in (True, False):
        for index, items in enumerate(rendered):
            share = room // (len(sections) - index) if fair else room
            used = 0
            while counts[index] < len(items) and used + size(items[counts[index]]) <= share:
                used += size(items[counts[index]])
                counts[index] += 1
            room -= used
    body = [line for s, items, n in zip(sections, rendered, counts, strict=False)
            for line in _frame(s, items[:n], len(items), full_at)]
    return _join(head + body + tail)


def _join(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"
