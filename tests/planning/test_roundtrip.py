"""Round trip on the emulator: whatever is created through the API from a definition plans as no change."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.definitions.load import load_definitions
from reconciler.planning.planner import plan_against
from reconciler.planning.references import Resolver
from tests.planning.helpers import bulk, bulk_def, client_for, create, model, plan
from tests.support.emulator import (
    ACCOUNTS_MODEL,
    HUBSPOT,
    S3,
    SALESFORCE,
    USERS_MODEL,

    Emulator,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "syncs"
ENVIRON = {"DEMO_ENCRYPTION_PASSPHRASE": "demo-passphrase-for-tests"}
USERS_FIELDS = ("email", "first_name", "last_name", "plan", "account_id", "is_active", "lifetime_value")


def test_every_example_created_through_the_api_plans_as_no_change(emulator: Emulator) -> None:
    definitions = load_definitions([str(EXAMPLES)], environ=ENVIRON)
    assert len(definitions) >= 5
    with client_for(emulator) as client:
        first = plan_against(client, definitions)
        assert not first.problems and {c.action for c in first.changes} == {"create"}
        # Create in dependency order, substituting the ids of syncs created before (what apply does).
        created: dict[str, str] = {}
        remaining = list(first.changes)
        while remaining:
            change = next(c for c in remaining if set(c.depends_on) <= set(created))
            remaining.remove(change)
            body = Resolver(pending=frozenset()).resolve(change.body)[0]
            body = _substitute(body, created)
            created[change.key] = create(emulator, change.kind, body)
        again = plan_against(client, definitions)
    assert not again.problems
    assert [(c.key, c.action, c.diffs) for c in again.changes] == [(c.key, "no-op", ()) for c in first.changes]
    assert {c.sync_id for c in again.changes} == set(created.values())


def _substitute(value: Any, ids: dict[str, str]) -> Any:
    from reconciler.apply.refs import substitute

    return substitute(value, ids)


# ---- generated definitions --------------------------------------------------------------------

SOURCE = st.sampled_from(USERS_FIELDS)


@st.composite
def model_body(draw: st.DrawFn, name: str) -> dict[str, Any]:
    target_kind = draw(st.sampled_from(["salesforce", "hubspot-create", "s3"]))
    fields = draw(st.lists(SOURCE, min_size=1, max_size=4, unique=True))
    body: dict[str, Any] = {
        "name": name,
        "fields": [{"source": {"model_id": USERS_MODEL, "field": f}, "target": f"T_{f}"} for f in fields],
        "schedule": draw(st.sampled_from([
            {"frequency": "manual"}, {"frequency": "hourly", "minute": "5"},
            {"frequency": "daily", "hour": "3", "minute": "15"},
            {"frequency": "weekly", "day_of_week": "friday", "hour": "1", "minute": "0"},
        ])),
    }
    if target_kind == "salesforce":
        body["target"] = {"connection_id": SALESFORCE, "object": draw(st.sampled_from(["Contact", "Lead"]))}
        if draw(st.booleans()):
            body["target"]["configuration"] = {"ingestion_api": draw(st.sampled_from(["bulk", "rest"]))}
    elif target_kind == "s3":
        body["target"] = {"connection_id": S3, "object": "exports/users"}
    else:
        body["target"] = {"connection_id": HUBSPOT, "create": {"name": draw(st.sampled_from(["obj_a", "obj_b"]))}}
    body["mode"] = draw(st.sampled_from(["updateOrCreate", "update", "create", "append"]))
    if body["mode"] in ("updateOrCreate", "update") or draw(st.booleans()):
        body["identity"] = {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email",
                            "function": "Equality"}
        if draw(st.booleans()):
            body["identity"]["new_field"] = draw(st.booleans())
    for flag in ("active", "sync_all_records", "skip_initial_backfill", "only_enrich_updates"):
        if draw(st.booleans()):
            body[flag] = draw(st.booleans())
    filters = draw(st.lists(st.sampled_from([
        {"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "pro"},
        {"field": {"model_id": USERS_MODEL, "field": "is_active"}, "function": "True"},
        {"field": {"model_id": USERS_MODEL, "field": "lifetime_value"}, "function": "GreaterThan", "value": 10},
        {"field_id": "b0000000-0000-4000-8001-000000000002", "function": "IsNotNull"},
    ]), max_size=3, unique_by=lambda f: f["function"]))
    if filters or draw(st.booleans()):
        body["filters"] = copy.deepcopy(filters) or draw(st.sampled_from([None, []]))
    if len(filters) >= 2 and draw(st.booleans()):
        body["filter_logic"] = "A AND B"
    if draw(st.booleans()):
        body["override_fields"] = [{"target": "Source__c", "override_value": draw(st.sampled_from(["git", "ops"]))}]
    if draw(st.booleans()):
        body["overrides"] = [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality",
                              "value": "legacy", "override": "standard"}]
    if draw(st.booleans()):
        body["encryption_passphrase"] = "generated-passphrase"
    return body


@st.composite
def bulk_body(draw: st.DrawFn, name: str) -> dict[str, Any]:
    body = bulk(name, mode=draw(st.sampled_from(["replicate", "snapshot"])))
    if draw(st.booleans()):
        body["schemas"] = draw(st.lists(st.sampled_from(["public.users", "public.accounts", "public.events"]),
                                        min_size=0, max_size=3, unique=True))
    if draw(st.booleans()):
        body["additional_schedules"] = [{"frequency": "hourly", "minute": "10"}]
    if draw(st.booleans()):
        body["automatically_add_new_objects"] = draw(st.sampled_from(["all", "none", "onlyIncremental"]))
    if draw(st.booleans()):
        body["active"] = draw(st.booleans())
    return body


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(models=st.lists(st.integers(0, 10**6), min_size=1, max_size=3).flatmap(
           lambda seeds: st.tuples(*[model_body(f"gen-m{i}") for i in range(len(seeds))])),
       bulks=st.lists(st.integers(0, 10**6), max_size=2).flatmap(
           lambda seeds: st.tuples(*[bulk_body(f"gen-b{i}") for i in range(len(seeds))])))
def test_generated_definitions_round_trip(emulator: Emulator, models: tuple[dict[str, Any], ...],
                                          bulks: tuple[dict[str, Any], ...]) -> None:
    emulator.reset()
    definitions = [model(b, sensitive=["encryption_passphrase"]) for b in models] + [bulk_def(b) for b in bulks]
    for d in definitions:
        create(emulator, d.kind, d.spec)
    result = plan(emulator, definitions)
    assert not result.problems
    assert [(c.key, c.action, c.diffs) for c in result.changes if c.action != "no-op"] == []
    assert len(result.changes) == len(definitions)


def test_unused_model_ids_do_not_matter(emulator: Emulator) -> None:
    body = {"name": "Accounts", "mode": "create", "schedule": {"frequency": "manual"},
            "target": {"connection_id": SALESFORCE, "object": "Account"},
            "fields": [{"source": {"model_id": ACCOUNTS_MODEL, "field": "name"}, "target": "Name"}]}
    create(emulator, "ModelSync", body)
    assert plan(emulator, [model(body)]).changes[0].action == "no-op"
