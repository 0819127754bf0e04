"""What a user installs: the wheel `python -m build` makes works on its own, outside the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import reconciler
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.cli.docs import topics
from tests.definitions.helpers import DEMO_ENV, EXAMPLES, ROOT

_NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                     ".hypothesis", ".demo")  # tests/ stays: the test checks it is not shipped

pytestmark = pytest.mark.e2e  # builds and installs the package, runs the demo script


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist, then a wheel from it (`python -m build`), from a copy of the source tree."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "dist"),
                            str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [found] = (work / "dist").glob("reconciler-*.whl")
    return found


def test_wheel_ships_schemas_docs_and_declares_its_dependencies(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (ROOT / "schemas").glob("*.json"):
        assert f"reconciler/schemas/{schema.name}" in names
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"reconciler/docs/{doc.name}" in names
    assert not any(n.startswith(("tests/", "schemas/", "docs/", "benchmarks/")) for n in names)
    [sdist] = wheel.parent.glob("reconciler-*.tar.gz")
    shipped = tarfile.open(sdist).getnames()
    assert not [n for n in shipped if n.split("/")[1:2] in (["tests"], ["benchmarks"])]  # no partial test suite
    assert any(n.endswith("/schemas/model-sync.schema.json") for n in shipped)
    meta = Parser().parsestr(zipfile.ZipFile(wheel).read(f"reconciler-{reconciler.__version__}.dist-info/METADATA").decode())
    assert meta["Version"] == reconciler.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requires = meta.get_all("Requires-Dist") or []
    assert project["dependencies"] and set(project["dependencies"]) <= set(requires)
    # the emulator's web stack is an extra, not a dependency of the tool
    assert not [r for r in project["dependencies"] if r.startswith(("starlette", "uvicorn"))]
    emulator_only = [r for r in requires if r.startswith(("starlette", "uvicorn"))]
    assert len(emulator_only) == 2 and all('extra == "emulator"' in r for r in emulator_only)


def _fresh_venv(tmp_path: Path, wheel: Path, site_files: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A new environment with the wheel installed, its dependencies taken from this one's
    site-packages (a path entry, so no network); ``site_files`` are written into its site-packages
    before the install. Returns the environment and its site-packages."""
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_path("purelib") + "\n")
    for name, text in (site_files or {}).items():
        (site / name).write_text(text)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    return fresh, site


def test_installed_wheel_validates_the_examples_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    # A fresh environment; its dependencies come from this one's site-packages (a path entry, so
    # no network), while reconciler itself must be the installed wheel.
    fresh, site = _fresh_venv(tmp_path, wheel)
    python = fresh / "bin" / "python"
    examples = tmp_path / "syncs"
    shutil.copytree(EXAMPLES, examples)
    exe = fresh / "bin" / "reconciler"
    env = {"PATH": f"{fresh / 'bin'}:/usr/bin:/bin", **DEMO_ENV}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    where = subprocess.run([python, "-c", "import reconciler.definitions.schema as s; print(s.SCHEMA_DIR)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(site / "reconciler" / "schemas")
    valid = cli("validate", "syncs")
    assert valid.returncode == 0 and "5 definitions, 0 errors" in valid.stdout, valid.stdout + valid.stderr
    (examples / "typo.yaml").write_text("kind: ModelSync\nname: T\nshedule: {}\n")
    invalid = cli("validate", "syncs")
    assert invalid.returncode == 1 and "did you mean 'schedule'?" in invalid.stdout + invalid.stderr
    assert cli("--version").stdout.strip() == f"reconciler, version {reconciler.__version__}"
    listing = cli("docs")
    assert listing.returncode == 0 and "plan-json" in listing.stdout
    assert cli("docs", "plan-json").stdout.startswith("# ")


_WITHOUT_EMULATOR_EXTRA = """\
import importlib.abc, sys

class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("starlette", "uvicorn"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Absent())
"""


def test_the_tool_works_without_the_emulator_extra(wheel: Path, tmp_path: Path) -> None:
    # A fresh environment where starlette and uvicorn cannot be imported, as after
    # `pip install reconciler` without `[emulator]`.
    fresh, _ = _fresh_venv(tmp_path, wheel, {"_no_emulator_extra.py": _WITHOUT_EMULATOR_EXTRA,
                                             "_no_emulator_extra.pth": "import _no_emulator_extra\n"})
    python = fresh / "bin" / "python"
    assert subprocess.run([python, "-c", "import starlette"], capture_output=True).returncode != 0
    shutil.copytree(EXAMPLES, tmp_path / "syncs")
    env = {"PATH": f"{fresh / 'bin'}:/usr/bin:/bin", **DEMO_ENV}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(fresh / "bin" / "reconciler"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    valid = cli("validate", "syncs")
    assert valid.returncode == 0 and "5 definitions, 0 errors" in valid.stdout, valid.stdout + valid.stderr
    assert cli("plan", "--help").returncode == 0
    served = cli("emulator", "--port", "0")
    assert served.returncode == 1
    assert "reconciler[emulator]" in served.stderr and "Traceback" not in served.stderr, served.stderr


def _help_texts() -> list[str]:
    runner = CliRunner()
    return [runner.invoke(main, [*args, "--help"]).output for args in ([], *([n] for n in main.commands))]


def test_help_names_only_documentation_an_installed_user_has() -> None:
    texts = "\n".join(_help_texts())
    assert "docs/" not in texts and ".md" not in texts
    named = set(re.findall(r"reconciler docs ([a-z-]+)", texts))
    assert named and named <= set(topics())


def test_changelog_records_the_version_the_cli_prints() -> None:
    printed = subprocess.run([sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True,
                             check=True).stdout
    version = printed.strip().rsplit(" ", 1)[-1]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    first = re.search(r"^## (\S+)", changelog, re.M)
    assert first and first.group(1) == version == reconciler.__version__
    assert changelog.split(f"## {version}")[1].split("\n## ")[0].count("\n- ") >= 3


def test_demo_writes_no_escape_codes_into_a_pipe() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    demo = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env, capture_output=True,
                          timeout=300)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert b"==> Done" in demo.stdout
    assert b"\x1b" not in demo.stdout and b"\x1b" not in demo.stderr
