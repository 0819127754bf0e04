"""Shared pieces of the apply tests: definition documents, clients, CLI runs, emulator counts."""

from __future__ import annotations

import collections
import os
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from reconciler.api import PolytomicClient, RetryPolicy
from reconciler.apply import ApplyResult, apply_plan
from reconciler.config import ApiSettings, PruneScope
from reconciler.planning.model import Plan
from tests.support.emulator import (
    S3,
    SALESFORCE,
    USERS_MODEL,
    VERSION,
    WAREHOUSE,
    EmulatorControls,
)
from tests.support.cli import run_command

# Small delays and budgets keep fault tests fast; the timeout sits well below the latency faults.
FAST_TIMEOUT = 0.3
FAST_BUDGET = 2.0
FAST_BASE_DELAY = 0.02
LATENCY_MS = 700  # above FAST_TIMEOUT


def schedule(frequency: str) -> dict[str, Any]:
    """A schedule the emulator accepts for this frequency."""
    if frequency in ("daily", "weekly"):
        out = {"frequency": frequency, "hour": "3", "minute": "15"}
        if frequency == "weekly":
            out["day_of_week"] = "monday"
        return out
    return {"frequency": frequency}


def model_sync(name: str, *, frequency: str = "daily", fields: Iterable[str] = ("email", "first_name"),
               **extra: Any) -> dict[str, Any]:
    """A valid ModelSync definition document for the demo organisation."""
    doc: dict[str, Any] = {
        "kind": "ModelSync",
        "name": name,
        "mode": "updateOrCreate",
        "schedule": schedule(frequency),
        "target": {"connection_id": SALESFORCE, "object": "Contact"},
        "identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email", "function": "Equality"},
        "fields": [{"source": {"model_id": USERS_MODEL, "field": f}, "target": f.title().replace("_",
                                                                                                 "")} for f in fields],
    }
    doc.update(extra)
    return doc


def bulk_sync(name: str, *, frequency: str = "daily", **extra: Any) -> dict[str, Any]:
    """A valid BulkSync definition document for the demo organisation."""
    doc: dict[str, Any] = {
        "kind": "BulkSync",
        "name": name,
        "mode": "replicate",
        "source_connection_id": WAREHOUSE,
        "destination_connection_id": S3,
        "default_schedule": schedule(frequency),
        "destination_configuration": {"format": "parquet"},
    }
    doc.update(extra)
    return doc


def api_body(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The API request body of a definition document (reconciler keys removed)."""
    return {k: v for k, v in doc.items() if k not in ("kind", "id", "ignore_changes")}


def write_definitions(directory: Path, docs: Iterable[Mapping[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    for i, doc in enumerate(docs):
        (directory / f"{i:03d}.yaml").write_text(yaml.safe_dump(dict(doc), sort_keys=False), encoding="utf-8")
    return directory


def policy(budget: float = FAST_BUDGET, base_delay: float = FAST_BASE_DELAY) -> RetryPolicy:
    return RetryPolicy(max_attempts=10, base_delay=base_delay, max_delay=max(base_delay, 0.5), budget=budget)


def client_for(emulator: EmulatorControls, *, timeout: float = 10.0, budget: float = FAST_BUDGET) -> PolytomicClient:
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=timeout)
    return PolytomicClient(settings, retry=policy(budget), transport=emulator.transport)


def plan_dir(client: PolytomicClient, directory: Path, *, prune: PruneScope | None = None,
             environ: Mapping[str, str] | None = None) -> Plan:
    from reconciler.definitions.load import load_definitions
    from reconciler.planning.planner import plan_against

    definitions = load_definitions([str(directory)], environ=environ)
    return plan_against(client, definitions, prune=prune, parallelism=4)


def apply_dir(client: PolytomicClient, directory: Path, *, prune: PruneScope | None = None,
              parallelism: int = 4, environ: Mapping[str, str] | None = None) -> tuple[Plan, ApplyResult]:
    plan = plan_dir(client, directory, prune=prune, environ=environ)
    assert not plan.problems, plan.problems
    return plan, apply_plan(client, plan, parallelism=parallelism, policy=client.retry)


def cli_env(emulator: EmulatorControls, **extra: str) -> dict[str, str]:
    env = dict(emulator.env)
    env.update(
        RECONCILER_RETRY_BASE_DELAY=str(FAST_BASE_DELAY),
        RECONCILER_RETRY_BUDGET=str(FAST_BUDGET),
        RECONCILER_API_TIMEOUT=str(FAST_TIMEOUT),
    )
    env.pop("GITHUB_ACTIONS", None)
    env.update(extra)
    return env


def run_cli(emulator: EmulatorControls, *args: str, cwd: Path, env: Mapping[str, str] | None = None,
            stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``reconciler`` (stdin not a terminal): in this process for the in-process emulator,
    the installed command for a socket one."""
    return run_command(emulator, args, cwd=cwd, env=env if env is not None else cli_env(emulator),
                       stdin=stdin if stdin is not None else "", timeout=timeout)


def writes(emulator: EmulatorControls) -> int:
    """Non-GET API requests the emulator received since its request log was last cleared."""
    counts = emulator.requests()["counts"]
    return sum(n for route, n in counts.items() if not route.startswith("GET ") and "/api/" in route)


def list_all(emulator: EmulatorControls, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 50}
        if token:
            params["page_token"] = token
        r = emulator.api("GET", path, params=params)
        r.raise_for_status()
        body = r.json()
        items.extend(body.get("data") or [])
        token = (body.get("pagination") or {}).get("next_page_token")
        if not token:
            return items


def live_names(emulator: EmulatorControls) -> collections.Counter[tuple[str, str]]:
    """(kind, name) -> how many live syncs have it."""
    found: collections.Counter[tuple[str, str]] = collections.Counter()
    for item in list_all(emulator, "/api/syncs"):
        found[("ModelSync", item["name"])] += 1
    for item in list_all(emulator, "/api/bulk/syncs"):
        found[("BulkSync", item["name"])] += 1
    return found


def duplicates(emulator: EmulatorControls) -> list[tuple[str, str]]:
    return sorted(k for k, n in live_names(emulator).items() if n > 1)


def create_live(emulator: EmulatorControls, doc: Mapping[str, Any]) -> str:
    """Create a sync through the API (as a user would in the UI); returns its id."""
    path = "/api/syncs" if doc["kind"] == "ModelSync" else "/api/bulk/syncs"
    r = emulator.api("POST", path, json=api_body(doc))
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def project_dir(root: Path, *, prune: Mapping[str, Any] | None = None) -> Path:
    """A working directory with an optional reconciler.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "reconciler.yaml"
    if prune is not None:
        config.write_text(yaml.safe_dump({"prune": dict(prune)}), encoding="utf-8")
    elif config.exists():
        config.unlink()
    return root


def environ_with(**values: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(values)
    return env
