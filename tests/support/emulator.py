"""Runs the real emulator (`reconciler emulator`) as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

API_KEY = "test-api-key-0123456789"
VERSION = "2025-09-18"

DEMO_ORG_ID = "0a000000-0000-4000-8000-000000000001"
OTHER_ORG_ID = "0a000000-0000-4000-8000-000000000002"
OTHER_ORG_KEY = "other-org-api-key"
DEPLOYMENT_KEY = "demo-deployment-key"
WAREHOUSE = "c0000000-0000-4000-8000-000000000001"
SALESFORCE = "c0000000-0000-4000-8000-000000000002"
HUBSPOT = "c0000000-0000-4000-8000-000000000003"
S3 = "c0000000-0000-4000-8000-000000000004"
OTHER_WAREHOUSE = "c0000000-0000-4000-8000-000000000101"
USERS_MODEL = "a0000000-0000-4000-8000-000000000001"
ACCOUNTS_MODEL = "a0000000-0000-4000-8000-000000000002"
EVENTS_MODEL = "a0000000-0000-4000-8000-000000000003"
OTHER_USERS_MODEL = "a0000000-0000-4000-8000-000000000101"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reconciler_command() -> list[str]:
    exe = shutil.which("reconciler", path=str(Path(sys.executable).parent)) or shutil.which("reconciler")
    return [exe] if exe else [sys.executable, "-m", "reconciler"]


def standalone_command() -> list[str]:
    """The emulator without the CLI package (`python -m reconciler.emulator`, same options)."""
    return [sys.executable, "-m", "reconciler.emulator"]


class EmulatorControls:
    """A client for an emulator's API and test controls; the socket and in-process emulators share it."""

    url: str
    api_key: str
    #: the client's transport seam to reach this emulator (None: over sockets, at ``url``)
    transport: httpx.BaseTransport | None = None
    _http: httpx.Client

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

    def faults(self) -> list[dict[str, Any]]:
        """The active fault rules with their `matched`/`fired` counters."""
        r = self._http.get("/_emulator/faults")
        r.raise_for_status()
        return r.json()["data"]["rules"]

    def clear_faults(self) -> None:
        self._http.delete("/_emulator/faults").raise_for_status()

    def settings(self, **values: Any) -> dict[str, Any]:
        """Change settings (none given: just read them); returns the current settings."""
        if values:
            r = self._http.put("/_emulator/settings", json=values)
        else:
            r = self._http.get("/_emulator/settings")
        r.raise_for_status()
        return r.json()["data"]

    def seed(self, **payload: Any) -> dict[str, Any]:
        r = self._http.post("/_emulator/seed", json=payload)
        r.raise_for_status()
        return r.json()["data"]

    def append_execution(self, sync_id: str, **body: Any) -> dict[str, Any]:
        """Append a finished execution (`status`, `counts`, `errors`) to a sync's history."""
        r = self._http.post(f"/_emulator/syncs/{sync_id}/executions", json=body)
        r.raise_for_status()
        return r.json()["data"]

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request as given (no credentials added)."""
        return self._http.request(method, path, **kwargs)


@dataclass
class Emulator(EmulatorControls):
    """A running emulator process and a small client for its test controls."""

    url: str
    api_key: str
    process: subprocess.Popen[bytes]
    stderr_file: IO[bytes] | None = None
    _http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=30)

    def stderr(self) -> str:
        """What the process wrote to stderr so far."""
        if self.stderr_file is None:
            return ""
        self.stderr_file.flush()
        with open(self.stderr_file.name, "rb") as fh:
            return fh.read().decode(errors="replace")

    def stop(self) -> None:
        self._http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.stderr_file is not None:
            self.stderr_file.close()
            Path(self.stderr_file.name).unlink(missing_ok=True)


def _launch(command: list[str], args: list[str], api_key: str, host: str) -> Emulator:
    port = free_port()
    stderr = tempfile.NamedTemporaryFile(prefix="emulator-", suffix=".log", delete=False)  # noqa: SIM115
    full = [*command, "emulator", *args] if command == reconciler_command() else [*command, *args]
    full += ["--host", host, "--port", str(port), "--api-key", api_key]
    proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=stderr)
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "127.0.0.1") else host  # noqa: S104
    url = f"http://{connect_host}:{port}"
    emu = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stderr.flush()
            err = Path(stderr.name).read_text(errors="replace")
            stderr.close()
            Path(stderr.name).unlink(missing_ok=True)
            raise RuntimeError(f"emulator exited with {proc.returncode}: {err}")
        try:
            httpx.get(f"{url}/_emulator/settings", timeout=1)
            emu = Emulator(url=url, api_key=api_key, process=proc, stderr_file=stderr)
            return emu
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("emulator did not start within 30 s")


def start_emulator(*extra_args: str, api_key: str = API_KEY, db: str | None = None,
                   host: str = "127.0.0.1") -> Emulator:
    """Start `reconciler emulator` (falls back to `python -m reconciler.emulator`, same options,
    only when the `reconciler` CLI package itself cannot be imported)."""
    args = list(extra_args)
    if db:
        args += ["--db", db]
    try:
        return _launch(reconciler_command(), args, api_key, host)
    except RuntimeError as exc:
        if "Error" not in str(exc) or "Traceback" not in str(exc):
            raise
        print(f"warning: `reconciler emulator` failed to start; using python -m reconciler.emulator\n{exc}",
              file=sys.stderr)
        return _launch(standalone_command(), args, api_key, host)
