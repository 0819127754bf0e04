"""The official Polytomic Python SDK drives the emulator over a real socket; its models parse every answer."""

from __future__ import annotations

import time

import polytomic
import pytest

from tests.emulator.helpers import sync_body
from tests.support.emulator import S3, SALESFORCE, USERS_MODEL, VERSION, WAREHOUSE, Emulator

pytestmark = pytest.mark.e2e  # the SDK's own HTTP client over a socket



@pytest.fixture
def client(emulator: Emulator):  # noqa: ANN201
    return polytomic.Polytomic(base_url=emulator.url, token=emulator.api_key, version=VERSION, max_retries=0)


def make_sync(client, name: str = "SDK sync", **extra):  # noqa: ANN001, ANN201
    return client.model_sync.create(
        name=name, mode="create", schedule=polytomic.Schedule(frequency="manual"),
        target=polytomic.ModelSyncV5Target(connection_id=SALESFORCE, object="Contact"),
        fields=[polytomic.SyncField(target="Email", source=polytomic.Source(model_id=USERS_MODEL, field="email"))],
        **extra,
    ).data


def test_model_sync_lifecycle(client, emulator: Emulator) -> None:  # noqa: ANN001
    created = make_sync(client, idempotency_key="sdk-create-0001")
    assert created.id and created.name == "SDK sync" and created.active is False
    assert created.model_ids == [USERS_MODEL]
    assert created.target.configuration == {"ingestion_api": "bulk"}

    got = client.model_sync.get(created.id).data
    assert got.id == created.id and got.updated_at == created.updated_at

    updated = client.model_sync.update(
        created.id, name="SDK sync v2", mode="create", schedule=polytomic.Schedule(frequency="manual"),
        target=polytomic.ModelSyncV5Target(connection_id=SALESFORCE, object="Contact"),
        fields=[polytomic.SyncField(target="Email", source=polytomic.Source(model_id=USERS_MODEL, field="email"))],
        filters=[polytomic.Filter(function="IsNotNull",
                                  field=polytomic.Source(model_id=USERS_MODEL, field="email"))],
    ).data
    assert updated.name == "SDK sync v2" and updated.updated_at > created.updated_at
    assert updated.filters[0].label == "A"

    activated = client.model_sync.activate(created.id, active=True).data
    assert activated.active is True and activated.id == created.id

    emulator.settings(execution_running_after=0.02, execution_completed_after=0.2)
    started = client.model_sync.start(created.id).data
    assert started.status == "created"
    deadline = time.monotonic() + 5
    while True:
        status = client.model_sync.get_status(created.id).data
        if status.last_execution is not None and status.last_execution.status == "completed":
            break
        assert time.monotonic() < deadline
        time.sleep(0.03)
    assert status.last_execution.id == started.id
    assert status.last_execution.counts.total == 100

    client.model_sync.delete(created.id)
    with pytest.raises(polytomic.NotFoundError):
        client.model_sync.get(created.id)


def test_list_120_in_three_pages(client, emulator: Emulator) -> None:  # noqa: ANN001
    ids = emulator.seed(model_syncs=[sync_body(name=f"sdk {i}") for i in range(120)])["model_syncs"]
    pages = []
    token = None
    while True:
        page = client.model_sync.list(page_token=token) if token else client.model_sync.list()
        pages.append([item.id for item in page.data])
        token = page.pagination.next_page_token if page.pagination else None
        if not token:
            break
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [i for p in pages for i in p] == list(reversed(ids))
    light = client.model_sync.list(limit=1).data[0]
    assert light.target_connection_id == SALESFORCE and light.target_object == "Contact"
    assert [s.id for s in client.model_sync.list(active=False, limit=3).data] == list(reversed(ids))[:3]
    assert client.model_sync.list(active=True).data == []


def test_full_list_items_parse(client, emulator: Emulator) -> None:  # noqa: ANN001
    make_sync(client)
    emulator.settings(list_items="full")
    assert client.model_sync.list().data[0].name == "SDK sync"


def test_bulk_sync_lifecycle(client, emulator: Emulator) -> None:  # noqa: ANN001
    created = client.bulk_sync.create(
        name="SDK bulk", mode="snapshot", source_connection_id=WAREHOUSE, destination_connection_id=S3,
        destination_configuration={"format": "parquet"},
        default_schedule=polytomic.BulkSyncDefaultScheduleRequest(frequency="daily", hour="1", minute="0"),
        additional_schedules=[polytomic.BulkSyncAdditionalScheduleRequest(frequency="hourly", minute="5")],
        schemas=["public.users"], idempotency_key="sdk-bulk-create-1",
    ).data
    assert created.id and created.default_schedule.id and created.additional_schedules[0].id
    assert created.automatically_add_new_fields == "all" and created.normalize_names == "enabled"

    assert client.bulk_sync.get(created.id).data.id == created.id
    updated = client.bulk_sync.update(
        created.id, name="SDK bulk v2", mode="replicate", source_connection_id=WAREHOUSE,
        destination_connection_id=S3, destination_configuration={"format": "csv"},
        default_schedule=polytomic.BulkSyncDefaultScheduleRequest(frequency="manual"),
    ).data
    assert updated.name == "SDK bulk v2" and updated.mode == "replicate"
    assert updated.default_schedule.id == created.default_schedule.id
    assert updated.additional_schedules == []

    listed = client.bulk_sync.list().data
    assert [s.id for s in listed] == [created.id]
    assert client.bulk_sync.activate(created.id, active=True).data.active is True
    assert client.bulk_sync.get_status(created.id).data is not None
    schemas = client.bulk_sync.schemas.list(created.id).data
    assert {s.id: s.enabled for s in schemas}["public.users"] is True

    client.bulk_sync.delete(created.id)
    with pytest.raises(polytomic.NotFoundError):
        client.bulk_sync.get(created.id)
    assert client.bulk_sync.list().data == []


def test_connections_models_and_identity(client) -> None:  # noqa: ANN001
    assert [c.name for c in client.connections.list().data][:2] == ["Warehouse", "Salesforce CRM"]
    assert client.connections.get(WAREHOUSE).data.type.id == "postgresql"
    users = client.models.get(USERS_MODEL).data
    assert users.name == "Users" and len(users.fields) == 9
    assert len(client.models.list().data) == 3
    me = client.identity.get().data
    assert me.organization_name == "Acme Analytics"


def test_sdk_errors_parse(client) -> None:  # noqa: ANN001
    with pytest.raises(polytomic.UnprocessableEntityError) as excinfo:
        client.model_sync.create(
            name="bad", mode="update", schedule=polytomic.Schedule(frequency="manual"),
            target=polytomic.ModelSyncV5Target(connection_id=SALESFORCE, object="Contact"),
            fields=[polytomic.SyncField(target="Email", source=polytomic.Source(model_id=USERS_MODEL, field="email"))])
    assert excinfo.value.status_code == 422
    assert "identity" in excinfo.value.body.message
