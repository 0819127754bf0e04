"""Canary secrets never appear in stdout, stderr, the saved plan or error messages, in any encoding."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

from tests.apply.helpers import cli_env, create_live, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import DEMO_ORG_ID, USERS_MODEL, Emulator

ENV_CANARY = "env-canary value/7+Zq"
PASSPHRASE = "passphrase-canary/4+Wx yz"
DEPLOYMENT_KEY = "demo-deployment-key"


def forms(secret: str) -> set[str]:
    """The encodings a leak could take."""
    raw = secret.encode()
    out = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}
    for prefix in (b"", b"x", b"xy"):
        encoded = base64.b64encode(prefix + raw).decode()
        skip = (len(prefix) * 4 + 2) // 3
        out.add(encoded[skip:].rstrip("=")[: max(len(raw) * 4 // 3 - 2, 4)])
    return out


def assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        for form in forms(secret):
            assert form not in text, f"leaked a form of a secret: {form!r}"


def _definitions(tmp_path: Path) -> Path:
    with_filter = model_sync("Filtered", encryption_passphrase=PASSPHRASE)
    with_filter["filters"] = [
        {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "${env:RECONCILER_CANARY}"}
    ]
    echoed = model_sync("Echoed")  # the server's 422 echoes the unknown field name: the env value
    echoed["fields"].append({"source": {"model_id": USERS_MODEL, "field": "${env:RECONCILER_CANARY}"}, "target": "Secret"})
    return write_definitions(tmp_path / "syncs", [with_filter, echoed, model_sync("Plain")])


def test_canaries_never_leak(emulator: Emulator, tmp_path: Path) -> None:
    create_live(emulator, model_sync("Plain", frequency="hourly"))
    defs = _definitions(tmp_path)
    cwd = project_dir(tmp_path / "project")
    env = cli_env(emulator, RECONCILER_CANARY=ENV_CANARY)
    secrets = (ENV_CANARY, PASSPHRASE, emulator.api_key)
    saved = tmp_path / "plan.json"

    # The unknown model field (the env value) is a plan error, reported without the value.
    refused = run_cli(emulator, "plan", str(defs), cwd=cwd, env=env)
    assert refused.returncode == 1 and "001.yaml" in refused.stdout + refused.stderr
    assert_clean(refused.stdout + refused.stderr, *secrets)
    (defs / "001.yaml").unlink()

    planned = run_cli(emulator, "plan", str(defs), "--out", str(saved), cwd=cwd, env=env)
    assert planned.returncode in (0, 2), planned.stderr
    assert_clean(planned.stdout + planned.stderr + saved.read_text(), *secrets)

    # A server error that echoes the request, in plain, URL-encoded and base64 forms.
    echo = f"rejected {PASSPHRASE} / {urllib.parse.quote(ENV_CANARY)} / {base64.b64encode(PASSPHRASE.encode()).decode()}"
    emulator.add_faults({"method": "PUT", "path": "/api/syncs/*", "action": "error", "status": 422, "body": {"message": echo}})
    applied = run_cli(emulator, "apply", str(defs), "--auto-approve", "-vv", cwd=cwd, env=env)
    assert applied.returncode == 1  # Plain's update gets the server's 422 with the echo
    assert "422" in applied.stdout
    assert "(sensitive)" in applied.stdout
    assert_clean(applied.stdout + applied.stderr, *secrets)

    applied = run_cli(emulator, "apply", str(defs), "--plan", str(saved), "--auto-approve", "--format", "json", cwd=cwd, env=env)
    assert_clean(applied.stdout + applied.stderr, *secrets)


def test_deployment_key_never_leaks(emulator: Emulator, tmp_path: Path) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Basic auth")])
    env = cli_env(emulator, POLYTOMIC_DEPLOYMENT_KEY=DEPLOYMENT_KEY, POLYTOMIC_ORGANIZATION_ID=DEMO_ORG_ID)
    env.pop("POLYTOMIC_API_KEY")
    emulator.add_faults({"method": "POST", "path": "/api/syncs", "action": "error", "status": 400,
                         "body": {"message": f"bad header Basic {base64.b64encode(f'{DEMO_ORG_ID}:{DEPLOYMENT_KEY}'.encode()).decode()}"}})
    result = run_cli(emulator, "apply", str(defs), "--auto-approve", "-vv", cwd=project_dir(tmp_path / "p"), env=env)
    assert result.returncode == 1
    assert_clean(result.stdout + result.stderr, DEPLOYMENT_KEY)
