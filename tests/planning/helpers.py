"""Shared pieces of the planning tests: definitions, live syncs on the emulator, plans."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from reconciler.api.client import PolytomicClient
from reconciler.api.retry import RetryPolicy
from reconciler.config import ApiSettings, PruneScope
from reconciler.definitions.model import Definition
from reconciler.errors import Position
from reconciler.planning.model import Change, Plan
from reconciler.planning.planner import plan_against
from tests.support.emulator import (
    ACCOUNTS_MODEL,
    HUBSPOT,
    S3,
    SALESFORCE,
    USERS_MODEL,
    VERSION,
    WAREHOUSE,
    EmulatorControls,
)
from tests.support.cli import run_command

PLAN_FILTER = {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "pro"}
ACTIVE_FILTER = {"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"}


def users_sync(name: str, **extra: Any) -> dict[str, Any]:
    """A ModelSync request body: warehouse users to Salesforce contacts."""
    body: dict[str, Any] = {
        "name": name,
        "mode": "updateOrCreate",
        "schedule": {"frequency": "daily", "hour": "6", "minute": "30"},
        "target": {"connection_id": SALESFORCE, "object": "Contact"},
        "identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email", "function": "Equality"},
        "fields": [
            {"source": {"model_id": USERS_MODEL, "field": "first_name"}, "target": "FirstName"},
            {"source": {"model_id": USERS_MODEL, "field": "last_name"}, "target": "LastName"},
        ],
    }
    body.update(copy.deepcopy(extra))
    return body


def accounts_to_hubspot(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "mode": "create",
        "schedule": {"frequency": "hourly"},
        "target": {"connection_id": HUBSPOT, "create": {"name": "acme_accounts"}},
        "fields": [{"source": {"model_id": ACCOUNTS_MODEL, "field": "name"}, "target": "name"}],
    }
    body.update(copy.deepcopy(extra))
    return body


def bulk(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "mode": "replicate",
        "source_connection_id": WAREHOUSE,
        "destination_connection_id": S3,
        "default_schedule": {"frequency": "daily", "hour": "2", "minute": "0"},
        "destination_configuration": {"format": "parquet"},
    }
    body.update(copy.deepcopy(extra))
    return body


def definition(kind: str, body: Mapping[str, Any], *, pinned: str | None = None, line: int = 1,
               ignore: Sequence[str] = (), sensitive: Iterable[str] = (), templates: Mapping[str, str] | None = None,
               ) -> Definition:
    return Definition(kind=kind, name=str(body["name"]), spec=copy.deepcopy(dict(body)),  # type: ignore[arg-type]
                      position=Position("syncs/test.yaml", line, 1), pinned_id=pinned, ignore_changes=tuple(ignore),
                      sensitive_paths=frozenset(sensitive), templates=dict(templates or {}))


def model(body: Mapping[str, Any], **kw: Any) -> Definition:
    return definition("ModelSync", body, **kw)


def bulk_def(body: Mapping[str, Any], **kw: Any) -> Definition:
    return definition("BulkSync", body, **kw)


def client_for(emulator: EmulatorControls) -> PolytomicClient:
    settings = ApiSettings(url=emulator.url, version=VERSION, api_key=emulator.api_key, timeout=10)
    return PolytomicClient(settings, retry=RetryPolicy(max_attempts=3, base_delay=0.01, budget=5),
                           transport=emulator.transport)


def plan(emulator: EmulatorControls, definitions: Sequence[Definition], *, prune: PruneScope | None = None,
         parallelism: int = 4, **options: Any) -> Plan:
    with client_for(emulator) as client:
        return plan_against(client, definitions, prune=prune, parallelism=parallelism, **options)


def path_of(kind: str) -> str:
    return "/api/syncs" if kind == "ModelSync" else "/api/bulk/syncs"


def create(emulator: EmulatorControls, kind: str, body: Mapping[str, Any]) -> str:
    r = emulator.api("POST", path_of(kind), json=dict(body))
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def put(emulator: EmulatorControls, kind: str, sync_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    r = emulator.api("PUT", f"{path_of(kind)}/{sync_id}", json=dict(body))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def get(emulator: EmulatorControls, kind: str, sync_id: str) -> dict[str, Any]:
    r = emulator.api("GET", f"{path_of(kind)}/{sync_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def only(plan_: Plan) -> Change:
    assert not plan_.problems, plan_.problems
    assert len(plan_.changes) == 1, plan_.changes
    return plan_.changes[0]


def changed_paths(change: Change) -> list[str]:
    """Paths of the diffs that are real changes (not write-only values sent again)."""
    return [d.path for d in change.diffs if not d.write_only]


def write_yaml(directory: Path, docs: Iterable[Mapping[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(docs):
        (directory / f"{i:03d}.yaml").write_text(yaml.safe_dump(dict(doc), sort_keys=False), encoding="utf-8")
    return directory


def run_cli(emulator: EmulatorControls, *args: str, cwd: Path, env: Mapping[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """``reconciler *args`` (in this process for the in-process emulator; stdin empty, not a terminal)."""
    full_env = dict(emulator.env)
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    return run_command(emulator, args, cwd=cwd, env=full_env)
