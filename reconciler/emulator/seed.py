"""The demo organisations seeded into an empty database (fixed ids, see docs/emulator.md)."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.store import Store

DEMO_ORG_ID = "0a000000-0000-4000-8000-000000000001"
OTHER_ORG_ID = "0a000000-0000-4000-8000-000000000002"
DEFAULT_API_KEY = "demo-api-key"
OTHER_API_KEY = "other-org-api-key"

#: Connection type id -> (display name, target.configuration defaults, bulk source schemas).
CONNECTION_TYPES: dict[str, tuple[str, dict[str, Any], list[str]]] = {
    "postgresql": ("PostgreSQL", {}, []),
    "salesforce": ("Salesforce", {"ingestion_api": "bulk"}, ["Account", "Contact", "Lead", "Opportunity"]),
    "hubspot": ("HubSpot", {}, ["companies", "contacts", "deals"]),
    "s3": ("Amazon S3", {"format": "csv"}, []),
}

#: Connection type id -> the target objects its ``modelsync/targetobjects`` lists (None: it lists none,
#: any object name is accepted, as for a database table or a file path).
TARGET_OBJECTS: dict[str, list[str] | None] = {
    "postgresql": None,
    "salesforce": ["Account", "Contact", "Lead", "Opportunity"],
    "hubspot": ["companies", "contacts", "deals"],
    "s3": None,
}

#: Source schema id -> its fields ``(name, type)`` as ``bulksync/source`` lists them.
SCHEMA_FIELDS: dict[str, list[tuple[str, str]]] = {
    "public.users": [("id", "integer"), ("email", "string"), ("first_name", "string"), ("last_name", "string"),
                     ("plan", "string"), ("account_id", "integer"), ("is_active", "boolean"),
                     ("lifetime_value", "number"), ("created_at", "datetime"), ("updated_at", "datetime")],
    "public.accounts": [("id", "integer"), ("name", "string"), ("domain", "string"), ("industry", "string"),
                        ("employee_count", "integer"), ("arr", "number"), ("created_at", "datetime"),
                        ("updated_at", "datetime")],
    "public.events": [("id", "string"), ("user_id", "integer"), ("event_type", "string"),
                      ("occurred_at", "datetime"), ("properties", "object")],
    "public.orders": [("id", "integer"), ("user_id", "integer"), ("amount", "number"), ("status", "string"),
                      ("ordered_at", "datetime")],
    "Account": [("Id", "string"), ("Name", "string"), ("Website", "string"), ("Industry", "string"),
                ("NumberOfEmployees", "integer"), ("AnnualRevenue", "number"), ("LastModifiedDate", "datetime")],
    "Contact": [("Id", "string"), ("Email", "string"), ("FirstName", "string"), ("LastName", "string"),
                ("AccountId", "string"), ("LastModifiedDate", "datetime")],
    "Lead": [("Id", "string"), ("Email", "string"), ("Company", "string"), ("Status", "string"),
             ("LastModifiedDate", "datetime")],
    "Opportunity": [("Id", "string"), ("Name", "string"), ("Amount", "number"), ("StageName", "string"),
                    ("AccountId", "string"), ("LastModifiedDate", "datetime")],
    "companies": [("id", "string"), ("name", "string"), ("domain", "string"), ("updatedAt", "datetime")],
    "contacts": [("id", "string"), ("email", "string"), ("firstname", "string"), ("lastname", "string"),
                 ("updatedAt", "datetime")],
    "deals": [("id", "string"), ("dealname", "string"), ("amount", "number"), ("updatedAt", "datetime")],
}

_ORGS = [
    {"id": DEMO_ORG_ID, "name": "Acme Analytics", "api_key": DEFAULT_API_KEY,
     "deployment_key": "demo-deployment-key",
     "user": {"id": "e0000000-0000-4000-8000-000000000001", "name": "Demo User",
              "email": "demo@acme.example", "role": "admin"}},
    {"id": OTHER_ORG_ID, "name": "Other Org", "api_key": OTHER_API_KEY,
     "deployment_key": "other-deployment-key",
     "user": {"id": "e0000000-0000-4000-8000-000000000002", "name": "Other User",
              "email": "other@other.example", "role": "admin"}},
]

# (org, id, name, type, configuration, bulk schemas; None = the type's list)
_CONNECTIONS: list[tuple[str, str, str, str, dict[str, Any], list[str] | None]] = [
    (DEMO_ORG_ID, "c0000000-0000-4000-8000-000000000001", "Warehouse", "postgresql",
     {"hostname": "warehouse.acme.internal", "database": "analytics", "port": 5432},
     ["public.users", "public.accounts", "public.events", "public.orders"]),
    (DEMO_ORG_ID, "c0000000-0000-4000-8000-000000000002", "Salesforce CRM", "salesforce",
     {"domain": "acme.my.salesforce.com"}, None),
    (DEMO_ORG_ID, "c0000000-0000-4000-8000-000000000003", "HubSpot Marketing", "hubspot",
     {"hub_domain": "acme"}, None),
    (DEMO_ORG_ID, "c0000000-0000-4000-8000-000000000004", "S3 Data Lake", "s3",
     {"bucket": "acme-data-lake", "region": "us-east-1"}, []),
    (OTHER_ORG_ID, "c0000000-0000-4000-8000-000000000101", "Other Warehouse", "postgresql",
     {"hostname": "db.other.internal", "database": "other", "port": 5432}, ["public.users"]),
]

# (org, number, id, name, connection, table, [(field, type)])
_MODELS: list[tuple[str, int, str, str, str, str, list[tuple[str, str]]]] = [
    (DEMO_ORG_ID, 1, "a0000000-0000-4000-8000-000000000001", "Users",
     "c0000000-0000-4000-8000-000000000001", "public.users",
     [("id", "integer"), ("email", "string"), ("first_name", "string"), ("last_name", "string"),
      ("plan", "string"), ("account_id", "integer"), ("is_active", "boolean"),
      ("lifetime_value", "number"), ("created_at", "datetime")]),
    (DEMO_ORG_ID, 2, "a0000000-0000-4000-8000-000000000002", "Accounts",
     "c0000000-0000-4000-8000-000000000001", "public.accounts",
     [("id", "integer"), ("name", "string"), ("domain", "string"), ("industry", "string"),
      ("employee_count", "integer"), ("arr", "number"), ("created_at", "datetime")]),
    (DEMO_ORG_ID, 3, "a0000000-0000-4000-8000-000000000003", "Events",
     "c0000000-0000-4000-8000-000000000001", "public.events",
     [("id", "string"), ("user_id", "integer"), ("event_type", "string"),
      ("occurred_at", "datetime"), ("properties", "object")]),
    (OTHER_ORG_ID, 101, "a0000000-0000-4000-8000-000000000101", "Other Users",
     "c0000000-0000-4000-8000-000000000101", "public.users",
     [("id", "integer"), ("email", "string")]),
]

_REMOTE_TYPES = {"integer": "int8", "string": "text", "boolean": "bool", "number": "numeric",
                 "datetime": "timestamptz", "object": "jsonb"}
SEEDED_AT = "2024-01-01T00:00:00.000000Z"


def field_id(model_number: int, index: int) -> str:
    """The fixed id of the `index`-th (1-based) field of model number `model_number`."""
    return f"b0000000-0000-4000-8{model_number:03d}-{index:012d}"


def actor(org: dict[str, Any]) -> dict[str, str]:
    """The OutputActor of an organisation's key user."""
    return {"id": org["user"]["id"], "name": org["user"]["name"], "type": "user"}


