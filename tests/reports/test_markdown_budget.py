"""PR comments and drift issues fit GitHub's limits, whatever the size, and nothing is dropped silently."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.cli import github
from reconciler.errors import Position
from reconciler.planning.model import Change, FieldDiff, Plan, Problem, Unmanaged
from reconciler.render.budget import COMMENT_LIMIT, SUMMARY_LIMIT, Item, Section, fit, size
from reconciler.render.markdown import WRAP, render_markdown
from reconciler.reports.drift import DriftReport, UnhealthySync
from reconciler.reports.executions import Counts, Execution
from reconciler.reports.health import HealthIssue
from reconciler.reports.render_drift import render_markdown as drift_markdown
from tests.definitions.helpers import SCHEMAS
from tests.reports.helpers import generated_model_sync, run, write_definitions
from tests.support.emulator import Emulator

_HEADING = re.compile(r"^(?:### |<details><summary>)([^<(]+) \((\d+)\)(?:</summary>)?$")
_NOTICE = re.compile(r"^\*… and (\d+) more .* \((\d+) of (\d+) shown\): the full text is in ")


def _leaf_paths(node: dict, path: str = "") -> list[str]:
    """Field paths of the derived ModelSync schema, so generated diffs name real fields."""
    out = []
    for name, sub in node.get("properties", {}).items():
        child = f"{path}.{name}" if path else name
        options = [o for o in sub.get("anyOf", []) + sub.get("oneOf", []) if "properties" in o]
        inner = options[0] if options else sub
        out += _leaf_paths(inner, child) if "properties" in inner else [child]
    return out


PATHS = _leaf_paths(json.loads((SCHEMAS / "model-sync.schema.json").read_text()))


def _value(rng: random.Random) -> object:
    pick = rng.randrange(4)
    if pick == 0:
        return "x" * rng.randrange(1, 300)
    if pick == 1:
        return rng.randrange(10_000)
    if pick == 2:
        return {"source": {"field": f"f{rng.randrange(99)}", "model_id": "m" * 36}, "target": "T" * rng.randrange(80)}
    return [f"item {i}" for i in range(rng.randrange(30))]


def _change(rng: random.Random, i: int) -> Change:
    action = rng.choice(["create", "update", "delete"])
    diffs = []
    for path in sorted(rng.sample(PATHS, rng.randrange(1, 12))):
        before = None if action == "create" else _value(rng)
        after = None if action == "delete" else _value(rng)
        diffs.append(FieldDiff(path, before, after))
    return Change("ModelSync", f"sync {i:04d} {'é' * rng.randrange(5)}", action,
                  sync_id=None if action == "create" else f"5e1f0c00-0000-4000-8000-{i:012d}",
                  source=None if action == "delete" else Position(f"syncs/s{i}.yaml", 3, 1), diffs=tuple(diffs))


def big_plan(changes: int = 500, unmanaged: int = 500, seed: int = 13) -> Plan:
    rng = random.Random(seed)
    return Plan(
        changes=tuple(_change(rng, i) for i in range(changes)),
        unmanaged=tuple(Unmanaged("ModelSync", f"5e1f0c00-0000-4000-9000-{i:012d}", f"made in the UI {i}")
                        for i in range(unmanaged)),
        problems=tuple(Problem(f"problem {i}: " + "y" * 100, "ModelSync", f"p{i}", Position("syncs/p.yaml", i + 1, 1))
                       for i in range(30)),
    )


def big_drift(changes: int = 500, unmanaged: int = 500) -> DriftReport:
    plan = big_plan(changes, unmanaged)
    unhealthy = tuple(UnhealthySync("ModelSync", f"sick {i}", f"id-{i}", (HealthIssue("last_failed", "last run failed"),))
                      for i in range(100))
    return DriftReport(changes=plan.pending, unmanaged=plan.unmanaged, unhealthy=unhealthy, problems=plan.problems)


def section_counts(text: str) -> dict[str, tuple[int, int]]:
    """Section title -> (items shown, total), after checking the notice's numbers add up."""
    out: dict[str, tuple[int, int]] = {}
    title, total, shown, lines, fenced = None, 0, 0, text.splitlines(), False
    for line in lines + ["### End (0)"]:
        if line.startswith("```"):
            fenced = not fenced
        if fenced:
            continue
        heading = _HEADING.match(line)
        if heading:
            if title is not None:
                out[title] = (shown, total)
            title, total, shown = heading.group(1), int(heading.group(2)), 0
            continue
        if line.startswith(("<details><summary><code>", "- ")):
            shown += 1
        notice = _NOTICE.match(line)
        if notice:
            more, said_shown, said_total = map(int, notice.groups())
            assert (said_shown, said_total) == (shown, total), line
            assert more + said_shown == said_total, line
    return out


