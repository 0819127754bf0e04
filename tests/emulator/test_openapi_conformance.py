"""What the emulator accepts is valid against the OpenAPI request schema, and every answer is valid
against the response schema (JSON Schema 2020-12 over `#/components/schemas/...`)."""

from __future__ import annotations

import base64
import copy
import json
import time
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.emulator import openapi
from tests.emulator.helpers import bulk_body, full_sync_body, sync_body
from tests.support.emulator import (
    ACCOUNTS_MODEL,
    DEMO_ORG_ID,
    DEPLOYMENT_KEY,
    EVENTS_MODEL,
    HUBSPOT,
    OTHER_ORG_KEY,
    S3,
    SALESFORCE,
    USERS_MODEL,
    WAREHOUSE,
    Emulator,
)
from tests.support.inprocess import InProcessEmulator


class Driver:
    """Calls the emulator and records every exchange."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.recorder = openapi.Recorder()

    def __call__(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        response = self.emulator.api(method, path, json=body, **kw)
        payload = response.json() if response.content else None
        self.recorder.record(method, path, body, response.status_code, payload)
        return payload


def check_all(recorder: openapi.Recorder) -> int:
    failures = []
    checked = 0
    for ex in recorder.exchanges:
        req = openapi.request_ref(ex.method, ex.path)
        if ex.status == 200 and req is not None and ex.request is not None:
            bad = openapi.problems(req, ex.request)
            if bad:
                failures.append(f"accepted request {ex.method} {ex.path} invalid vs {req}: {bad}")
            checked += 1
        res = openapi.response_ref(ex.method, ex.path, ex.status)
        if ex.response is None:
            assert ex.status == 200 and ex.method == "DELETE", ex
            continue
        assert res is not None, f"no response schema for {ex.method} {ex.path} {ex.status}"
        bad = openapi.problems(res, ex.response)
        if bad:
            failures.append(f"response {ex.method} {ex.path} {ex.status} invalid vs {res}: {bad}\n"
                            f"{json.dumps(ex.response)[:600]}")
        checked += 1
    assert not failures, "\n".join(failures)
    return checked


def test_broad_sample_of_requests_and_responses(emulator: Emulator) -> None:
    emulator.settings(execution_running_after=0.01, execution_completed_after=0.05)
    call = Driver(emulator)
    call("GET", "/api/me")
    basic = base64.b64encode(f"{DEMO_ORG_ID}:{DEPLOYMENT_KEY}".encode()).decode()
    call("GET", "/api/me", headers={"Authorization": f"Basic {basic}"})
    call("GET", "/api/connections")
    call("GET", f"/api/connections/{WAREHOUSE}")
    call("GET", "/api/models")
    call("GET", f"/api/models/{USERS_MODEL}")
    for conn in (WAREHOUSE, SALESFORCE, HUBSPOT, S3):
        call("GET", f"/api/connections/{conn}/bulksync/source")
        call("GET", f"/api/connections/{conn}/bulksync/source", params={"include_fields": "false"})
        call("GET", f"/api/connections/{conn}/modelsync/targetobjects")
    call("GET", f"/api/connections/{WAREHOUSE}/schemas/public.users")
    call("GET", f"/api/connections/{WAREHOUSE}/schemas/public.nope")

    bodies = [
        sync_body(),
        full_sync_body(),
        sync_body(target={"connection_id": HUBSPOT, "create": {"name": "Audience", "type": "static"}},
                  fields=[{"target": "x", "override_value": "1", "encryption_enabled": True}]),
        sync_body(mode="remove", identity={"source": {"model_id": EVENTS_MODEL, "field": "id"}, "target": "id",
                                           "function": "Equality", "new_field": True,
                                           "remote_field_type_id": None}),
        sync_body(mode="snapshot", target={"connection_id": S3, "object": "exports/users"},
                  schedule={"frequency": "weekly", "day_of_week": "friday", "hour": "23", "minute": "59"},
                  filters=[{"field_id": "b0000000-0000-4000-8002-000000000004", "function": "StringOneOf",
                            "value": ["a", "b"]},
                           {"field_id": "Email", "field_type": "Target", "function": "IsNotNull", "label": "Z"}],
                  filter_logic="A or Z"),
        sync_body(schedule={"frequency": "dbtcloud", "connection_id": WAREHOUSE, "job_id": 42}),
        sync_body(mode="append", target={"connection_id": WAREHOUSE, "object": "public.log",
                                         "search_values": {"k": [1]}, "new_name": "log", "filter_logic": ""},
                  overrides=[{"field_id": "b0000000-0000-4000-8001-000000000005", "function": "Equality",
                              "value": "x", "override": None}],
                  fields=[{"source": {"model_id": ACCOUNTS_MODEL, "field": "arr"}, "target": "arr",
                           "sync_mode": "updateOrCreate"}]),
    ]
    ids = [call("POST", "/api/syncs", body)["data"]["id"] for body in bodies]
    call("POST", "/api/syncs", sync_body(schedule={"frequency": "runafter",
                                                   "run_after": {"sync_ids": ids[:2]},
                                                   "run_after_success_only": False}))
    for sync_id in ids:
        call("GET", f"/api/syncs/{sync_id}")
    call("GET", "/api/syncs")
    call("GET", "/api/syncs", params={"limit": 3})
    token = call("GET", "/api/syncs", params={"limit": 3})["pagination"]["next_page_token"]
    call("GET", "/api/syncs", params={"limit": 3, "page_token": token})
    call("GET", "/api/syncs", params={"mode": "create", "active": "false"})
    emulator.settings(list_items="full")
    call("GET", "/api/syncs")
    emulator.settings(list_items="light")
    call("PUT", f"/api/syncs/{ids[0]}", full_sync_body())
    call("PATCH", f"/api/syncs/{ids[1]}", sync_body(active=True))
    call("POST", f"/api/syncs/{ids[0]}/activate", {"active": True})
    call("GET", f"/api/syncs/{ids[0]}/status")
    execution = call("POST", f"/api/syncs/{ids[0]}/executions", {"resync": False, "test": False,
                                                                 "identities": None})["data"]
    call("GET", f"/api/syncs/{ids[0]}/status")
    call("POST", f"/api/syncs/{ids[0]}/executions")  # 409
    time.sleep(0.1)
    call("GET", f"/api/syncs/{ids[0]}/status")
    call("GET", f"/api/syncs/{ids[0]}/executions")
    call("GET", f"/api/syncs/{ids[0]}/executions/{execution['id']}")
    emulator.append_execution(ids[1], status="failed", errors=["x"])
    call("GET", f"/api/syncs/{ids[1]}/status")
    emulator.settings(execution_completed_after=30)
    call("POST", f"/api/syncs/{ids[1]}/executions")
    call("POST", f"/api/syncs/{ids[1]}/cancel")
    call("POST", f"/api/syncs/{ids[1]}/cancel")  # 409
    call("DELETE", f"/api/syncs/{ids[2]}")
    # errors
    call("GET", f"/api/syncs/{ids[2]}")
    call("POST", "/api/syncs", {"name": 1})
    call("POST", "/api/syncs", sync_body(mode="update"))
    call("GET", "/api/syncs", params={"page_token": "garbage"})
    call("GET", "/api/syncs", api_key="nope")
    call("GET", f"/api/syncs/{ids[0]}", api_key=OTHER_ORG_KEY)

    bulk_bodies = [
        bulk_body(),
        bulk_body(mode="replicate", active=True, schemas=["public.users", {"id": "public.events", "enabled": True,
                                                                            "fields": ["id", {"id": "user_id",
                                                                                              "obfuscate": True}],
                                                                            "filters": [{"field_id": "id",
                                                                                         "function": "IsNotNull"}],
                                                                            "partition_key": None,
                                                                            "data_cutoff_timestamp": None}],
                  additional_schedules=[{"frequency": "weekly", "day_of_week": "monday", "hour": "1", "minute": "0",
                                         "resync_mode": "refetch", "selective_mode": "none",
                                         "schemas": ["public.users"]}],
                  concurrency_limit=4, data_cutoff_timestamp="2024-05-01T00:00:00Z",
                  source_configuration={"replication_slot": "s"}, normalize_names="disabled"),
        bulk_body(source_connection_id=SALESFORCE, destination_connection_id=WAREHOUSE,
                  default_schedule={"frequency": "hourly", "minute": "10"}, source_configuration=None),
    ]
    bulk_ids = [call("POST", "/api/bulk/syncs", body)["data"]["id"] for body in bulk_bodies]
    for bulk_id in bulk_ids:
        call("GET", f"/api/bulk/syncs/{bulk_id}")
        call("GET", f"/api/bulk/syncs/{bulk_id}/schemas")
        call("GET", f"/api/bulk/syncs/{bulk_id}/status")
    call("GET", f"/api/bulk/syncs/{bulk_ids[1]}/schemas/public.events")
    call("PUT", f"/api/bulk/syncs/{bulk_ids[1]}/schemas/public.users",
         {"enabled": True, "user_output_name": "people", "partition_key": "id", "data_cutoff_timestamp": None,
          "fields": [{"id": "email", "enabled": True, "obfuscated": True, "user_output_name": "mail"}],
          "filters": [{"field_id": "plan", "function": "Equality", "value": "pro"}]})
    call("PATCH", f"/api/bulk/syncs/{bulk_ids[1]}/schemas",
         {"schemas": [{"id": "public.events", "tracking_field": "occurred_at"}, {"id": "public.orders",
                                                                                 "enabled": True}]})
    call("GET", f"/api/bulk/syncs/{bulk_ids[2]}/schemas/Account")
    call("GET", "/api/bulk/syncs")
    call("GET", "/api/bulk/syncs", params={"active": "true"})
    call("PUT", f"/api/bulk/syncs/{bulk_ids[1]}", bulk_bodies[0])
    call("POST", f"/api/bulk/syncs/{bulk_ids[0]}/activate", {"active": True})
    call("POST", f"/api/bulk/syncs/{bulk_ids[0]}/executions", {"test": False, "schemas": None})
    call("GET", f"/api/bulk/syncs/{bulk_ids[0]}/status")
    call("GET", f"/api/bulk/syncs/{bulk_ids[0]}/executions")
    call("POST", f"/api/bulk/syncs/{bulk_ids[0]}/cancel")
    emulator.append_execution(bulk_ids[2], status="failed", errors=["boom"])
    call("GET", f"/api/bulk/syncs/{bulk_ids[2]}/status")
    call("DELETE", f"/api/bulk/syncs/{bulk_ids[2]}")
    call("GET", f"/api/bulk/syncs/{bulk_ids[2]}")
    call("POST", "/api/bulk/syncs", bulk_body(source_connection_id="c0000000-0000-4000-8000-0000000000ff"))
    call("POST", "/api/bulk/syncs", {"mode": "sideways"})

    assert check_all(call.recorder) > 80


# -- accepted requests are always valid requests ------------------------------------------------------

JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
    ["", "x", "daily", "create", "update", "Equality", "A", "3", "monday", USERS_MODEL, SALESFORCE,
     "2024-01-01T00:00:00Z", "not-a-uuid"]))
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(["field", "model_id", "x", "target"]), inner,
                                                 max_size=2)), max_leaves=4)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _mutate(body: Any, path: tuple, op: str, value: Any, extra_key: str) -> Any:
    body = copy.deepcopy(body)
    if not path:
        return body
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "set":
        parent[last] = value
    elif op == "delete":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif op == "add" and isinstance(parent[last], dict):
        parent[last][extra_key] = value
    return body


MUTATION = st.tuples(st.integers(0, 10_000), st.sampled_from(["set", "delete", "add", "set"]), JSON_VALUE,
                     st.sampled_from(["name", "mode", "field", "hour", "minute", "active", "unknown", "enabled",
                                      "frequency", "label", "function", "source", "object", "create"]))


@settings(max_examples=200, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(["model", "model-full", "bulk"]), mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_whatever_is_accepted_is_a_valid_request(inprocess_session: InProcessEmulator, base: str,
                                                 mutations: list) -> None:
    body: Any = {"model": sync_body(), "model-full": full_sync_body(), "bulk": bulk_body()}[base]
    for index, op, value, key in mutations:
        paths = _paths(body)
        body = _mutate(body, paths[index % len(paths)], op, value, key)
    path = "/api/bulk/syncs" if base == "bulk" else "/api/syncs"
    response = inprocess_session.api("POST", path, json=body)
    event(f"status {response.status_code}")
    assert response.status_code in (200, 400, 422), response.text
    ref = openapi.request_ref("POST", path)
    assert ref is not None
    bad = openapi.problems(ref, body)
    if response.status_code == 200:
        assert not bad, f"accepted an invalid request: {bad}\n{json.dumps(body)}"
        inprocess_session.api("DELETE", f"{path}/{response.json()['data']['id']}")
        res = openapi.response_ref("POST", path, 200)
        assert res is not None and not openapi.problems(res, response.json())
    else:
        assert not openapi.problems("#/components/schemas/ApiError", response.json())
        if bad:
            assert response.status_code == 400, (bad, response.text)