def seed(store: Store, api_key: str = DEFAULT_API_KEY) -> None:
    """Insert the demo organisations, connections and models (the database must be empty)."""
    with store.tx():
        orgs = {}
        for org in _ORGS:
            org = dict(org)
            if org["id"] == DEMO_ORG_ID:
                org["api_key"] = api_key
            if org["id"] != DEMO_ORG_ID and org["api_key"] == api_key:
                org["api_key"] = f"{org['api_key']}-disabled"
            store.insert_org(org)
            orgs[org["id"]] = org
        for org_id, cid, name, ctype, config, schemas in _CONNECTIONS:
            type_name, _, type_schemas = CONNECTION_TYPES[ctype]
            who = actor(orgs[org_id])
            store.insert_catalog("connections", org_id, {
                "id": cid, "name": name, "organization_id": org_id,
                "type": {"id": ctype, "name": type_name,
                         "operations": ["source", "target", "bulk_source", "bulk_target"]},
                "configuration": config, "status": "healthy", "status_error": "", "saved": True,
                "policies": [], "api_calls_last_24_hours": 0,
                "created_at": SEEDED_AT, "created_by": who,
                "updated_at": SEEDED_AT, "updated_by": who,
                "_bulk_schemas": type_schemas if schemas is None else schemas,
            })
        for org_id, number, mid, name, conn, table, fields in _MODELS:
            who = actor(orgs[org_id])
            store.insert_catalog("models", org_id, {
                "id": mid, "name": name, "organization_id": org_id, "connection_id": conn,
                "type": "table", "identifier": table, "configuration": {"table": table},
                "version": 1, "labels": [], "relations": [], "policies": [],
                "tracking_columns": [],
                "fields": [{"id": field_id(number, i), "name": f, "label": f, "type": t,
                            "remote_type": _REMOTE_TYPES[t], "unique": f == "id",
                            "user_added": False, "description": "",
                            "created_at": SEEDED_AT, "updated_at": SEEDED_AT}
                           for i, (f, t) in enumerate(fields, start=1)],
                "created_at": SEEDED_AT, "created_by": who,
                "updated_at": SEEDED_AT, "updated_by": who,
            })