def test_plan_of_500_changes_and_500_unmanaged_fits_a_comment() -> None:
    plan = big_plan()
    text = render_markdown(plan)
    assert len(text) <= COMMENT_LIMIT and size([text]) <= COMMENT_LIMIT
    counts = section_counts(text)
    assert counts["Changes"][1] == 500 and counts["Unmanaged live syncs"][1] == 500 and counts["Errors"] == (30, 30)
    assert 0 < counts["Changes"][0] < 500 and 0 < counts["Unmanaged live syncs"][0] < 500
    assert "Plan: " in text.split("### Changes")[0]  # the summary is never trimmed
    assert "<details><summary>Unmanaged live syncs (500)</summary>" in text  # a long list is folded
    assert text.count("```") % 2 == 0 and text.count("<details>") == text.count("</details>")
    print(f"plan markdown: {len(text)} characters; shown {counts}")


def test_drift_of_500_changes_and_500_unmanaged_fits_an_issue() -> None:
    text = drift_markdown(big_drift())
    assert len(text) <= COMMENT_LIMIT
    counts = section_counts(text)
    assert counts["Changes a plan would make"][1] == len(big_plan().pending)
    assert counts["Unmanaged live syncs"][1] == 500 and counts["Unhealthy syncs"][1] == 100
    assert text.rstrip().endswith("converge._")
    print(f"drift markdown: {len(text)} characters; shown {counts}")


def test_step_summary_limit_holds_more_and_still_fits() -> None:
    plan = big_plan(2_000, 2_000)
    comment, summary = render_markdown(plan), render_markdown(plan, limit=SUMMARY_LIMIT)
    assert size([summary]) <= SUMMARY_LIMIT < size([render_markdown(plan, limit=10 * SUMMARY_LIMIT)])
    assert section_counts(summary)["Changes"][0] > section_counts(comment)["Changes"][0]


def test_a_small_plan_is_shown_whole() -> None:
    plan = big_plan(20, 20)
    text = render_markdown(plan)
    assert "not shown" not in text and "<details><summary>Unmanaged" in text
    assert "### Unmanaged live syncs (3)" in render_markdown(big_plan(2, 3))
    assert section_counts(text)["Changes"] == (20, 20) and section_counts(text)["Unmanaged live syncs"] == (20, 20)


def test_one_huge_value_is_clipped_not_the_whole_comment() -> None:
    huge = Change("ModelSync", "huge", "update", sync_id="s1", source=Position("a.yaml", 1, 1),
                  diffs=tuple(FieldDiff(f"filters[{i}]", "a" * 50_000, ["b"] * 5_000) for i in range(3)))
    small = Change("ModelSync", "small", "update", sync_id="s2", diffs=(FieldDiff("active", False, True),))
    text = render_markdown(Plan(changes=(huge, small)))
    assert len(text) < 20_000
    assert "more lines of this sync not shown" in text and "! active: false -> true" in text


