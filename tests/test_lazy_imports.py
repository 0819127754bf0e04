"""`validate` loads neither the HTTP stack nor the planner: each command imports what it uses."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.definitions.helpers import DEMO_ENV, EXAMPLES, ROOT

_PROBE = """
import json, sys
from reconciler.cli import main
try:
    main(["validate", sys.argv[1]])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules
                                                if m.split(".")[0] in ("httpx", "reconciler"))}))
"""


def test_validate_imports_no_http_client_planner_or_applier() -> None:
    run = subprocess.run([sys.executable, "-c", _PROBE, str(EXAMPLES)], cwd=ROOT, capture_output=True, text=True,
                         env={**DEMO_ENV, "PATH": "/usr/bin:/bin"}, timeout=120)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, run.stdout + run.stderr
    loaded = set(report["loaded"])
    assert "reconciler.definitions.load" in loaded  # the probe did validate
    assert not {"httpx", "reconciler.api.client", "reconciler.planning.planner", "reconciler.apply"} & loaded


def test_every_command_is_listed_and_loads() -> None:
    from click.testing import CliRunner

    from reconciler.cli import COMMAND_MODULES, main

    assert sorted(main.list_commands(None)) == sorted(COMMAND_MODULES)  # type: ignore[arg-type]
    for name in COMMAND_MODULES:
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0, name
