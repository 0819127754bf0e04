"""libyaml's composer and the pure-Python one give the same documents, positions and problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.definitions import yamlsafe
from reconciler.definitions.load import validate_paths
from tests.definitions.helpers import EXAMPLES, write

BROKEN = Path(__file__).parent / "broken"
CLEAN = sorted(EXAMPLES.rglob("*.yaml"))
CORPUS = sorted(p for p in BROKEN.rglob("*.yaml") if yamlsafe.decode(p.read_bytes(), p.name)[0] is not None)
ODD = [
    "a: 1\na: 2\n",  # duplicate key
    "a: !!python/object:os.system x\n",  # object tag
    "a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}, e: 2}\n",
    "a: \"\\ud83d\"\n",  # lone surrogate escape (libyaml refuses it, pure Python builds it)
    "a: .inf\nb: 010\nc: yes\nd: 2024-01-01\ne: ~\n",
    "a:\n\t- 1\n",  # tab
    "[" * 2000,  # deeper than libyaml allows
    "- " * 400 + "x\n",  # deeper than the pure-Python composer manages
    "a: &a [*a]\n",
    "a: b\x07\n",  # control character
    "a: b\u0085c\ufeff\n",  # characters only one reader may accept
    "--- 1\n--- [2]\n---\n...\n",
    "%YAML 1.2\n--- a\n",
    "? [a, b]\n: c\n",
    "a: |\n  x\n   y\n\n",
    "a: >-\n  folded\n  text\n\n  kept\n",
    "a: 'it''s'\nb: \"tab\\there\"\nc: plain # comment\n",
    "1: a\n'1': b\n=: c\nd: {e: 1, e: 2, '=': 3}\n",  # one key written twice, a key of the !!value tag
    "a: " + "x" * 5000 + "\nb: [1, yes, ~, '" + "y" * 100 + "']\n",  # longer than a small text
]


def _shape(result: Any) -> Any:
    return [(None if doc is None else (doc.value, doc.position, doc.values, doc.keys, doc.rejected, doc.texts),
             [p.render() for p in problems]) for doc, problems in result]


def _both(text: str) -> tuple[Any, Any]:
    return yamlsafe._fast_documents(text, "f.yaml"), list(yamlsafe._documents(text, "f.yaml"))


@pytest.mark.parametrize("path", CLEAN + CORPUS, ids=lambda p: p.name)
def test_files_compose_alike(path: Path) -> None:
    fast, pure = _both(path.read_text(encoding="utf-8-sig"))
    if path in CLEAN:
        assert fast is not None, "a valid file must not need the pure-Python path"
    if fast is not None:
        assert _shape(fast) == _shape(pure)


@pytest.mark.parametrize("text", ODD)
def test_odd_yaml_composes_alike_or_falls_back(text: str) -> None:
    fast, pure = _both(text)
    if fast is not None:
        assert _shape(fast) == _shape(pure)
    assert _shape(list(yamlsafe.load_documents(text, "f.yaml"))) == _shape(pure)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(max_size=30))
_data = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=_data, flow=st.sampled_from([None, True, False]), style=st.sampled_from([None, '"', "'", "|", ">"]),
       unicode=st.booleans(), width=st.sampled_from([20, 80, 1000]), repeat=st.booleans())
def test_generated_yaml_composes_alike(data: Any, flow: bool | None, style: str | None, unicode: bool,
                                       width: int, repeat: bool) -> None:
    value = {"first": data, "again": data} if repeat else data  # the same object twice: an anchor and alias
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=style, allow_unicode=unicode, width=width)
    fast, pure = _both(text)
    if fast is not None:
        assert _shape(fast) == _shape(pure)


def test_valid_files_never_reach_the_pure_python_scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if yamlsafe.FAST_LOADER is None:
        pytest.fail("PyYAML was installed without libyaml")
    calls: list[str] = []
    monkeypatch.setattr(yamlsafe, "_documents", lambda text, file: calls.append(file) or iter(()))
    for i, example in enumerate(CLEAN):
        write(tmp_path, f"{i}.yaml", example.read_text(encoding="utf-8"))
    result = validate_paths([str(tmp_path)], {"DEMO_ENCRYPTION_PASSPHRASE": "x" * 12})
    assert len(result.definitions) == len(CLEAN) and calls == []


@pytest.mark.parametrize("text", [t for t in ODD if not yamlsafe._may_merge(t)] + [p.read_text(encoding="utf-8-sig") for p in CLEAN])
def test_keys_read_ahead_or_as_built_give_the_same_document(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys are read ahead of building only where one may merge; everywhere else, as each value is built.
    as_built = _shape(list(yamlsafe.load_documents(text, "f.yaml")))
    monkeypatch.setattr(yamlsafe, "_may_merge", lambda text: True)
    ahead = _shape(list(yamlsafe.load_documents(text, "f.yaml")))
    assert [(doc, sorted(problems)) for doc, problems in as_built] == [(doc, sorted(problems)) for doc, problems in ahead]
