"""The lint step of `make test`: ruff and mypy clean on reconciler/, no long or tangled function."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reconciler"
MAX_LINES = 60
MAX_COMPLEXITY = 15
TANGLED_ALLOWED = 5  # "at most a handful" over MAX_COMPLEXITY


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed in this environment (it is in the test extra)"
    return found


def test_ruff_finds_nothing() -> None:
    run = subprocess.run([_tool("ruff"), "check", "--no-cache", str(PACKAGE)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_finds_nothing() -> None:
    run = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def _functions() -> list[tuple[str, int, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append((f"{path.relative_to(ROOT)}:{node.lineno} {node.name}", lines, node.lineno))
    return found


def test_no_function_is_longer_than_sixty_lines() -> None:
    functions = _functions()
    assert len(functions) > 500  # the walk found the package
    assert [(where, lines) for where, lines, _ in functions if lines > MAX_LINES] == []


def test_at_most_a_handful_of_functions_are_tangled() -> None:
    run = subprocess.run([_tool("ruff"), "check", "--no-cache", "--select", "C901", "--config",
                          f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--output-format", "json", str(PACKAGE)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    tangled = sorted(f"{Path(f['filename']).relative_to(ROOT)}: {f['message']}" for f in json.loads(run.stdout))
    assert len(tangled) <= TANGLED_ALLOWED, "\n".join(tangled)
