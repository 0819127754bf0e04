"""Units: judging a saved plan against a fresh one, names as one identity, and what renderers show."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from reconciler.apply.replan import check_saved
from reconciler.planning.model import Change, FieldDiff, Plan, Unmanaged
from reconciler.planning.names import same_name
from reconciler.render.values import _hidden, mixed_scripts, shown_name, visible

BODY = {"name": "A", "mode": "create", "schedule": {"frequency": "daily"}}


def _update(**kw: object) -> Change:
    base: dict[str, object] = {"kind": "ModelSync", "name": "A", "action": "update", "sync_id": "s1",
                               "fingerprint": "f1", "diffs": (FieldDiff("schedule.frequency", "hourly", "daily"),),
                               "body": BODY}
    base.update(kw)
    return Change(**base)  # type: ignore[arg-type]


def test_the_same_change_is_accepted_in_its_fresh_version() -> None:
    fresh = _update(fingerprint="f2")  # the live object moved elsewhere: the change is the same
    check = check_saved(Plan(changes=(_update(),)), Plan(changes=(fresh,)))
    assert check.accepted.changes == (fresh,) and check.accepted.changes[0].fingerprint == "f2"
    assert not check.refused and not check.done


def test_a_body_or_a_live_value_that_moved_is_refused_naming_paths_not_values() -> None:
    secret = "sekrit-value-123"
    moved_body = _update(body={**BODY, "filter_logic": secret})
    moved_live = _update(diffs=(FieldDiff("schedule.frequency", "manual", "daily"),))
    for fresh, path in ((moved_body, "filter_logic"), (moved_live, "schedule.frequency")):
        (refused,) = check_saved(Plan(changes=(_update(),)), Plan(changes=(fresh,))).refused
        assert refused.status == "stale" and path in refused.message and secret not in refused.message


def test_done_when_live_already_matches_and_refused_when_the_action_changed() -> None:
    create = Change(kind="ModelSync", name="A", action="create", body=BODY)
    noop = _update(action="no-op", diffs=())
    (done,) = check_saved(Plan(changes=(create,)), Plan(changes=(noop,))).done
    assert done.status == "done" and done.sync_id == "s1"
    (refused,) = check_saved(Plan(changes=(create,)), Plan(changes=(_update(),))).refused
    assert "would update it (s1)" in refused.message


def test_a_delete_needs_a_fresh_delete_of_the_same_unchanged_sync() -> None:
    delete = Change(kind="ModelSync", name="tmp-x", action="delete", sync_id="s9", fingerprint="f9")
    outside = Plan(unmanaged=(Unmanaged("ModelSync", "s9", "prod-x"),))
    (refused,) = check_saved(Plan(changes=(delete,)), outside).refused
    assert "'prod-x' is outside the prune scope" in refused.message
    (gone,) = check_saved(Plan(changes=(delete,)), Plan()).done
    assert "no longer exists" in gone.message
    moved = Plan(changes=(Change(kind="ModelSync", name="tmp-x", action="delete", sync_id="s9", fingerprint="f10"),))
    assert check_saved(Plan(changes=(delete,)), moved).refused
    same = Plan(changes=(delete,))
    assert check_saved(Plan(changes=(delete,)), same).accepted.changes == (delete,)


@given(st.text(max_size=40))
def test_a_name_is_one_identity_with_its_normalised_forms(name: str) -> None:
    assert same_name(name, unicodedata.normalize("NFD", name))
    assert same_name(name, f"  {name}\t")
    assert same_name(f"Users {name}", f"USERS {name}")
    assert not same_name(f"a{name}", f"b{name}")


@given(st.text(max_size=60))
def test_visible_leaves_no_hidden_character_and_keeps_printable_text(text: str) -> None:
    out = visible(text)
    assert not any(_hidden(ch) for ch in out)
    if text.isprintable():
        assert out == text or any(ch != " " and unicodedata.category(ch) == "Zs" for ch in text)


def test_what_a_reviewer_sees_for_spoofed_names() -> None:
    assert shown_name("Users\u200b") == '"Users\\u200b"'
    assert shown_name("\u202eesrever") == '"\\u202eesrever"'
    assert shown_name("Us\u0435rs") == '"Usеrs" (mixed scripts: CYRILLIC+LATIN)'
    assert mixed_scripts("Plain name 42") == [] and shown_name("Plain") == '"Plain"'
