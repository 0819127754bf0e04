"""Secrets and spoofing: credentials in the URL are refused without being echoed, the API key is
known to the redactor before any check can print it, and names and values with invisible,
bidirectional or look-alike characters are shown escaped / marked in the text and Markdown plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.api import PolytomicClient
from reconciler.config import ApiSettings
from reconciler.errors import ConfigError
from tests.apply.helpers import api_body, cli_env, list_all, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import VERSION, Emulator

KEY = "canary-key-5f3a9c1e77"


@pytest.mark.parametrize("url", [f"ftp://user:{KEY}@example.com", "http://user:pw@127.0.0.1:8765",
                                 f"https://{KEY}@api.example.com/"])
def test_credentials_in_the_url_are_refused_without_echoing_them(emulator: Emulator, tmp_path: Path, url: str) -> None:
    defs = write_definitions(tmp_path / "syncs", [model_sync("Any")])
    for command in (["plan", str(defs)], ["apply", str(defs), "--auto-approve"]):
        result = run_cli(emulator, *command, cwd=project_dir(tmp_path / "project"),
                         env=cli_env(emulator, POLYTOMIC_API_URL=url, POLYTOMIC_API_KEY=KEY))
        output = result.stdout + result.stderr
        assert result.returncode == 1 and "must not carry credentials" in output, output
        assert KEY not in output and ":pw@" not in output
    with pytest.raises(ConfigError, match="must not carry credentials") as caught:
        PolytomicClient(ApiSettings(url=url, version=VERSION, api_key="another-key-123"))
    assert KEY not in str(caught.value) and "pw@" not in str(caught.value)


def test_the_api_key_is_redacted_even_from_settings_validation(emulator: Emulator, tmp_path: Path) -> None:
    bad_url = f"gopher://{KEY}"  # not https: the check quotes the URL it refuses
    result = run_cli(emulator, "plan", str(write_definitions(tmp_path / "syncs", [model_sync("Any")])),
                     cwd=project_dir(tmp_path / "project"), env=cli_env(emulator, POLYTOMIC_API_URL=bad_url,
                                                                        POLYTOMIC_API_KEY=KEY))
    assert result.returncode == 1 and "https" in result.stderr
    assert KEY not in result.stdout + result.stderr and "(sensitive)" in result.stderr


def test_invisible_and_look_alike_characters_are_shown_in_text_and_markdown(emulator: Emulator, tmp_path: Path) -> None:
    hidden = "Users\u200b to CRM"  # a zero-width space
    flipped = "Daily \u202eexport"  # a right-to-left override
    lookalike = "Us\u0435rs"  # a Cyrillic "е"
    doc = model_sync(hidden)
    doc["fields"][1]["target"] = "First\u200bName"  # a value (the target object must exist: the plan checks it)
    defs = write_definitions(tmp_path / "syncs", [doc, model_sync(flipped), model_sync(lookalike)])
    cwd = project_dir(tmp_path / "project")
    for fmt in ("text", "markdown"):
        result = run_cli(emulator, "plan", str(defs), "--format", fmt, cwd=cwd)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "\u200b" not in out and "\u202e" not in out, fmt
        assert "Users\\u200b to CRM" in out and "\\u202eexport" in out and "First\\u200bName" in out, out
        assert "(mixed scripts: CYRILLIC+LATIN)" in out, out
    applied = run_cli(emulator, "apply", str(defs), "--auto-approve", cwd=cwd)
    assert applied.returncode == 0 and "\u200b" not in applied.stdout + applied.stderr
    assert "Users\\u200b to CRM" in applied.stdout
    (hidden_id,) = [i["id"] for i in list_all(emulator, "/api/syncs") if i["name"] == hidden]
    edited = emulator.api("PUT", f"/api/syncs/{hidden_id}", json=api_body(model_sync(hidden, frequency="hourly")))
    assert edited.status_code == 200, edited.text
    for command in (["drift", str(defs)], ["drift", str(defs), "--format", "markdown"], ["status", str(defs)]):
        result = run_cli(emulator, *command, cwd=cwd)
        assert result.returncode in (0, 2), result.stderr
        assert "\u200b" not in result.stdout and "\u202e" not in result.stdout, command
        assert "\\u200b to CRM" in result.stdout, (command, result.stdout)  # Markdown doubles the backslash