def test_updates_render_as_bang_lines_and_long_values_wrap() -> None:
    change = Change("ModelSync", "s", "update", sync_id="i", diffs=(
        FieldDiff("schedule.hour", "7", "6"),
        FieldDiff("target.configuration", {f"k{i}": "v" * 30 for i in range(5)}, {"k": "w"}),
        FieldDiff("fields[x]", None, {"source": {"field": "x" * 70, "model_id": "m" * 36}, "target": "x"}),
    ))
    fenced = render_markdown(Plan(changes=(change,))).split("```diff\n")[1].split("```")[0].splitlines()
    assert fenced[0] == '! schedule.hour: "7" -> "6"'
    assert not any(line.startswith("~") for line in fenced)
    assert all(len(line) <= WRAP + 20 for line in fenced)
    assert "! target.configuration:" in fenced and "-     {" in fenced and "+     {" in fenced
    assert all(line[0] in "+-!" for line in fenced)
    resent = Change("ModelSync", "s", "update", sync_id="i", diffs=(
        FieldDiff("target.configuration." + "k" * 80, None, None, sensitive=True, write_only=True),))
    [line] = render_markdown(Plan(changes=(resent,))).split("```diff\n")[1].split("```")[0].splitlines()
    assert line.startswith("! target.configuration.kkk") and line.endswith("(sent again: it cannot be read back)")


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 60), min_size=1, max_size=4), lengths=st.integers(1, 400),
       limit=st.integers(3_000, 40_000))
def test_fit_never_exceeds_the_limit_and_counts_add_up(counts: list[int], lengths: int, limit: int) -> None:
    sections = [Section(f"### S{i} ({n})", "thing", tuple(Item((f"- {'z' * (lengths + j % 7)}",)) for j in range(n)))
                for i, n in enumerate(counts)]
    text = fit(["# head", ""], sections, ["tail"], limit=limit, full_at="the log")
    assert size([text]) <= limit
    got = section_counts(text)
    assert [got[f"S{i}"][1] for i in range(len(counts))] == counts
    if size([fit(["# head", ""], sections, ["tail"], limit=10**9, full_at="x")]) <= limit:
        assert "not shown" not in text


def test_cli_plan_and_drift_of_an_organisation_of_500_changes_and_500_unmanaged(emulator: Emulator, tmp_path: Path) -> None:
    rng = random.Random(500)
    bodies = [generated_model_sync(i, rng) for i in range(500)]
    live = [{**b, "schedule": {"frequency": "manual"}, "sync_all_records": not b.get("sync_all_records", False)}
            for b in bodies[:250]]
    unmanaged = [generated_model_sync(1000 + i, rng) for i in range(500)]
    emulator.seed(model_syncs=live + unmanaged)
    write_definitions(tmp_path / "syncs", bodies)
    summary = tmp_path / "summary.md"
    plan = run(emulator, "plan", "--format", "markdown", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)},
               timeout=300)
    assert plan.returncode == 0, plan.stderr[-2000:]
    assert len(plan.stdout) <= COMMENT_LIMIT
    counts = section_counts(plan.stdout)
    assert counts["Changes"][1] == 500 and counts["Unmanaged live syncs"][1] == 500
    assert "Plan: 250 to create, 250 to update, 0 to delete, 0 unchanged, 500 unmanaged." in plan.stdout
    assert size([summary.read_text()]) <= SUMMARY_LIMIT and section_counts(summary.read_text())["Changes"] == (500, 500)
    drift = run(emulator, "drift", "--format", "markdown", cwd=tmp_path, timeout=300)
    assert drift.returncode == 2 and len(drift.stdout) <= COMMENT_LIMIT
    assert section_counts(drift.stdout)["Unmanaged live syncs"][1] == 500
    print(f"CLI plan markdown {len(plan.stdout)} characters, drift {len(drift.stdout)}, summary {summary.stat().st_size} bytes")


