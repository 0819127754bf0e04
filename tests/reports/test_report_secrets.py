"""Sensitive values never reach drift/status output, whatever escaping a format applies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reports.helpers import create, run, users_to_salesforce, write_definitions
from tests.support.emulator import Emulator

# Characters that JSON (quote, backslash, non-ASCII) and Markdown (underscore, star) escape.
ENV_SECRET = 'tök"en\\with_env*9'
PASSPHRASE = 'Pass"phrase\\lit_eral*7'


def escaped_forms(secret: str) -> set[str]:
    md = "".join("\\" + ch if ch in "\\`*_{}[]<>|#~" else ch for ch in secret)
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], md}


@pytest.mark.parametrize("command", ["drift --format text", "drift --format json", "drift --format markdown",
                                     "status --format text", "status --format json"])
def test_execution_errors_echoing_secrets_are_scrubbed_in_every_format(emulator: Emulator, tmp_path: Path,
                                                                         command: str) -> None:
    live = users_to_salesforce()
    live["target"] = {**live["target"], "configuration": {"api_token": ENV_SECRET}}
    sync_id = create(emulator, "ModelSync", {**live, "encryption_passphrase": PASSPHRASE})
    doc = users_to_salesforce()
    doc["target"] = {**doc["target"], "configuration": {"api_token": "${env:REPORT_SECRET}"}}
    doc["encryption_passphrase"] = PASSPHRASE  # written literally: always sensitive
    write_definitions(tmp_path / "syncs", [doc])
    # A destination error that quotes the credentials back (as real destinations do).
    emulator.append_execution(sync_id, status="failed", errors=[f"auth failed: token={ENV_SECRET} pass={PASSPHRASE}"])
    result = run(emulator, *command.split(), cwd=tmp_path, env={"REPORT_SECRET": ENV_SECRET})
    assert result.returncode in (0, 2), result.stdout + result.stderr
    assert "auth failed: token=" in result.stdout.replace("\\", "")  # the message itself is shown
    output = result.stdout + result.stderr
    for secret in (ENV_SECRET, PASSPHRASE):
        for form in escaped_forms(secret):
            assert form not in output, f"leaked {form!r} via {command}"


def test_redactor_scrubs_json_and_markdown_escaped_forms() -> None:
    from reconciler.render.markdown import escape
    from reconciler.secrets import Redactor

    redactor = Redactor()
    redactor.add(PASSPHRASE)
    redactor.add("line one\nline_two")
    for text in (json.dumps({"m": PASSPHRASE}), json.dumps({"m": PASSPHRASE}, ensure_ascii=False),
                 escape(f"error {PASSPHRASE}"), escape("error line one\nline_two")):
        scrubbed = redactor.scrub(text)
        assert "(sensitive)" in scrubbed and "lit" not in scrubbed and "line" not in scrubbed, scrubbed
