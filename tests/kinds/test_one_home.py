"""What differs between the kinds lives in reconciler/kinds only: no other client module compares
a kind to a name, keys a table by kind names, or spells a write-only key (the emulator keeps its
own copy of the wire rules on purpose)."""

from __future__ import annotations

import ast
from pathlib import Path

from reconciler import kinds

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"
EXEMPT = ("kinds", "emulator")


def _is_kind_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in kinds.names()


def _spelled(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in kinds.write_only_keys()


def offences(tree: ast.AST) -> list[str]:
    """Kind-name comparisons, tables keyed by kind names and write-only keys spelled, with lines."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            operands += [e for o in operands if isinstance(o, (ast.Tuple, ast.List, ast.Set)) for e in o.elts]
            if any(_is_kind_name(o) for o in operands):
                found.append(f"{node.lineno}: compares a kind to a name")
        elif isinstance(node, ast.Dict) and any(k is not None and _is_kind_name(k) for k in (*node.keys, *node.values)):
            found.append(f"{node.lineno}: a table of kind names")
        if _spelled(node):
            found.append(f"{node.lineno}: spells a write-only key")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def client_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in EXEMPT)


def test_no_kind_branches_tables_or_write_only_keys_outside_the_registry() -> None:
    found = {}
    for path in client_modules():
        where = path.relative_to(PACKAGE).as_posix()
        bad = offences(ast.parse(path.read_text(encoding="utf-8")))
        if bad:
            found[where] = bad
    assert found == {}


def test_the_check_finds_each_kind_of_offence() -> None:
    source = '''
if kind == "ModelSync": pass
if "BulkSync" != k: pass
if kind in ("ModelSync", "x"): pass
TABLE = {"BulkSync": 1}
body.pop("encryption_passphrase")
SCHEMES = {"sync": "ModelSync"}
'''
    assert [line.split(":")[0] for line in offences(ast.parse(source))] == ["2", "3", "4", "5", "6", "7"]
    assert offences(ast.parse('if kind == other: pass\nname = "ModelSync sync"')) == []