def test_step_summary_is_appended_within_what_is_left_of_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("x" * (SUMMARY_LIMIT - 300_000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    plan = big_plan(2_000, 100)
    github.publish(plan.problems, lambda limit, full_at: render_markdown(plan, limit=limit, full_at=full_at), "the log")
    assert SUMMARY_LIMIT - 300_000 < summary.stat().st_size <= SUMMARY_LIMIT
    assert "the full text is in the log" in summary.read_text()
    annotations = capsys.readouterr().err.splitlines()
    assert len(annotations) == 30 and annotations[0].startswith("::error file=syncs/p.yaml,line=1,col=1::")
    summary.write_text("x" * (SUMMARY_LIMIT - 500))  # full: nothing more is written
    github.write_step_summary(lambda limit, full_at: render_markdown(plan, limit=limit), "the log")
    assert summary.stat().st_size == SUMMARY_LIMIT - 500


# ---- names and values from files and the live side are text, never Markdown, HTML or pings -----

_ALLOWED_TAGS = re.compile(r"</?(?:details|summary|code|b|sub)>")
_TICKS = re.compile(r"`+")


def _outside_code(line: str) -> tuple[str, str]:
    """(text GitHub reads as it is, markup) of one line outside a fence: code spans and <code>
    elements removed; in the markup view a backslash-escaped character is a placeholder."""
    line = re.sub(r"<code>.*?</code>", " ", line)
    text, markup, i = [], [], 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and not line[i + 1].isalnum() and not line[i + 1].isspace():
            text.append(line[i + 1]), markup.append("_")
            i += 2
            continue
        if ch == "`":
            run = _TICKS.match(line, i).group()
            close = next((m for m in _TICKS.finditer(line, i + len(run)) if len(m.group()) == len(run)), None)
            if close:  # a code span: literal, no link, no mention
                text.append(" "), markup.append(" ")
                i = close.end()
                continue
            text.append(run), markup.append(run)
            i += len(run)
            continue
        text.append(ch), markup.append(ch)
        i += 1
    return "".join(text), "".join(markup)


def assert_inert(markdown: str) -> None:
    """Every name shown renders as itself: no raw HTML, no entity, no @mention, #123 or URL link."""
    fenced = None
    marker, *lines = markdown.splitlines()
    assert marker in ("<!-- reconciler-plan -->", "<!-- reconciler-drift -->")
    for line in lines:
        if fenced:
            fenced = None if line == fenced else fenced
            continue
        if re.fullmatch(r"`{3,}diff", line):
            fenced = line[:-4]
            continue
        text, markup = _outside_code(line)
        assert not re.search(r"(?<![\w])@[A-Za-z0-9]", text), f"an @mention GitHub would notify: {line[:300]}"
        assert not re.search(r"#\d", text), f"an issue link GitHub would make: {line[:300]}"
        assert not re.search(r"://|\bwww\.", text), f"a link GitHub would make: {line[:300]}"
        assert not re.search(r"<[A-Za-z/!?]", _ALLOWED_TAGS.sub("", markup)), f"raw HTML: {line[:300]}"
        if not line.startswith("<details><summary>"):  # the summary is HTML: its & are entities on purpose
            assert not re.search(r"&[#A-Za-z]", markup), f"an entity shown as another character: {line[:300]}"
    assert fenced is None, "a fence left open"
    all_lines = markdown.splitlines()
    assert sum(line.startswith("<details>") for line in all_lines) == all_lines.count("</details>")
    summaries = [line for line in markdown.splitlines() if line.startswith("<details><summary>")]
    assert all(line.endswith("</summary>") for line in summaries), "a summary spans lines: a blank one ends the HTML"


HOSTILE = ["a`b``c", "</details><img src=x onerror=alert(1)>", "--> <!-- x", "cc @octocat and @org/team #123 acme/app#7",
           "a\n\nb <img src=x>\n\n@octocat", "&lt;script&gt; &#64;octocat", "see https://evil.example/approve www.evil.example",
           "`", "***bold*** _x_ [link](http://x) ![i](http://x)", "|a|b|", "<!-- reconciler-plan -->"]


def hostile_plan(names: list[str]) -> Plan:
    changes = tuple(Change("ModelSync", n, action, sync_id=None if action == "create" else f"id-{i} {n}",
                           source=Position(f"syncs/{n}.yaml", 1, 1), diffs=(FieldDiff("name", n, n + "!"),),
                           depends_on=(n,) if action == "create" else ())
                    for i, n in enumerate(names) for action in ("create", "update"))
    return Plan(changes=changes, unmanaged=tuple(Unmanaged("ModelSync", f"u{i} {n}", n) for i, n in enumerate(names)),
                problems=tuple(Problem(f"bad {n}", "ModelSync", n, Position(f"{n}.yaml", 1, 1)) for n in names))


def hostile_drift(names: list[str]) -> DriftReport:
    plan = hostile_plan(names)
    sick = tuple(UnhealthySync("ModelSync", n, f"id {n}", (HealthIssue("last_failed", f"failed: {n}"),),
                               execution=Execution("e", "failed", Counts(), errors=(n,))) for n in names)
    return DriftReport(changes=plan.pending, unmanaged=plan.unmanaged, unhealthy=sick, problems=plan.problems)


def test_hostile_names_render_as_text_in_plan_and_drift() -> None:
    for text in (render_markdown(hostile_plan(HOSTILE)), drift_markdown(hostile_drift(HOSTILE))):
        assert_inert(text)


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.text(st.sampled_from("`<>@#&!*_[]()|~\\-/:.w1 \n"), min_size=1, max_size=40), min_size=1, max_size=4))
def test_any_name_renders_as_text(names: list[str]) -> None:
    assert_inert(render_markdown(hostile_plan(names)))
    assert_inert(drift_markdown(hostile_drift(names)))


