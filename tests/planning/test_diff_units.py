"""Unit tests of planning/diff.py and the normalisation modules (views, liveread, align, carry): pure functions, no network (the
fast subset `make mutation` runs against every mutant)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler import kinds
from reconciler.planning import align, carry, liveread, views
from reconciler.planning.diff import diff_views, leaf, same_value
from reconciler.planning.secrets import MASK, Secret

M = "a0000000-0000-4000-8000-000000000001"
SF = "c0000000-0000-4000-8000-000000000002"


def src(field: str) -> dict[str, str]:
    return {"model_id": M, "field": field}


def sync(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "s", "mode": "create", "schedule": {"frequency": "manual"},
                            "target": {"connection_id": SF, "object": "Contact"},
                            "fields": [{"source": src("email"), "target": "Email"}]}
    body.update(extra)
    return body


def paths(kind: str, live: dict[str, Any], desired: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(d.path, d.before, d.after) for d in diff_views(kind, views.view(kind, live), views.view(kind, desired))]  # type: ignore[arg-type]


# ---- emptiness and equality -------------------------------------------------------------------


def test_is_empty_and_clean() -> None:
    assert [views.is_empty(v) for v in (None, [], {}, "", 0, False, [None], {"a": None})] == [
        True, True, True, False, False, False, False, False]
    assert views.clean({"a": None, "b": [], "c": {}, "d": {"e": None, "f": 1}, "g": [{"h": None}, None], "i": 0}) == {
        "d": {"f": 1}, "g": [{}, None], "i": 0}
    assert views.clean([{"a": []}, 3]) == [{}, 3]
    assert views.clean("x") == "x"


def test_same_value_is_json_equality() -> None:
    assert same_value(1, 1.0) and not same_value(True, 1) and not same_value(0, False)
    assert same_value(True, True) and not same_value(True, False) and not same_value(1, True)
    assert same_value({"a": [1, 2]}, {"a": [1, 2]}) and not same_value({"a": [1, 2]}, {"a": [2, 1]})
    assert not same_value({"a": 1}, {"a": 1, "b": 2}) and not same_value({"a": 1}, {"b": 1})
    assert not same_value([1], [1, 2]) and same_value((1, 2), [1, 2]) and not same_value([1, 2], [1, 3])
    assert not same_value({"a": True}, {"a": 1}) and same_value("x", "x") and not same_value("x", "y")
    assert not same_value([], {}) and not same_value({"a": 1}, [("a", 1)])


def test_leaf_masks_secrets_and_empties() -> None:
    d = leaf("p", [], {})
    assert (d.path, d.before, d.after, d.sensitive, d.write_only) == ("p", None, None, False, False)
    s = leaf("p", Secret("old"), "new")
    assert (s.before, s.after, s.sensitive) == (MASK, MASK, True)
    s = leaf("p", None, Secret("new"), write_only=True)
    assert (s.before, s.after, s.sensitive, s.write_only) == (None, MASK, True, True)
    s = leaf("p", Secret("old"), None)
    assert (s.before, s.after) == (MASK, None)
    inner = leaf("p", None, {"a": Secret("x"), "b": 1})
    assert inner.after == {"a": MASK, "b": 1} and not inner.sensitive


# ---- mappings and lists -----------------------------------------------------------------------


def test_nested_mapping_diffs_name_every_leaf() -> None:
    live = {"target": {"connection_id": "c", "configuration": {"a": 1, "b": {"c": 2}}}}
    desired = {"target": {"connection_id": "c", "configuration": {"a": 2, "b": {"c": 2, "d": 3}}}}
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)] == [
        ("target.configuration.a", 1, 2), ("target.configuration.b.d", None, 3)]
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", {}, {"x": {"y": 1}})] == [("x.y", None, 1)]
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", {"x": {"y": 1}}, {})] == [("x.y", 1, None)]
    assert diff_views("ModelSync", {"x": None, "y": []}, {"x": {}, "z": None}) == []
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", {"x": {"y": 1}}, {"x": 5})] == [("x", {"y": 1}, 5)]
    assert [d.path for d in diff_views("ModelSync", {"b": 1, "a": 1}, {"b": 2, "a": 2})] == ["a", "b"]


def test_list_rules_apply_at_the_top_level_only() -> None:
    live = {"target": {"fields": [1, 2]}, "fields": [{"target": "A", "x": 1}]}
    desired = {"target": {"fields": [2, 1]}, "fields": [{"target": "A", "x": 2}]}
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)] == [
        ("fields[A].x", 1, 2), ("target.fields", [1, 2], [2, 1])]


def test_unordered_lists_are_multisets() -> None:
    live = {"fields": [{"target": "A"}, {"target": "B"}, {"target": "B"}]}
    assert diff_views("ModelSync", live, {"fields": [{"target": "B"}, {"target": "A"}, {"target": "B"}]}) == []
    removed = diff_views("ModelSync", live, {"fields": [{"target": "B"}, {"target": "A"}]})
    assert [(d.path, d.before, d.after) for d in removed] == [("fields[B]", {"target": "B"}, None)]
    added = diff_views("ModelSync", {"fields": []}, {"fields": [{"target": "C"}]})
    assert [(d.path, d.before, d.after) for d in added] == [("fields[C]", None, {"target": "C"})]
    assert diff_views("ModelSync", {"fields": None}, {"fields": []}) == []
    gone = diff_views("ModelSync", {"fields": [{"target": "C"}]}, {})
    assert [(d.path, d.before, d.after) for d in gone] == [("fields[C]", {"target": "C"}, None)]


def test_keyless_items_are_labelled_by_position() -> None:
    live = {"fields": [{"x": 1}, {"x": 2}]}
    desired = {"fields": [{"x": 2}, {"x": 3}]}
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)] == [
        ("fields[0]", {"x": 1}, None), ("fields[1]", None, {"x": 3})]
    assert [d.path for d in diff_views("ModelSync", {"fields": ["a"]}, {"fields": ["b"]})] == ["fields[a]", "fields[b]"]


def test_a_single_leftover_pair_without_a_key_rule_is_diffed_inside() -> None:
    live = {"additional_schedules": [{"frequency": "hourly", "minute": "5"}, {"frequency": "daily"}]}
    desired = {"additional_schedules": [{"frequency": "daily"}, {"frequency": "hourly", "minute": "6"}]}
    assert [(d.path, d.before, d.after) for d in diff_views("BulkSync", live, desired)] == [
        ("additional_schedules[1].minute", "5", "6")]
    two = {"additional_schedules": [{"frequency": "weekly"}, {"frequency": "continuous"}]}
    assert sorted(d.path for d in diff_views("BulkSync", live, two)) == [
        "additional_schedules[0]", "additional_schedules[0]", "additional_schedules[1]", "additional_schedules[1]"]


def test_pairing_needs_exactly_one_item_per_key() -> None:
    live = {"fields": [{"target": "A", "x": 1}, {"target": "A", "x": 2}]}
    desired = {"fields": [{"target": "A", "x": 3}]}
    out = [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)]
    assert sorted(out, key=repr) == sorted([("fields[A]", {"target": "A", "x": 1}, None),
                                            ("fields[A]", {"target": "A", "x": 2}, None),
                                            ("fields[A]", None, {"target": "A", "x": 3})], key=repr)
    mixed = diff_views("ModelSync", {"fields": [{"target": "A", "x": 1}, {"target": "B"}]},
                       {"fields": [{"target": "A", "x": 2}, {"target": "C"}]})
    assert [(d.path, d.before, d.after) for d in mixed] == [
        ("fields[A].x", 1, 2), ("fields[B]", {"target": "B"}, None), ("fields[C]", None, {"target": "C"})]


def test_items_without_a_key_value_are_not_paired() -> None:
    live = {"fields": [{"x": 1}]}
    desired = {"fields": [{"target": "A"}]}
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)] == [
        ("fields[0]", {"x": 1}, None), ("fields[A]", None, {"target": "A"})]


def test_filter_and_override_keys() -> None:
    rule = kinds.get("ModelSync").list_rules["filters"]
    assert rule.key is not None
    assert rule.key({"field": {"model_id": M, "field": "plan"}, "field_id": "x"}) == "plan"
    assert rule.key({"field_id": "x"}) == "x"
    assert rule.key({"field": {"model_id": M}}) is None and rule.key("plain") is None
    assert rule.key({"field_id": Secret("s")}) == MASK
    schemas = kinds.get("BulkSync").list_rules["schemas"].key
    assert schemas is not None and schemas("public.users") == "public.users" and schemas({"id": "x"}) == "x"
    assert schemas(3) is None
    live = {"filters": [{"field": src("plan"), "function": "Equality", "value": "a", "field_id": "fid", "label": "A"}]}
    desired = {"filters": [{"field": src("plan"), "function": "Equality", "value": "b"}]}
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", live, desired)] == [
        ("filters[plan].value", "a", "b")]
    same = {"filters": [{"field": src("plan"), "function": "Equality", "value": "a"}]}
    assert diff_views("ModelSync", live, same) == []
    overrides = diff_views("ModelSync", {"overrides": [{"field_id": "f", "override": 1}]},
                           {"overrides": [{"field_id": "f", "override": 2}]})
    assert [(d.path, d.before, d.after) for d in overrides] == [("overrides[f].override", 1, 2)]


# ---- views ------------------------------------------------------------------------------------


def test_model_view_defaults_and_write_only() -> None:
    v = views.view("ModelSync", sync(encryption_passphrase="p", override_fields=[{"target": "T", "override_value": "v"}]))
    assert "encryption_passphrase" not in v and "override_fields" not in v
    assert v["fields"] == [{"source": src("email"), "target": "Email", "new": False, "encryption_enabled": False},
                           {"target": "T", "override_value": "v", "new": False, "encryption_enabled": False}]
    assert v["active"] is False and v["sync_all_records"] is False and v["only_enrich_updates"] is False
    assert v["skip_initial_backfill"] is False and v["schedule"] == {"frequency": "manual"}
    assert "filters" not in v and v["filter_logic"] == "" and "policies" not in v
    assert views.view("ModelSync", sync(active=True))["active"] is True
    assert views.view("ModelSync", sync(schedule={"frequency": None, "hour": "1"}))["schedule"] == {
        "frequency": "manual", "hour": "1"}
    assert views.view("ModelSync", sync(schedule={"hour": "1"}))["schedule"] == {"frequency": "manual", "hour": "1"}
    assert views.view("ModelSync", sync(policies=["b", "a"]))["policies"] == ["a", "b"]
    assert views.view("ModelSync", sync(fields=["odd"]))["fields"] == ["odd"]
    assert views.view("ModelSync", sync(unknown=1)).get("unknown") is None


def test_model_view_target_identity_and_run_after() -> None:
    v = views.view("ModelSync", sync(target={"connection_id": SF, "create": {"name": "x"}, "configuration": {"a": 1}},
                                 identity={"source": src("email"), "target": "Email", "function": "Equality",
                                           "new_field": None},
                                 schedule={"frequency": "runafter", "run_after": {"sync_ids": ["b", "a"], "x": 1}}))
    assert v["target"] == {"connection_id": SF, "configuration": {"a": 1}}
    assert v["identity"]["new_field"] is False
    assert v["schedule"]["run_after"] == {"sync_ids": ["a", "b"], "x": 1}
    odd = views.view("ModelSync", sync(target={"connection_id": SF, "configuration": "text"}))
    assert odd["target"]["configuration"] == "text"
    kept = views.view("ModelSync", sync(identity={"source": src("email"), "target": "E", "function": "Equality",
                                              "new_field": True}))
    assert kept["identity"]["new_field"] is True


def test_model_view_filters_types_and_implied_labels() -> None:
    f1, f2 = {"field_id": "a", "function": "IsNull"}, {"field_id": "b", "function": "IsNull", "label": "A"}
    v = views.view("ModelSync", sync(filters=[f1, {**f2, "field_type": None}, "odd"]))
    assert v["filters"] == [{**f1, "field_type": "Model"}, {**f2, "field_type": "Model"}, "odd"]
    logic = views.view("ModelSync", sync(filters=[f1, f2, {"field_id": "c", "function": "IsNull"}], filter_logic="A or B"))
    assert [f["label"] for f in logic["filters"]] == ["B", "A", "C"]
    blank = views.view("ModelSync", sync(filters=[f1], filter_logic="  "))
    assert "label" not in blank["filters"][0]
    target = views.view("ModelSync", sync(filters=[{**f1, "field_type": "Target"}]))
    assert target["filters"][0]["field_type"] == "Target"
    assert views.implied_labels([{"label": "B"}, {}, "x", {}]) == [{"label": "B"}, {"label": "A"}, "x", {"label": "C"}]


def test_bulk_view() -> None:
    body = {"name": "b", "mode": "snapshot", "policies": ["2", "1"],
            "default_schedule": {"frequency": "runafter", "id": "x", "run_after": {"bulk_sync_ids": ["b", "a"]}},
            "additional_schedules": [{"frequency": "hourly", "id": "y", "schemas": ["z", "a"],
                                      "run_after": {"sync_ids": ["2", "1"]}}, "odd"]}
    v = views.view("BulkSync", body)
    assert v["policies"] == ["1", "2"]
    assert v["default_schedule"] == {"frequency": "runafter", "run_after": {"bulk_sync_ids": ["a", "b"]}}
    assert v["additional_schedules"] == [{"frequency": "hourly", "schemas": ["a", "z"],
                                          "run_after": {"sync_ids": ["1", "2"]}}, "odd"]
    assert v["automatically_add_new_fields"] == "all" and v["normalize_names"] == "enabled"
    assert v["disable_record_timestamps"] is False and v["active"] is False
    assert "schemas" not in v and "source_configuration" not in v
    assert views.view("BulkSync", {**body, "schemas": []}).get("schemas") is None
    assert views.view("BulkSync", {**body, "schemas": ["a"]})["schemas"] == [{"id": "a"}]
    assert views.view("BulkSync", {**body, "concurrency_limit": 3})["concurrency_limit"] == 3


def test_selected_schemas() -> None:
    items = ["a", {"id": "b", "enabled": False}, {"enabled": True}, 7,
             {"id": "c", "partition_key": "p", "tracking_field": "", "disable_data_cutoff": False,
              "data_cutoff_timestamp": None, "fields": ["f", {"id": "g", "obfuscate": True},
                                                        {"id": "h", "enabled": False, "obfuscate": True}, {"x": 1}, 3],
              "filters": [{"field_id": "z", "function": "IsNull"}, {"field_id": "a", "function": "IsNull"}]},
             {"id": "d", "fields": [], "filters": [], "disable_data_cutoff": True}]
    assert views.selected_schemas(items) == [
        {"id": "a"},
        {"id": "c", "partition_key": "p",
         "fields": {"f": {"enabled": True, "obfuscated": False}, "g": {"enabled": True, "obfuscated": True},
                    "h": {"enabled": False, "obfuscated": False}},
         "filters": [{"field_id": "a", "function": "IsNull"}, {"field_id": "z", "function": "IsNull"}]},
        {"id": "d", "disable_data_cutoff": True},
    ]
    assert views.selected_schemas(None) == []


def test_align_schemas_expands_fields_against_the_live_schema() -> None:
    live = {"schemas": [{"id": "a", "fields": {"f": {"enabled": True, "obfuscated": False},
                                               "g": {"enabled": True, "obfuscated": True}}},
                        {"id": "b"}, "odd"]}
    desired = {"schemas": [{"id": "a"}, {"id": "b", "fields": {"x": {"enabled": True, "obfuscated": False}}},
                           {"id": "c", "fields": {"y": {"enabled": True, "obfuscated": False}}}]}
    want, have = align.align_schemas(desired, live)
    assert have == live
    assert want["schemas"] == [
        {"id": "a", "fields": {"f": {"enabled": True, "obfuscated": False}, "g": {"enabled": True, "obfuscated": False}}},
        {"id": "b"},
        {"id": "c", "fields": {"y": {"enabled": True, "obfuscated": False}}}]
    listed = {"schemas": [{"id": "a", "fields": {"g": {"enabled": True, "obfuscated": True},
                                                 "new": {"enabled": True, "obfuscated": False},
                                                 "off": {"enabled": False, "obfuscated": False}}}]}
    want, _ = align.align_schemas(listed, live)
    assert want["schemas"][0]["fields"] == {"f": {"enabled": False, "obfuscated": False},
                                            "g": {"enabled": True, "obfuscated": True},
                                            "new": {"enabled": True, "obfuscated": False}}
    assert align.align_schemas({"name": "x"}, live) == ({"name": "x"}, live)
    assert align.align_schemas({"schemas": ["odd"]}, {"schemas": None})[0] == {"schemas": ["odd"]}


def test_per_schema_field_settings_are_diffed_by_field() -> None:
    live = {"id": "x", "schemas": [{"id": "a", "enabled": True, "fields": [
        {"id": "f", "enabled": True, "obfuscated": True}, {"id": "g", "enabled": False, "obfuscated": False}]}]}
    live_view = views.view("BulkSync", liveread.live_request("BulkSync", live))
    desired_view = views.view("BulkSync", {"schemas": ["a"]})
    want, have = align.align_schemas(desired_view, live_view)
    assert [(d.path, d.before, d.after) for d in diff_views("BulkSync", have, want)] == [
        ("schemas[a].fields.f.obfuscated", True, False), ("schemas[a].fields.g.enabled", False, True)]


def test_default_schemas() -> None:
    live = {"source_connection_id": "s", "schemas": [{"id": "a"}, {"id": ""}, "odd", {"id": "b"}]}
    assert align.default_schemas("BulkSync", {"source_connection_id": "s"}, live) == [{"id": "a"}, {"id": "b"}]
    assert align.default_schemas("BulkSync", {"source_connection_id": "t"}, live) is None
    assert align.default_schemas("BulkSync", {"source_connection_id": "s", "schemas": []}, live) is None
    assert align.default_schemas("ModelSync", {"source_connection_id": "s"}, live) is None
    assert align.default_schemas("BulkSync", {"source_connection_id": "s"}, {"source_connection_id": "s"}) is None


def test_align_live() -> None:
    live_view = {"organization_id": "o", "identity": {"function": "Equality", "remote_field_type_id": "text"},
                 "target": {"connection_id": SF, "object": "Made", "configuration": {"ingestion_api": "bulk", "x": 1}}}
    out = align.align_live("ModelSync", {"identity": {"function": "Equality"}, "target": {"create": {"name": "x"}}},
                       live_view, configuration_defaults={"ingestion_api": "bulk"})
    assert out == {"identity": {"function": "Equality"}, "target": {"connection_id": SF, "configuration": {"x": 1}}}
    kept = align.align_live("ModelSync", {"organization_id": "o", "identity": {"remote_field_type_id": "t"},
                                      "target": {"object": "Made", "configuration": {"ingestion_api": "bulk"}}},
                        live_view, configuration_defaults={"ingestion_api": "bulk"})
    assert kept == live_view
    changed = align.align_live("ModelSync", {"target": {"object": "Made"}},
                           {"target": {"object": "Made", "configuration": {"ingestion_api": "rest"}}},
                           configuration_defaults={"ingestion_api": "bulk"})
    assert changed["target"]["configuration"] == {"ingestion_api": "rest"}
    emptied = align.align_live("ModelSync", {"target": {"object": "Made", "configuration": "odd"}},
                           {"target": {"object": "Made", "configuration": {"ingestion_api": "bulk"}}},
                           configuration_defaults={"ingestion_api": "bulk"})
    assert emptied["target"] == {"object": "Made"}
    raw = align.align_live("ModelSync", {"target": {"object": "o"}}, {"target": {"object": "o", "configuration": "s"}})
    assert raw["target"] == {"object": "o", "configuration": "s"}
    assert align.align_live("BulkSync", {}, {"organization_id": "o", "x": 1}) == {"x": 1}
    assert align.align_live("ModelSync", {}, {"identity": None, "target": None}) == {"identity": None, "target": None}
    no_defaults = align.align_live("ModelSync", {"target": {"object": "o"}},
                               {"target": {"object": "o", "configuration": {"a": 1}}})
    assert no_defaults["target"]["configuration"] == {"a": 1}


def test_timestamps_naming_one_instant_are_equal() -> None:
    desired = {"data_cutoff_timestamp": "2025-01-01T00:00:00Z",
               "schemas": [{"id": "a", "data_cutoff_timestamp": "2025-01-01T01:00:00+01:00"}, "odd"]}
    live = {"data_cutoff_timestamp": "2025-01-01T00:00:00+00:00",
            "schemas": [{"id": "a", "data_cutoff_timestamp": "2025-01-01T00:00:00z"}, {"id": "b"}, "odd"]}
    out = align.align_timestamps("BulkSync", desired, live)
    assert out["data_cutoff_timestamp"] == "2025-01-01T00:00:00Z"
    assert out["schemas"] == [{"id": "a", "data_cutoff_timestamp": "2025-01-01T01:00:00+01:00"}, {"id": "b"}, "odd"]
    other = align.align_timestamps("BulkSync", {"data_cutoff_timestamp": "2025-01-01T00:00:01Z"}, live)
    assert other["data_cutoff_timestamp"] == "2025-01-01T00:00:00+00:00"
    assert align.align_timestamps("ModelSync", desired, live) == live
    naive = align.align_timestamps("BulkSync", {"data_cutoff_timestamp": "2025-01-01T00:00:00"},
                               {"data_cutoff_timestamp": "2025-01-01T00:00:00"})
    assert naive["data_cutoff_timestamp"] == "2025-01-01T00:00:00"
    for bad in ("2025-01-01", "garbageTx", None, 5, "2025-13-01T00:00:00Z"):
        assert align.align_timestamps("BulkSync", {"data_cutoff_timestamp": bad}, {"data_cutoff_timestamp": "2025-01-01T00:00:00Z"}
                                  )["data_cutoff_timestamp"] == "2025-01-01T00:00:00Z"


def test_align_filter() -> None:
    live = {"field": src("plan"), "field_id": "x", "label": "A", "function": "IsNull"}
    assert align.align_filter(live, None) == live
    assert align.align_filter(live, {"field": src("plan")}) == {"field": src("plan"), "function": "IsNull"}
    assert align.align_filter(live, {"field": src("plan"), "label": "A", "field_id": "x"}) == live
    assert align.align_filter(live, {"field_id": "x"}) == {"field": src("plan"), "field_id": "x", "function": "IsNull"}


# ---- live -> request ----------------------------------------------------------------------


def test_model_request_from_live() -> None:
    live = {"id": "i", "organization_id": "o", "name": "s", "mode": "create", "active": False, "policies": [],
            "filter_logic": "", "sync_all_records": True, "encryption_passphrase": "p",
            "fields": [{"source": src("email"), "target": "Email", "new": False, "encryption_enabled": True}, "odd"],
            "filters": [{"field": src("plan"), "field_id": "f", "field_type": "Model", "label": "A", "function": "IsNull"},
                        {"field_id": "t", "field_type": "Target", "label": "B", "function": "IsNull"}, "odd"],
            "schedule": {"frequency": "daily", "hour": "1", "minute": None},
            "identity": {"source": src("email"), "target": "E", "function": "Equality", "new_field": False},
            "target": {"connection_id": SF, "object": "Contact", "create": {"n": "x"}, "configuration": {}}}
    body = liveread.request_body_from_live("ModelSync", live)
    assert body == {"name": "s", "mode": "create", "sync_all_records": True,
                    "fields": [{"source": src("email"), "target": "Email", "encryption_enabled": True}, "odd"],
                    "filters": [{"field": src("plan"), "function": "IsNull"},
                                {"field_id": "t", "field_type": "Target", "function": "IsNull"}, "odd"],
                    "schedule": {"frequency": "daily", "hour": "1"},
                    "identity": {"source": src("email"), "target": "E", "function": "Equality"},
                    "target": {"connection_id": SF, "object": "Contact"}}
    labelled = liveread.request_body_from_live("ModelSync", {**live, "filter_logic": "A and B"})
    assert [f.get("label") for f in labelled["filters"][:2]] == ["A", "B"] and labelled["filter_logic"] == "A and B"
    kept = liveread.request_body_from_live("ModelSync", {**live, "active": True, "identity": {**live["identity"], "new_field": True}})
    assert kept["active"] is True and kept["identity"]["new_field"] is True


def test_bulk_request_from_live() -> None:
    live = {"id": "i", "organization_id": "o", "name": "b", "mode": "snapshot", "active": False, "policies": [],
            "normalize_names": "legacy", "concurrency_limit": None, "source_configuration": {},
            "default_schedule": {"frequency": "daily", "hour": "1", "minute": None, "id": "x", "created_at": "t"},
            "additional_schedules": [{"frequency": "hourly", "id": "y", "minute": None, "schemas": ["a"]}, "odd"],
            "schemas": [{"id": "a", "enabled": True}, {"id": "b", "enabled": True}]}
    body = liveread.request_body_from_live("BulkSync", live)
    assert body == {"name": "b", "mode": "snapshot", "normalize_names": "legacy",
                    "default_schedule": {"frequency": "daily", "hour": "1"},
                    "additional_schedules": [{"frequency": "hourly", "schemas": ["a"]}, "odd"]}
    partial = liveread.request_body_from_live("BulkSync", {**live, "schemas": [{"id": "a", "enabled": True},
                                                                          {"id": "b", "enabled": False}, {"enabled": True}]})
    assert partial["schemas"] == ["a"]
    config = liveread.request_body_from_live("BulkSync", {**live, "schemas": [
        {"id": "a", "enabled": True, "tracking_field": "t", "partition_key": "", "disable_data_cutoff": False},
        {"id": "b", "enabled": True}]})
    assert config["schemas"] == [{"id": "a", "tracking_field": "t"}, "b"]
    assert "schemas" not in liveread.request_body_from_live("BulkSync", {**live, "schemas": []})
    assert "schemas" not in liveread.request_body_from_live("BulkSync", {**live, "schemas": None})


def test_schema_fields_and_filters_from_live() -> None:
    def fields(*items: tuple[str, bool, bool]) -> list[dict[str, Any]]:
        return [{"id": i, "enabled": e, "obfuscated": o} for i, e, o in items]

    live = {"name": "b", "schemas": [
        {"id": "all", "enabled": True, "fields": fields(("f", True, False), ("g", True, False))},
        {"id": "obf", "enabled": True, "fields": fields(("f", True, True), ("g", True, False), ("h", False, False))},
        {"id": "none", "enabled": True, "fields": fields(("f", False, False), ("g", False, True))},
        {"id": "filt", "enabled": True, "fields": [{"x": 1}], "filters": [{"field_id": "f", "function": "IsNull"}, 3]},
    ]}
    assert liveread.request_body_from_live("BulkSync", live)["schemas"] == [
        "all",
        {"id": "obf", "fields": [{"id": "f", "obfuscate": True}, "g"]},
        {"id": "none", "fields": [{"id": "f", "enabled": False}, {"id": "g", "enabled": False}]},
        {"id": "filt", "filters": [{"field_id": "f", "function": "IsNull"}]},
    ]
    request = liveread.live_request("BulkSync", live)
    assert request["schemas"][1] == {"id": "obf", "fields": [
        {"id": "f", "enabled": True, "obfuscate": True}, {"id": "g", "enabled": True, "obfuscate": False},
        {"id": "h", "enabled": False, "obfuscate": False}]}
    assert request["schemas"][3]["filters"] == [{"field_id": "f", "function": "IsNull"}, 3]
    unread = liveread.live_request("BulkSync", {"schemas": [{"id": "a", "enabled": True, "partition_key": "p"},
                                                     {"id": "b", "enabled": False}, "odd", {"enabled": True}]})
    assert unread["schemas"] == [{"id": "a", "partition_key": "p"}]
    assert "schemas" not in liveread.live_request("BulkSync", {"name": "x"})
    assert liveread.live_request("ModelSync", {"name": "x", "id": "i", "schemas": [1]}) == {"name": "x"}


# ---- ignore_changes and labels ------------------------------------------------------------------


def test_carried_values() -> None:
    live = {"fields": [{"source": src("email"), "target": "E", "new": False},
                       {"target": "O", "override_value": "v", "new": False}],
            "filters": [{"field": src("plan"), "field_id": "x", "label": "P", "function": "IsNull", "field_type": "Model"}],
            "schedule": {"frequency": "hourly", "minute": "5"}, "active": False}
    assert carry.carried_value("ModelSync", live, "fields") == [{"source": src("email"), "target": "E"}]
    assert carry.carried_value("ModelSync", live, "override_fields") == [{"target": "O", "override_value": "v"}]
    assert carry.carried_value("ModelSync", live, "filters") == [{"field": src("plan"), "label": "P", "function": "IsNull"}]
    assert carry.carried_value("ModelSync", live, "schedule.minute") == "5"
    assert carry.carried_value("ModelSync", live, "active") is False
    assert carry.carried_value("ModelSync", {"fields": [{"target": "E"}]}, "override_fields") is None
    assert carry.carried_value("ModelSync", {"filters": []}, "filters") is None
    assert carry.carried_value("ModelSync", {"filters": None}, "filters") is None
    assert carry.carried_value("BulkSync", {"fields": [{"target": "E"}]}, "fields") is None


def test_drop_ignored() -> None:
    view_ = {"fields": [{"target": "E"}, {"target": "O", "override_value": "v"}], "schedule": {"hour": "1", "minute": "2"}}
    one = {**view_}
    carry.drop_ignored("ModelSync", one, "fields")
    assert one["fields"] == [{"target": "O", "override_value": "v"}]
    two = {**view_}
    carry.drop_ignored("ModelSync", two, "override_fields")
    assert two["fields"] == [{"target": "E"}]
    three = {**view_, "schedule": dict(view_["schedule"])}
    carry.drop_ignored("ModelSync", three, "schedule.hour")
    assert three["schedule"] == {"minute": "2"}
    bulk = {"fields": [1], "x": 1}
    carry.drop_ignored("BulkSync", bulk, "fields")
    assert bulk == {"x": 1}
    empty: dict[str, Any] = {"override_fields": None}
    carry.drop_ignored("ModelSync", empty, "override_fields")
    assert empty == {}


def test_live_labels_are_kept_without_a_logic() -> None:
    a = {"field": src("plan"), "function": "IsNull"}
    b = {"field": src("email"), "function": "IsNull"}
    live = {"filters": [{**b, "field_id": "x", "field_type": "Model", "label": "A"},
                        {**a, "field_id": "y", "field_type": "Model", "label": "B"}, "odd"]}
    out = carry.with_live_labels("ModelSync", {"filters": [a, b, {**a, "label": "Z"}, "odd"]}, live)
    assert out["filters"] == [{**a, "label": "B"}, {**b, "label": "A"}, {**a, "label": "Z"}, "odd"]
    taken = carry.with_live_labels("ModelSync", {"filters": [a, {**b, "label": "B"}]}, live)
    assert taken["filters"] == [a, {**b, "label": "B"}]  # "B" is the file's already
    twice = carry.with_live_labels("ModelSync", {"filters": [a, a]}, live)
    assert twice["filters"] == [{**a, "label": "B"}, a]
    body = {"filters": [a], "filter_logic": "A"}
    assert carry.with_live_labels("ModelSync", body, live) is body
    assert carry.with_live_labels("ModelSync", {"filters": [a], "filter_logic": " "}, live)["filters"] == [{**a, "label": "B"}]
    assert carry.with_live_labels("BulkSync", {"filters": [a]}, live) == {"filters": [a]}
    assert carry.with_live_labels("ModelSync", {"filters": None}, live) == {"filters": None}
    assert carry.with_live_labels("ModelSync", {"filters": [a]}, {"filters": None}) == {"filters": [a]}
    unlabelled = carry.with_live_labels("ModelSync", {"filters": [a]}, {"filters": [a]})
    assert unlabelled["filters"] == [a]


@pytest.mark.parametrize("kind", ["ModelSync", "BulkSync"])
def test_a_projection_plans_as_no_change(kind: str) -> None:
    if kind == "ModelSync":
        live = {**sync(active=True, filters=[{"field": src("plan"), "field_id": "x", "label": "A",
                                              "function": "IsNull", "field_type": "Model"}],
                       filter_logic="A"), "id": "i"}
    else:
        live = {"id": "i", "name": "b", "mode": "snapshot", "default_schedule": {"frequency": "manual", "id": "d"},
                "schemas": [{"id": "a", "enabled": True, "fields": [{"id": "f", "enabled": True, "obfuscated": True}]},
                            {"id": "b", "enabled": False}]}
    desired = views.view(kind, liveread.request_body_from_live(kind, live))  # type: ignore[arg-type]
    have = views.view(kind, liveread.live_request(kind, live))  # type: ignore[arg-type]
    want, have = align.align_schemas(desired, have)
    assert diff_views(kind, have, want) == []  # type: ignore[arg-type]


# ---- cases found by mutation testing ------------------------------------------------------------


def test_a_value_turned_into_a_mapping_is_one_change() -> None:
    assert [(d.path, d.before, d.after) for d in diff_views("ModelSync", {"x": 5}, {"x": {"y": 1}})] == [
        ("x", 5, {"y": 1})]


def test_write_only_is_kept_on_plain_leaves() -> None:
    d = leaf("target.create", None, {"name": "x"}, write_only=True)
    assert d.write_only and not d.sensitive and d.after == {"name": "x"}


def test_keyless_lists_pair_only_a_single_leftover_on_both_sides() -> None:
    live = {"additional_schedules": [{"frequency": "hourly"}, {"frequency": "daily"}]}
    desired = {"additional_schedules": [{"frequency": "weekly"}]}
    out = [(d.path, d.before, d.after) for d in diff_views("BulkSync", live, desired)]
    assert out == [("additional_schedules[0]", {"frequency": "hourly"}, None),
                   ("additional_schedules[0]", None, {"frequency": "weekly"}),
                   ("additional_schedules[1]", {"frequency": "daily"}, None)]
    assert diff_views("BulkSync", {"additional_schedules": ["x", "y"]}, {"additional_schedules": ["y", "x"]}) == []


def test_twin_filters_match_exactly_once_the_server_values_are_aligned() -> None:
    one = {"field": src("plan"), "function": "Inequality", "value": "free"}
    two = {"field": src("plan"), "function": "Inequality", "value": "trial"}
    live = {"filters": [{**two, "label": "B", "field_id": "x"}, {**one, "label": "A", "field_id": "x"}]}
    assert diff_views("ModelSync", live, {"filters": [one, two]}) == []


def test_explicit_frequencies_and_new_fields_are_kept() -> None:
    v = views.view("ModelSync", sync(schedule={"frequency": "daily", "hour": "1", "minute": "2"},
                                 identity={"source": src("email"), "target": "E", "function": "Equality",
                                           "new_field": "odd"}))
    assert v["schedule"]["frequency"] == "daily" and v["identity"]["new_field"] == "odd"
    ids = views.view("ModelSync", sync(schedule={"frequency": "runafter", "run_after": {"sync_ids": [2, "a", 1]}}))
    assert ids["schedule"] == {"frequency": "runafter", "run_after": {"sync_ids": [1, 2, "a"]}}


def test_field_lists_skip_items_without_an_id() -> None:
    assert views.selected_schemas([{"id": "s", "fields": [{"x": 1}, "f"]}]) == [
        {"id": "s", "fields": {"f": {"enabled": True, "obfuscated": False}}}]


def test_sort_key_is_canonical_json() -> None:
    assert views.sort_key({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    assert views.sort_key({"when": align._instant("2025-01-01T00:00:00Z")}) == '{"when": "2025-01-01 00:00:00+00:00"}'
    filters = views.selected_schemas([{"id": "s", "filters": [{"b": 1, "a": 2}, {"a": 3}]}])[0]["filters"]
    assert filters == [{"b": 1, "a": 2}, {"a": 3}]


def test_align_schemas_edge_cases() -> None:
    live = {"schemas": [{"x": 1}, {"id": "a", "fields": {"f": {"enabled": True, "obfuscated": False}}}, {"id": "b"}]}
    want, _ = align.align_schemas({"schemas": [{"id": "z"}, {"id": "a"}, {"id": "b"}]}, live)
    assert want["schemas"] == [{"id": "z"}, {"id": "a", "fields": {"f": {"enabled": True, "obfuscated": False}}},
                               {"id": "b"}]


def test_align_live_without_the_file_setting_identity_or_target() -> None:
    live = {"identity": {"function": "Equality", "remote_field_type_id": "t"},
            "target": {"connection_id": SF, "object": "Made"}}
    assert align.align_live("ModelSync", {}, live) == live
    assert align.align_live("ModelSync", {"target": {"connection_id": SF}}, live) == live
    both = align.align_live("ModelSync", {"target": {"object": "Made", "create": {"name": "x"}}}, live)
    assert both["target"] == {"connection_id": SF, "object": "Made"}
    no_object = align.align_live("ModelSync", {"target": {"create": {"name": "x"}}}, {"target": {"connection_id": SF}})
    assert no_object["target"] == {"connection_id": SF}
    by_hand = align.align_live("ModelSync", {"target": {"create": {"name": "x"}}},
                           {"target": {"object": "Made", "configuration": "s"}})
    assert by_hand["target"] == {"configuration": "s"}


def test_naive_times_are_never_the_same_instant() -> None:
    out = align.align_timestamps("BulkSync", {"data_cutoff_timestamp": "2025-01-01T00:00:00"},
                             {"data_cutoff_timestamp": "2025-01-01T00:00:00.000000"})
    assert out["data_cutoff_timestamp"] == "2025-01-01T00:00:00.000000"
    lower = align.align_timestamps("BulkSync", {"data_cutoff_timestamp": "2025-01-01T00:00:00Z"},
                               {"data_cutoff_timestamp": "2025-01-01T00:00:00z"})
    assert lower["data_cutoff_timestamp"] == "2025-01-01T00:00:00Z"


def test_carried_values_prefer_the_request_projection() -> None:
    live = {"fields": [{"source": src("email"), "target": "E", "new": False}],
            "schemas": [{"id": "a", "enabled": True, "fields": [{"id": "f", "enabled": True, "obfuscated": True}]},
                        {"id": "b", "enabled": True}]}
    assert carry.carried_value("BulkSync", live, "schemas") == [{"id": "a", "fields": [{"id": "f", "obfuscate": True}]}, "b"]
    assert carry.carried_value("ModelSync", live, "fields[0].new") is False
    assert carry.carried_value("ModelSync", live, "fields[0].target") == "E"


def test_an_odd_live_filter_is_compared_whole() -> None:
    desired = {"filters": [{"field_id": "a", "function": "IsNull"}]}
    out = [(d.path, d.before, d.after) for d in diff_views("ModelSync", {"filters": ["odd"]}, desired)]
    assert out == [("filters[0]", "odd", None), ("filters[a]", None, {"field_id": "a", "function": "IsNull"})]


def test_live_labels_go_to_unlabelled_filters_only_once() -> None:
    a = {"field": src("plan"), "function": "IsNull"}
    out = carry.with_live_labels("ModelSync", {"filters": [{**a, "label": None}]}, {"filters": [{**a, "label": "X"}]})
    assert out["filters"] == [{**a, "label": "X"}]
    twice = carry.with_live_labels("ModelSync", {"filters": [a, a]}, {"filters": [{**a, "label": "X"}, {**a, "label": "X"}]})
    assert twice["filters"] == [{**a, "label": "X"}, a]


def test_carry_puts_or_removes_only_the_ignored_path() -> None:
    e, o = {"source": src("email"), "target": "E"}, {"target": "O", "override_value": "v"}
    body: dict[str, Any] = {"fields": [e, o], "active": True, "sync_all_records": True}
    carry.carry("ModelSync", body, {"fields": [e]}, "active", "active")
    assert body == {"fields": [e, o], "sync_all_records": True}  # no live value: left out
    carry.carry("ModelSync", body, {"fields": [e], "sync_all_records": False}, "sync_all_records", "sync_all_records")
    assert body == {"fields": [e, o], "sync_all_records": False}
    odd: dict[str, Any] = {"fields": None}
    carry.carry("ModelSync", odd, {"fields": [e, o]}, "fields", "fields")
    assert odd == {"fields": [e]}
    overrides: dict[str, Any] = {"fields": [e, o]}
    carry.carry("ModelSync", overrides, {"fields": [{"target": "P", "override_value": "w"}]}, "override_fields",
            "override_fields")
    assert overrides == {"fields": [e], "override_fields": [{"target": "P", "override_value": "w"}]}


def test_an_update_names_the_live_ids_of_unchanged_additional_schedules() -> None:
    live = {"additional_schedules": [{"id": "s1", "frequency": "hourly", "minute": "5", "created_at": "t"},
                                     {"id": "s2", "frequency": "daily", "hour": "1", "minute": "0"}, "odd", {"frequency": "x"},
                                     {"id": "s3", "frequency": "continuous"}]}
    body = {"additional_schedules": [{"frequency": "daily", "hour": "1", "minute": "0"}, {"frequency": "weekly"},
                                     {"frequency": "hourly", "minute": "5"}, {"frequency": "hourly", "minute": "5"},
                                     {"id": "mine", "frequency": "continuous"}, "odd"]}
    assert carry.with_schedule_ids("BulkSync", body, live)["additional_schedules"] == [
        {"frequency": "daily", "hour": "1", "minute": "0", "id": "s2"}, {"frequency": "weekly"},
        {"frequency": "hourly", "minute": "5", "id": "s1"}, {"frequency": "hourly", "minute": "5"},
        {"id": "mine", "frequency": "continuous"}, "odd"]
    assert carry.with_schedule_ids("ModelSync", body, live) is body
    assert carry.with_schedule_ids("BulkSync", {"additional_schedules": None}, live) == {"additional_schedules": None}
    assert carry.with_schedule_ids("BulkSync", body, {"additional_schedules": None}) is body
