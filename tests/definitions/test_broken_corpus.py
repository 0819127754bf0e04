"""Every file under broken/ is one real user mistake; each must get its message at its line.

Each case's header comments say what is expected:
``# expect: LINE: fragment`` (a problem at that line of that file whose rendered text contains
the fragment) and optionally ``# expect-count: N`` (the number of problems, default 1).
A case is a file, or a folder whose first file carries the header (cross-file mistakes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.definitions.load import validate_paths

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(BROKEN.iterdir())
ENV = {"PRESENT": "set"}
_EXPECT = re.compile(rb"^# expect: (\d+): (.+)$", re.M)
_COUNT = re.compile(rb"^# expect-count: (\d+)$", re.M)


def _header_file(case: Path) -> Path:
    return sorted(case.glob("*.yaml"))[0] if case.is_dir() else case


def test_corpus_has_at_least_forty_distinct_mistakes() -> None:
    assert len(CASES) >= 40
    fragments = [_EXPECT.search(_header_file(c).read_bytes()).group(2) for c in CASES]
    assert len(set(fragments)) == len(fragments)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_case_reports_expected_problem(case: Path) -> None:
    header = _header_file(case)
    raw = header.read_bytes()
    expect = _EXPECT.search(raw)
    assert expect, f"{case.name} has no '# expect: LINE: fragment' header"
    line, fragment = int(expect.group(1)), expect.group(2).decode()
    count = _COUNT.search(raw)
    result = validate_paths([str(case)], ENV)
    rendered = [p.render() for p in result.problems]
    hits = [p for p in result.problems
            if p.position and p.position.file == str(header) and p.position.line == line and fragment in p.render()]
    assert hits, f"expected line {line}: {fragment!r}\ngot:\n" + "\n".join(rendered)
    assert len(result.problems) == (int(count.group(1)) if count else 1), "\n".join(rendered)
    assert not result.ok
