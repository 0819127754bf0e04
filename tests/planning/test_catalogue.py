"""Catalogue checks at plan time: an unknown model field, schema or object is a plan error at its
``file:line:column`` with a suggestion, and nothing is sent (a green plan means a green apply)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from reconciler.definitions.load import load_definitions
from reconciler.errors import ApiError
from reconciler.planning.catalogue import Catalogue, check_changes
from reconciler.planning.model import Change, Plan
from tests.planning.helpers import (
    ACTIVE_FILTER,
    accounts_to_hubspot,
    bulk,
    bulk_def,
    create,
    model,
    plan,
    run_cli,
    users_sync,
)
from tests.support.emulator import HUBSPOT, SALESFORCE, WAREHOUSE, Emulator

USERS_TO_SALESFORCE = """\
kind: ModelSync
name: Users to Salesforce
mode: updateOrCreate
schedule: {frequency: daily, hour: "6", minute: "30"}
target:
  connection_id: ${connection:Salesforce CRM}
  object: Contact
identity:
  source: {model_id: "${model:Users}", field: email}
  target: Email
  function: Equality
fields:
  - source: {model_id: "${model:Users}", field: firstname}
    target: FirstName
"""

HUBSPOT_TO_WAREHOUSE = """\
kind: BulkSync
name: HubSpot to Warehouse
mode: replicate
source_connection_id: ${connection:HubSpot Marketing}
destination_connection_id: ${connection:Warehouse}
destination_configuration: {schema: hubspot}
default_schedule: {frequency: hourly}
schemas:
  - contacts
  - companys
"""


def _writes(emulator: Emulator) -> dict[str, int]:
    return {route: n for route, n in emulator.requests()["counts"].items() if not route.startswith("GET ")}


def _errors(result: Any) -> list[str]:
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines()]
    return [line.removeprefix("Error: ") for line in lines if line.startswith("Error: syncs/")]


def _at(text: str, token: str) -> tuple[int, int]:
    """(line, column) where the one occurrence of ``token`` starts in ``text``."""
    assert text.count(token) == 1, token
    before = text[:text.index(token)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(("text", "token", "message"), [
    (USERS_TO_SALESFORCE, "firstname", "'firstname' is not a field of model 'Users' (did you mean 'first_name'?)"),
    (HUBSPOT_TO_WAREHOUSE, "companys",
     "'companys' is not a schema of the source connection (did you mean 'companies'?)"),
], ids=["model-field", "bulk-schema"])
def test_a_misspelt_catalogue_name_fails_plan_at_its_position_and_apply_sends_nothing(
        emulator: Emulator, tmp_path: Path, text: str, token: str, message: str) -> None:
    (tmp_path / "syncs").mkdir()
    (tmp_path / "syncs" / "sync.yaml").write_text(text, encoding="utf-8")
    emulator.clear_requests()
    planned = run_cli(emulator, "plan", "syncs", cwd=tmp_path)
    assert planned.returncode == 1, planned.stdout + planned.stderr
    (line,) = _errors(planned)
    assert line.startswith("syncs/sync.yaml:%d:%d:" % _at(text, token)), line
    assert line.endswith(message), line
    applied = run_cli(emulator, "apply", "syncs", "--auto-approve", cwd=tmp_path)
    assert applied.returncode == 1
    assert _writes(emulator) == {}


def _plan_file(emulator: Emulator, tmp_path: Path, text: str) -> Plan:
    (tmp_path / "syncs").mkdir(exist_ok=True)
    (tmp_path / "syncs" / "x.yaml").write_text(text, encoding="utf-8")
    return plan(emulator, load_definitions([str(tmp_path / "syncs")], {}))


def _where(result: Plan) -> list[tuple[int, int, str]]:
    return sorted((p.source.line, p.source.column, p.message) for p in result.problems if p.source)


def test_every_model_field_reference_is_checked(emulator: Emulator, tmp_path: Path) -> None:
    text = USERS_TO_SALESFORCE.replace("field: email}", "field: emial}").replace("field: firstname}", "field: first_name}") + """\
