"""Every read is bounded: looping page tokens, a page cap, a total deadline against a dribbling
body, a size cap, and one clear line for an answer of the wrong shape (emulator fault rules)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import httpx
import pytest

from reconciler.api import PolytomicClient
from reconciler.api import client as client_module
from reconciler.config import ApiSettings
from reconciler.errors import ApiError
from tests.apply.helpers import cli_env, client_for, create_live, model_sync, project_dir, run_cli, write_definitions
from tests.support.emulator import Emulator


def _listing_requests(emulator: Emulator) -> int:
    return emulator.requests()["counts"].get("GET /api/syncs", 0)


@pytest.mark.parametrize("syncs", [3, 60])  # one page (loops to page one), two pages (loops to page two)
def test_a_looping_page_token_ends_every_command_with_one_line(emulator: Emulator, tmp_path: Path, syncs: int) -> None:
    emulator.seed(model_syncs=[model_sync(f"Looped {i:03d}") for i in range(syncs)])
    defs = write_definitions(tmp_path / "syncs", [model_sync("Looped 000")])
    cwd = project_dir(tmp_path / "project")
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "loop_token"})
    for command in (["plan", str(defs)], ["drift", str(defs)], ["status", str(defs)], ["apply", str(defs),
                                                                                       "--auto-approve"],
                    ["export", "--out", str(tmp_path / "exported")]):
        emulator.clear_requests()
        result = run_cli(emulator, *command, cwd=cwd, timeout=60)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "repeats a page token" in result.stderr and "Traceback" not in result.stderr, command
        assert _listing_requests(emulator) <= 4, command


def test_a_listing_longer_than_the_page_cap_is_stopped(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.seed(model_syncs=[model_sync(f"Many {i:03d}") for i in range(160)])
    monkeypatch.setattr(client_module, "MAX_PAGES", 3)  # the cap itself, lowered so 4 pages exceed it
    with client_for(emulator) as client, pytest.raises(ApiError, match="did not end within 3 pages"):
        client.list_model_syncs()
    assert _listing_requests(emulator) == 3


def test_a_dribbling_body_is_cut_at_the_total_deadline(emulator: Emulator, tmp_path: Path) -> None:
    sync_id = create_live(emulator, model_sync("Slow"))
    emulator.add_faults({"method": "GET", "path": "/api/syncs/*", "action": "dribble", "interval_ms": 300})
    with client_for(emulator, timeout=1.0) as client, pytest.raises(ApiError, match="total deadline"):
        client.get_model_sync(sync_id)  # every single read is fast; the whole answer would take minutes
    defs = write_definitions(tmp_path / "syncs", [model_sync("Slow")])
    result = run_cli(emulator, "plan", str(defs), cwd=project_dir(tmp_path / "project"),
                     env=cli_env(emulator, RECONCILER_API_TIMEOUT="1"), timeout=60)
    assert result.returncode == 1 and "total deadline" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.e2e  # the client's peak memory, without the server's
def test_an_oversized_answer_is_refused_while_streaming(emulator: Emulator) -> None:
    emulator.add_faults({"method": "GET", "path": "/api/syncs", "action": "pad", "bytes": 8_000_000})
    with client_for(emulator) as client:
        client.max_response_bytes = 1024 * 1024
        tracemalloc.start()
        try:
            with pytest.raises(ApiError, match="larger than 1 MB"):
                client.list_model_syncs()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # aborted at the cap, never the whole 8 MB in memory


@pytest.mark.parametrize("data", ["a string", [1, 2], None])
def test_a_wrong_data_shape_is_one_line_naming_method_path_and_expectation(emulator: Emulator, tmp_path: Path,
                                                                          data: object) -> None:
    create_live(emulator, model_sync("Shaped"))
    emulator.add_faults({"method": "GET", "path": "/api/syncs/*", "action": "wrong_shape", "data": data})
    defs = write_definitions(tmp_path / "syncs", [model_sync("Shaped", frequency="hourly")])
    result = run_cli(emulator, "plan", str(defs), cwd=project_dir(tmp_path / "project"), timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert "GET " in line and "/api/syncs/" in line and "expected an object under `data`" in line


def test_a_compressed_answer_is_decoded_once_and_capped_once_decoded() -> None:
    small = gzip.compress(json.dumps({"data": {"id": "s1", "name": "Zipped"}}).encode())
    bomb = gzip.compress(b'{"data": {"padding": "' + b"0" * 5_000_000 + b'"}}')  # ~5 KB on the wire

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"},
                              content=bomb if "bomb" in request.url.path else small)

    settings = ApiSettings(url="https://api.example.com", version="2025-09-18", api_key="test-key-1234")
    with PolytomicClient(settings, transport=httpx.MockTransport(answer), max_response_bytes=1024 * 1024) as client:
        assert client.get_model_sync("s1") == {"id": "s1", "name": "Zipped"}
        with pytest.raises(ApiError, match="larger than 1 MB"):
            client.get_model_sync("bomb")
