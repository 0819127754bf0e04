"""Report building in-process against the emulator, with hand-built definitions (no loader, no planner)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.api import PolytomicClient
from reconciler.config import ApiSettings
from reconciler.definitions.model import Definition
from reconciler.errors import Position
from reconciler.planning.model import Change, Plan
from reconciler.reports.drift import active_states, build_drift_report, check_health, health_targets
from reconciler.reports.export import build_export, read_live_syncs
from reconciler.reports.status import collect_status
from tests.reports.helpers import accounts_to_hubspot, create, users_to_salesforce, warehouse_to_s3, writes
from tests.support.emulator import Emulator

POS = Position("syncs/x.yaml", 1, 1)


@pytest.fixture
def client(emulator: Emulator) -> Iterator[PolytomicClient]:
    settings = ApiSettings(url=emulator.url, version="2025-09-18", api_key=emulator.api_key)
    with PolytomicClient(settings, transport=emulator.transport) as c:
        yield c


def definition(kind: str, body: dict, pinned: str | None = None) -> Definition:
    return Definition(kind=kind, name=body["name"], spec=body, position=POS, pinned_id=pinned)  # type: ignore[arg-type]


def test_collect_status_matches_by_id_and_name(emulator: Emulator, client: PolytomicClient) -> None:
    users, bulk = users_to_salesforce(), warehouse_to_s3()
    users_id, bulk_id = create(emulator, "ModelSync", users), create(emulator, "BulkSync", bulk)
    emulator.control("POST", f"/_emulator/syncs/{bulk_id}/executions", json={"status": "completed",
                                                                             "counts": {"total": 77}})
    renamed = {**users, "name": "Renamed in git"}
    defs = [definition("ModelSync", renamed, pinned=users_id), definition("BulkSync", bulk), definition("ModelSync", accounts_to_hubspot())]
    emulator.clear_requests()
    report = collect_status(client, defs)
    rows = {r.name: r for r in report.rows}
    assert rows["Renamed in git"].sync_id == users_id and rows["Renamed in git"].active is True
    assert rows["Warehouse to S3"].sync_id == bulk_id
    assert rows["Warehouse to S3"].snapshot.last.counts.total == 77
    assert rows["Accounts to HubSpot"].state == "not created"
    assert report.errors == ()
    assert writes(emulator) == {}


def test_health_from_plan(emulator: Emulator, client: PolytomicClient) -> None:
    users, accounts = users_to_salesforce(), accounts_to_hubspot()
    users_id, accounts_id = create(emulator, "ModelSync", users), create(emulator, "ModelSync", accounts)
    emulator.control("POST", f"/_emulator/syncs/{users_id}/executions", json={"status": "failed",
                                                                              "errors": ["boom: 401 from Salesforce"]})
    emulator.api("POST", f"/api/syncs/{accounts_id}/activate", json={"active": False})
    defs = [definition("ModelSync", users), definition("ModelSync", accounts)]
    plan = Plan(changes=(Change("ModelSync", accounts["name"], "update", sync_id=accounts_id),
                         Change("ModelSync", users["name"], "no-op", sync_id=users_id)))
    emulator.clear_requests()
    unhealthy, problems = check_health(client, health_targets(plan, defs), active_states(client, ["ModelSync"]))
    assert problems == ()
    by_name = {u.name: u for u in unhealthy}
    assert by_name["Users to Salesforce"].errors == ("boom: 401 from Salesforce",)
    assert [i.code for i in by_name["Accounts to HubSpot"].issues] == ["inactive"]
    report = build_drift_report(plan, unhealthy)
    assert report.summary.unhealthy == 2
    assert writes(emulator) == {}


def test_status_read_failure_is_a_problem_not_a_crash(emulator: Emulator, client: PolytomicClient) -> None:
    users = users_to_salesforce()
    users_id = create(emulator, "ModelSync", users)
    emulator.add_faults({"method": "GET", "path": f"/api/syncs/{users_id}/status", "action": "error", "status": 403,
                         "body": {"message": "forbidden"}})
    plan = Plan(changes=(Change("ModelSync", users["name"], "no-op", sync_id=users_id),))
    unhealthy, problems = check_health(client, health_targets(plan, [definition("ModelSync", users)]), {})
    assert unhealthy == () and "forbidden" in problems[0].message


def test_read_live_syncs_full_objects(emulator: Emulator, client: PolytomicClient) -> None:
    create(emulator, "ModelSync", users_to_salesforce())
    create(emulator, "BulkSync", warehouse_to_s3())
    live = read_live_syncs(client)
    kinds = {k: s for k, s in live}
    assert "fields" in kinds["ModelSync"] and "target" in kinds["ModelSync"]
    assert {s if isinstance(s, str) else s.get("id") for s in kinds["BulkSync"]["schemas"]} >= {"public.users"}
    assert read_live_syncs(client, kinds=["BulkSync"], name_prefix="Nope") == []
    exported = build_export(live, project=lambda kind, obj: {k: v for k, v in obj.items() if k != "id"})
    assert [e.file_name for e in exported] == ["users-to-salesforce.yaml", "warehouse-to-s3.yaml"]
