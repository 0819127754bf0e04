"""Idempotency keys: derived from the change, stable across retries, new when the meaning changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.apply.keys import KEY_PATTERN, idempotency_key
from reconciler.planning.model import Change

BODY = {"name": "Users", "mode": "create", "schedule": {"frequency": "daily"}}


def change(action: str = "update", **kw: object) -> Change:
    base: dict[str, object] = {"kind": "ModelSync", "name": "Users", "action": action}
    if action != "create":
        base.update(sync_id="s-1", fingerprint="sha256:aaa")
    base.update(kw)
    return Change(**base)  # type: ignore[arg-type]


def test_format_and_stability() -> None:
    for action in ("create", "update", "delete"):
        c = change(action)
        body = None if action == "delete" else BODY
        key = idempotency_key(c, body)
        assert KEY_PATTERN.match(key)
        assert idempotency_key(c, body) == key  # reused on every retry
        assert idempotency_key(change(action), dict(reversed(list(BODY.items()))) if body else None) == key


def test_create_key_is_the_identity_not_the_body() -> None:
    c = change("create")
    # two jobs applying two versions of one definition send one key: the server creates once
    assert idempotency_key(c, BODY) == idempotency_key(c, {**BODY, "mode": "update"})
    # a name as a normalising server stores it (NFC, surrounding space, case) is the same identity
    assert idempotency_key(c, {**BODY, "name": "Cafe\u0301"}) == idempotency_key(c, {**BODY, "name": " caf\u00e9 "})
    assert idempotency_key(c, BODY) != idempotency_key(c, {**BODY, "name": "Users 2"})


def test_update_body_change_gives_new_key() -> None:
    c = change("update")
    assert idempotency_key(c, BODY) != idempotency_key(c, {**BODY, "mode": "update"})


def test_live_fingerprint_is_part_of_update_and_delete_keys() -> None:
    for action in ("update", "delete"):
        body = None if action == "delete" else BODY
        assert idempotency_key(change(action), body) != idempotency_key(change(action, fingerprint="sha256:bbb"), body)


def test_identity_kind_and_action_matter() -> None:
    assert idempotency_key(change("create"), BODY) != idempotency_key(change("create", name="Other"), {**BODY, "name": "Other"})
    assert idempotency_key(change("create"), BODY) != idempotency_key(change("create", kind="BulkSync"), BODY)
    assert idempotency_key(change("update"), BODY) != idempotency_key(change("update", sync_id="s-2"), BODY)
    assert idempotency_key(change("update"), None) != idempotency_key(change("delete"), None)


def test_chain_after_stale_replay_is_fresh_and_deterministic() -> None:
    c = change("create")
    first = idempotency_key(c, BODY)
    second = idempotency_key(c, BODY, after="old-id")
    assert second != first
    assert second == idempotency_key(c, BODY, after="old-id")
    assert idempotency_key(c, BODY, after="other-id") != second


def test_key_reveals_no_body_value() -> None:
    secret = "canary-passphrase-1234"
    key = idempotency_key(change("create"), {**BODY, "encryption_passphrase": secret})
    assert secret not in key


@given(
    name=st.text(min_size=1, max_size=300),
    body=st.dictionaries(st.text(max_size=20), st.one_of(st.none(), st.integers(), st.text(max_size=50)), max_size=5),
    action=st.sampled_from(["create", "update", "delete"]),
)
def test_any_change_gives_a_valid_key(name: str, body: dict[str, object], action: str) -> None:
    assert KEY_PATTERN.match(idempotency_key(change(action, name=name), body))