filters:
  - field: {model_id: "${model:Users}", field: is_activ}
    function: "True"
  - field_id: b0000000-0000-4000-8001-000000000099
    function: IsNotNull
  - field_id: is_active
    function: "True"
  - field_id: Title
    field_type: Target
    function: IsNotNull
overrides:
  - field: {model_id: "${model:Users}", field: plan}
    function: Equality
    value: x
    override: y
  - field: {model_id: "${model:Users}", field: plna}
    function: Equality
    value: x
    override: y
"""
    text = text.replace("object: Contact", "object: Contacts")
    found = _where(_plan_file(emulator, tmp_path, text))
    assert found == [
        (*_at(text, "Contacts"), "'Contacts' is not an object of the target connection (did you mean 'Contact'?)"),
        (*_at(text, "emial"), "'emial' is not a field of model 'Users' (did you mean 'email'?)"),
        (*_at(text, "is_activ}"), "'is_activ' is not a field of model 'Users' (did you mean 'is_active'?)"),
        (*_at(text, "b0000000-0000-4000-8001-000000000099"),
         "no field of a live model has id 'b0000000-0000-4000-8001-000000000099' "
         "(nor has a model of this sync a field of that name)"),
        (*_at(text, "plna"), "'plna' is not a field of model 'Users' (did you mean 'plan'?)"),
    ]


def test_a_reference_error_points_at_the_placeholder_and_suggests_a_name(emulator: Emulator, tmp_path: Path) -> None:
    text = USERS_TO_SALESFORCE.replace("field: firstname", "field: first_name").replace(
        "${connection:Salesforce CRM}", "${connection:Salesforce}").replace(
        'fields:\n  - source: {model_id: "${model:Users}"', 'fields:\n  - source: {model_id: "${model:Userz}"')
    found = _where(_plan_file(emulator, tmp_path, text))
    assert found == [
        (*_at(text, "${connection:Salesforce}"),
         "${connection:Salesforce}: no live connection is named 'Salesforce' (did you mean 'Salesforce CRM'?)"),
        (*_at(text, '"${model:Userz}"'), "${model:Userz}: no live model is named 'Userz' (did you mean 'Users'?)"),
    ]


def test_bulk_schema_fields_and_settings_are_checked(emulator: Emulator, tmp_path: Path) -> None:
    text = """\
kind: BulkSync
name: Warehouse to S3
mode: replicate
source_connection_id: ${connection:Warehouse}
destination_connection_id: ${connection:S3 Data Lake}
destination_configuration: {format: parquet}
default_schedule: {frequency: hourly}
additional_schedules:
  - frequency: daily
    hour: "1"
    minute: "0"
    schemas: [public.user]
schemas:
  - id: public.users
    tracking_field: updated
    partition_key: account_id
    fields: [email, {id: emali}]
    filters:
      - {field_id: plann, function: Equality, value: pro}
  - id: public.events
    tracking_field: occurred_at
