"""The shipped examples validate offline and are accepted by the emulator's create endpoints."""

from __future__ import annotations

import pytest

from reconciler.definitions.load import load_definitions
from tests.definitions.helpers import DEMO_ENV, EXAMPLES, resolve

SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/reconciler.schema.json"


def test_examples_cover_the_features_the_issue_names() -> None:
    defs = load_definitions([str(EXAMPLES)], DEMO_ENV)
    by_name = {d.name: d for d in defs}
    assert sorted(by_name) == ["Accounts to HubSpot", "Accounts to Salesforce", "Salesforce to Warehouse",
                               "Users to Salesforce", "Warehouse snapshot to S3"]
    users = by_name["Users to Salesforce"]
    assert users.spec["identity"]["target"] == "Email"
    assert users.spec["filter_logic"] == "A AND (B OR C)"
    assert len(users.spec["overrides"]) == 1
    assert users.spec["encryption_passphrase"] == DEMO_ENV["DEMO_ENCRYPTION_PASSPHRASE"]
    assert users.templates == {"encryption_passphrase": "${env:DEMO_ENCRYPTION_PASSPHRASE}"}
    assert "target" not in users.sensitive_paths and "encryption_passphrase" in users.sensitive_paths
    assert by_name["Accounts to HubSpot"].spec["target"]["create"] == {"name": "acme_accounts"}
    assert by_name["Accounts to Salesforce"].spec["schedule"]["run_after"] == {"sync_ids": ["${sync:Users to Salesforce}"]}
    assert by_name["Warehouse snapshot to S3"].spec["mode"] == "snapshot"
    replicate = by_name["Salesforce to Warehouse"]
    assert replicate.spec["mode"] == "replicate"
    assert replicate.spec["schemas"][:2] == ["Account", "Contact"]


def test_every_example_names_the_combined_schema() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) == 5
    for path in files:
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_LINE, path.name


def test_each_example_is_accepted_by_the_emulator(emulator) -> None:
    ids: dict[tuple[str, str], str] = {}
    for item in emulator.api("GET", "/api/connections").json()["data"]:
        ids[("connection", item["name"])] = item["id"]
    for item in emulator.api("GET", "/api/models").json()["data"]:
        ids[("model", item["name"])] = item["id"]
    pending = list(load_definitions([str(EXAMPLES)], DEMO_ENV))
    created = []
    while pending:  # runafter predecessors first
        ready = [d for d in pending if _refs_known(d.spec, ids)]
        assert ready, f"unresolvable references in {[d.name for d in pending]}"
        for d in ready:
            path = "/api/syncs" if d.kind == "ModelSync" else "/api/bulk/syncs"
            reply = emulator.api("POST", path, json=resolve(dict(d.spec), ids))
            assert reply.status_code == 200, (d.name, reply.text)
            ids[("sync" if d.kind == "ModelSync" else "bulk_sync", d.name)] = reply.json()["data"]["id"]
            created.append(d.name)
            pending.remove(d)
    assert len(created) == 5
    assert created.index("Users to Salesforce") < created.index("Accounts to Salesforce")


def _refs_known(spec, ids) -> bool:
    try:
        resolve(dict(spec), ids)
    except KeyError:
        return False
    return True


@pytest.mark.parametrize("missing", ["DEMO_ENCRYPTION_PASSPHRASE"])
def test_examples_need_the_demo_secret(missing: str) -> None:
    from reconciler.errors import InvalidDefinitions

    with pytest.raises(InvalidDefinitions) as info:
        load_definitions([str(EXAMPLES)], {})
    [problem] = info.value.problems
    assert str(problem.position) == "%s/users-to-salesforce.yaml:48:1" % EXAMPLES
    assert problem.message == f"environment variable {missing} is not set (used as ${{env:{missing}}})"
