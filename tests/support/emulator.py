"""Runs the real emulator (`reconciler emulator`) as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

API_KEY = "test-api-key-0123456789"
VERSION = "2025-09-18"

DEMO_ORG_ID = "0a000000-0000-4000-8000-000000000001"
OTHER_ORG_ID = "0a000000-0000-4000-8000-000000000002"
OTHER_ORG_KEY = "other-org-api-key"
WAREHOUSE = "c0000000-0000-4000-8000-000000000001"
SALESFORCE = "c0000000-0000-4000-8000-000000000002"
HUBSPOT = "c0000000-0000-4000-8000-000000000003"
S3 = "c0000000-0000-4000-8000-000000000004"
USERS_MODEL = "a0000000-0000-4000-8000-000000000001"
ACCOUNTS_MODEL = "a0000000-0000-4000-8000-000000000002"
EVENTS_MODEL = "a0000000-0000-4000-8000-000000000003"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reconciler_command() -> list[str]:
    exe = shutil.which("reconciler", path=str(Path(sys.executable).parent)) or shutil.which("reconciler")
    return [exe] if exe else [sys.executable, "-m", "reconciler"]


@dataclass
class Emulator:
    """A running emulator process and a small client for its test controls."""

    url: str
    api_key: str
    process: subprocess.Popen[bytes]
    _http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=30)

    @property
    def env(self) -> dict[str, str]:
        """Environment for running the CLI against this emulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLYTOMIC_")}
        env.update(POLYTOMIC_API_URL=self.url, POLYTOMIC_API_KEY=self.api_key)
        return env

    def headers(self, api_key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key or self.api_key}", "X-Polytomic-Version": VERSION}

    def api(self, method: str, path: str, api_key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(api_key), **kwargs.pop("headers", {})}
        return self._http.request(method, path, headers=headers, **kwargs)

    def reset(self) -> None:
        self._http.post("/_emulator/reset").raise_for_status()

    def requests(self) -> dict[str, Any]:
        r = self._http.get("/_emulator/requests")
        r.raise_for_status()
        return r.json()["data"]

    def clear_requests(self) -> None:
        self._http.delete("/_emulator/requests").raise_for_status()

    def add_faults(self, *rules: dict[str, Any]) -> None:
        self._http.post("/_emulator/faults", json={"rules": list(rules)}).raise_for_status()

    def clear_faults(self) -> None:
        self._http.delete("/_emulator/faults").raise_for_status()

    def settings(self, **values: Any) -> None:
        self._http.put("/_emulator/settings", json=values).raise_for_status()

    def seed(self, **payload: Any) -> dict[str, Any]:
        r = self._http.post("/_emulator/seed", json=payload)
        r.raise_for_status()
        return r.json()["data"]

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._http.request(method, path, **kwargs)

    def stop(self) -> None:
        self._http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_emulator(*extra_args: str, api_key: str = API_KEY, db: str | None = None) -> Emulator:
    port = free_port()
    args = [*reconciler_command(), "emulator", "--host", "127.0.0.1", "--port", str(port), "--api-key", api_key]
    if db:
        args += ["--db", db]
    args += list(extra_args)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"emulator exited with {proc.returncode}: {err}")
        try:
            httpx.get(f"{url}/_emulator/settings", timeout=1)
            return Emulator(url=url, api_key=api_key, process=proc)
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("emulator did not start within 30 s")