"""
    found = _where(_plan_file(emulator, tmp_path, text))
    assert found == [
        (*_at(text, "public.user]"), "'public.user' is not a schema of the source connection (did you mean 'public.users'?)"),
        (*_at(text, "updated\n"), "'updated' is not a field of schema 'public.users' (did you mean 'updated_at'?)"),
        (*_at(text, "emali"), "'emali' is not a field of schema 'public.users' (did you mean 'email'?)"),
        (*_at(text, "plann"), "'plann' is not a field of schema 'public.users' (did you mean 'plan'?)"),
    ]


def test_a_connection_that_lists_no_objects_accepts_any_object_and_created_objects_are_known(emulator: Emulator) -> None:
    to_warehouse = users_sync("To warehouse", target={"connection_id": WAREHOUSE, "object": "public.anything"})
    created = accounts_to_hubspot("Made an object")
    created["target"] = {"connection_id": HUBSPOT, "create": {"name": "acme_accounts"}}
    create(emulator, "ModelSync", created)
    reuse = accounts_to_hubspot("Reuses it")
    reuse["target"] = {"connection_id": HUBSPOT, "object": "acme_accounts"}
    result = plan(emulator, [model(to_warehouse), model(reuse)])
    assert result.problems == ()
    assert [c.action for c in result.changes] == ["create", "create"]


def test_unchanged_syncs_cost_no_catalogue_reads(emulator: Emulator) -> None:
    body = users_sync("Unchanged", filters=[copy.deepcopy(ACTIVE_FILTER)])
    create(emulator, "ModelSync", body)
    emulator.clear_requests()
    result = plan(emulator, [model(body)])
    assert [c.action for c in result.changes] == ["no-op"]
    counts = emulator.requests()["counts"]
    assert not [route for route in counts if "/api/models/" in route or "targetobjects" in route], counts


def test_a_bulk_sync_without_schemas_and_the_demo_examples_plan_clean(emulator: Emulator) -> None:
    result = plan(emulator, [bulk_def(bulk("All schemas")),
                             bulk_def(bulk("Some", source_connection_id=SALESFORCE,
                                           schemas=["Account", {"id": "Opportunity", "tracking_field": "LastModifiedDate"}]))])
    assert result.problems == ()
    examples = Path(__file__).resolve().parents[2] / "examples" / "syncs"
    assert plan(emulator, load_definitions([str(examples)], {"DEMO_ENCRYPTION_PASSPHRASE": "x"})).problems == ()


class _FakeClient:
    """Answers the catalogue reads from fixed data (the source listing without fields)."""

    def __init__(self, *, targets: Any = None, target_error: int | None = None) -> None:
        self.targets, self.target_error = targets, target_error
        self.calls: list[str] = []

    def request_envelope(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        self.calls.append(path)
        if path.endswith("/modelsync/targetobjects"):
            if self.target_error:
                raise ApiError("nope", method=method, url=path, status=self.target_error)
            return {"data": self.targets}
        return {"data": {"schemas": [{"id": "public.users", "name": "public.users"}]}}

    def list_connections(self) -> list[dict[str, Any]]:
        return [{"id": "c"}]

    def request(self, method: str, path: str, **_: Any) -> dict[str, Any]:
        self.calls.append(path)
        return {"id": "public.users", "fields": [{"id": "email", "name": "email"}]}


def _check(client: _FakeClient, kind: str, body: dict[str, Any]) -> list[str]:
    from concurrent.futures import Future

    def now(fn: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future

    change = Change(kind=kind, name="n", action="create", body=body)  # type: ignore[arg-type]
    d = (model if kind == "ModelSync" else bulk_def)({"name": "n"})
    return [p.message for _, p in check_changes(Catalogue(client, now), [(change, d)])]  # type: ignore[arg-type]


def test_schema_fields_come_from_the_schema_endpoint_when_the_source_listing_has_none() -> None:
    client = _FakeClient()
    found = _check(client, "BulkSync", {"source_connection_id": "c", "schemas": [
        {"id": "public.users", "fields": ["email", "emial"]}, {"id": "public.users2"}]})
    assert found == ["'emial' is not a field of schema 'public.users' (did you mean 'email'?)",
                     "'public.users2' is not a schema of the source connection (did you mean 'public.users'?)"]
    assert client.calls == ["/api/connections/c/bulksync/source", "/api/connections/c/schemas/public.users"]


def test_a_connection_that_cannot_list_objects_accepts_any_and_an_outage_is_not_hidden() -> None:
    body = {"target": {"connection_id": "c", "object": "Anything"}}
    assert _check(_FakeClient(target_error=400), "ModelSync", body) == []
    assert _check(_FakeClient(targets=None), "ModelSync", body) == []
    assert _check(_FakeClient(targets=[{"id": "Account"}]), "ModelSync", body) == [
        "'Anything' is not an object of the target connection (known: Account)"]
    with pytest.raises(ApiError):
        _check(_FakeClient(target_error=503), "ModelSync", body)


def test_an_unknown_connection_id_is_a_plan_error_at_its_value(emulator: Emulator, tmp_path: Path) -> None:
    text = HUBSPOT_TO_WAREHOUSE.replace("companys", "companies").replace(
        "${connection:Warehouse}", "c0000000-0000-4000-8000-0000000000ff")
    found = _where(_plan_file(emulator, tmp_path, text))
    assert found == [(*_at(text, "c0000000-0000-4000-8000-0000000000ff"),
                      "no live connection has id c0000000-0000-4000-8000-0000000000ff")]
