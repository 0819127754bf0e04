"""Plan after apply is empty, and a second apply sends no write: for generated sets of definitions
(creates, updates, deletes mixed) and for the shipped examples."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.config import PruneScope
from tests.apply.helpers import (
    apply_dir,
    bulk_sync,
    cli_env,
    client_for,
    create_live,
    live_names,
    model_sync,
    plan_dir,
    project_dir,
    run_cli,
    write_definitions,
    writes,
)
from tests.support.emulator import USERS_MODEL, Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "syncs"
ENV_NAME = "RECONCILER_HYPOTHESIS_SECRET"
ENVIRON = {**os.environ, ENV_NAME: "hypothesis-secret-value"}
PREFIX = "h-"
FIELDS = ("email", "first_name", "last_name", "plan", "is_active")


@st.composite
def model_variant(draw: st.DrawFn, name: str) -> dict[str, Any]:
    fields = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    doc = model_sync(name, frequency=draw(st.sampled_from(["hourly", "daily", "manual"])), fields=fields)
    if draw(st.booleans()):
        doc["active"] = draw(st.booleans())
    if draw(st.booleans()):
        doc["sync_all_records"] = True
    if draw(st.booleans()):
        value = draw(st.sampled_from(["pro", "free", f"${{env:{ENV_NAME}}}"]))
        doc["filters"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": value}]
    if draw(st.booleans()):
        doc["override_fields"] = [{"target": "LeadSource", "override_value": draw(st.sampled_from(["git", "ops"]))}]
    if draw(st.booleans()):
        doc["encryption_passphrase"] = draw(st.sampled_from(["pass-one-1234", "pass-two-5678"]))
    if draw(st.integers(0, 4)) == 0:
        doc["target"] = {"connection_id": doc["target"]["connection_id"], "create": {"name": f"Obj{name[-1]}"}}
    return doc


@st.composite
def bulk_variant(draw: st.DrawFn, name: str) -> dict[str, Any]:
    doc = bulk_sync(name, frequency=draw(st.sampled_from(["hourly", "daily", "manual"])))
    if draw(st.booleans()):
        doc["active"] = draw(st.booleans())
    if draw(st.booleans()):
        doc["schemas"] = draw(st.lists(st.sampled_from(["public.users", "public.accounts", "public.events"]),
                                       min_size=1, max_size=3, unique=True))
    return doc


STATES = ("absent", "live-only", "defined-only", "both-same", "both-different")


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(live docs to create first, definition docs)."""
    live: list[dict[str, Any]] = []
    defined: list[dict[str, Any]] = []
    count = draw(st.integers(2, 6))
    for i in range(count):
        kind = draw(st.sampled_from(["ModelSync", "ModelSync", "BulkSync"]))
        name = f"{PREFIX}{kind[0].lower()}{i}"
        variant = model_variant if kind == "ModelSync" else bulk_variant
        state = draw(st.sampled_from(STATES))
        first = draw(variant(name))
        if state in ("live-only", "both-same", "both-different"):
            live.append(first)
        if state == "both-same" or state == "defined-only":
            defined.append(first)
        elif state == "both-different":
            defined.append(draw(variant(name)))
    return live, defined


def _seed_live(emulator: Emulator, docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        text = json.dumps(doc).replace(f"${{env:{ENV_NAME}}}", ENVIRON[ENV_NAME])
        create_live(emulator, json.loads(text))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario())
def test_generated_definitions_converge(emulator: Emulator, case: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    live, defined = case
    emulator.reset()
    _seed_live(emulator, live)
    scope = PruneScope(name_prefix=PREFIX)
    with tempfile.TemporaryDirectory() as tmp, client_for(emulator) as client:
        defs = write_definitions(Path(tmp) / "syncs", defined)
        plan, result = apply_dir(client, defs, prune=scope, environ=ENVIRON)
        assert result.ok, [o for o in result.outcomes if o.status != "done"]
        after = plan_dir(client, defs, prune=scope, environ=ENVIRON)
        assert not after.has_changes, [(c.key, c.action, c.diffs) for c in after.pending]
        emulator.clear_requests()
        _, second = apply_dir(client, defs, prune=scope, environ=ENVIRON)
        assert second.outcomes == ()
        assert writes(emulator) == 0
    names = live_names(emulator)
    assert {n for (_, n), c in names.items() if c} == {d["name"] for d in defined}
    assert all(c <= 1 for c in names.values())


def test_examples_converge(emulator: Emulator, tmp_path: Path) -> None:
    env = cli_env(emulator, DEMO_ENCRYPTION_PASSPHRASE="demo-passphrase-not-a-real-secret")
    cwd = project_dir(tmp_path / "project")
    first = run_cli(emulator, "apply", str(EXAMPLES), "--auto-approve", cwd=cwd, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    plan = run_cli(emulator, "plan", str(EXAMPLES), "--detailed-exitcode", cwd=cwd, env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    emulator.clear_requests()
    again = run_cli(emulator, "apply", str(EXAMPLES), "--auto-approve", cwd=cwd, env=env)
    assert again.returncode == 0 and "No changes." in again.stdout
    assert writes(emulator) == 0