def test_long_names_and_messages_are_clipped_without_breaking_their_markup() -> None:
    long = "<img src=x> @octocat " + "n" * 5_000
    text = render_markdown(hostile_plan([long, "small"]))
    assert_inert(text)
    assert section_counts(text)["Changes"] == (4, 4) and len(text) < 30_000  # a long name hides no other change
    spans = "`@x " * 400  # escaped, these words grow threefold: past any line limit a cut would break them
    assert_inert(render_markdown(hostile_plan([spans])))
    drift = drift_markdown(hostile_drift([long, "small"]))
    assert_inert(drift)
    assert section_counts(drift)["Unhealthy syncs"] == (2, 2)


def test_a_secret_is_scrubbed_before_markdown_escaping_can_change_its_form() -> None:
    from reconciler.secrets import redactor

    secret = "my p@ss&wörd #1 <x>"  # words escaping treats differently: no escaped form is known to the redactor
    redactor.add(secret)
    message = f"auth failed: password={secret}; retry"
    plan = Plan(problems=(Problem(message, "ModelSync", "s", Position("a.yaml", 1, 1)),),
                changes=(Change("ModelSync", message, "update", sync_id="i", diffs=(FieldDiff("active", False, True),)),))
    sick = UnhealthySync("ModelSync", "s", "i", (HealthIssue("last_failed", message),),
                         execution=Execution("e", "failed", Counts(), errors=(message,)))
    for text in (render_markdown(plan), drift_markdown(DriftReport(unhealthy=(sick,), problems=plan.problems))):
        shown = redactor.scrub(text)  # what the CLI prints
        assert "auth failed" in shown and "(sensitive)" in shown
        for part in ("p@ss", "ss&", "ss\\&", "rd #1", "rd `#1"):
            assert part not in shown, (part, shown)


def test_step_summary_is_written_within_the_limit_even_when_scrubbing_lengthens_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.secrets import redactor

    redactor.add("zq9v")  # a short sensitive value: each occurrence becomes the longer "(sensitive)"
    summary = tmp_path / "summary.md"
    summary.write_text("x" * (SUMMARY_LIMIT - 200_000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    plan = Plan(changes=tuple(Change("ModelSync", f"s{i} zq9v zq9v zq9v", "update", sync_id=f"i{i}",
                                     diffs=(FieldDiff("target.object", "zq9v " * 20, "zq9w"),)) for i in range(3_000)))
    github.write_step_summary(lambda limit, full_at: render_markdown(plan, limit=limit, full_at=full_at), "the log")
    written = summary.read_text()[SUMMARY_LIMIT - 200_000:]
    assert summary.stat().st_size <= SUMMARY_LIMIT and "## Reconciler plan" in written and "zq9v" not in written
