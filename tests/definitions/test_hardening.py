"""Regression tests for problems found by adversarial review of the definitions loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.definitions.load import validate_paths
from tests.definitions.test_cli import run as run_validate
from tests.definitions.helpers import write

SYNC = """kind: ModelSync
name: Leaky
mode: create
schedule:
  frequency: manual
target:
  connection_id: c0000000-0000-4000-8000-000000000001
  object: Contact
fields:
  - source: {model_id: m0000000-0000-4000-8000-000000000001, field: email}
    target: Email
""".replace("m0000000", "a0000000")
BULK = """kind: BulkSync
name: Bulky
mode: snapshot
source_connection_id: c0000000-0000-4000-8000-000000000001
destination_connection_id: c0000000-0000-4000-8000-000000000002
destination_configuration: {}
default_schedule: {frequency: manual}
"""
SECRET = "hunter2-top-secret"


@pytest.mark.parametrize("text, fragment", [
    (SYNC.replace("frequency: manual", "frequency: daily\n  hour: ${env:S}\n  minute: '0'"),
     "schedule.hour: must be a number from 0 to 23"),
    (SYNC.replace("frequency: manual", "frequency: weekly\n  hour: '1'\n  minute: '0'\n  day_of_week: ${env:S}"),
     "schedule.day_of_week: must be a day name such as 'monday'"),
    (SYNC + "filter_logic: ${env:S}\n", "filter_logic: names a label which no filter has"),
    (SYNC + "filters:\n  - {field_id: x, function: IsNull, label: '${env:S}'}\n"
            "  - {field_id: y, function: IsNull, label: '${env:S}'}\n",
     "filters[1].label: this label is already used by filters[0]"),
    (SYNC.replace("target: Email", "target: ${env:S}\n  - target: ${env:S}\n    override_value: x\n"
                                   "  - target: ${env:S}\n    override_value: y"),
     "fields[2].target: this target field is already mapped by fields[1]"),
    (SYNC + "ignore_changes: ['${env:S}']\n", "ignore_changes[0]: the value is not a field of a ModelSync"),
    (BULK + "schemas: ['${env:S}', '${env:S}']\n", "schemas[1]: this schema is already listed at schemas[0]"),
    (BULK + "schemas: [{id: a, data_cutoff_timestamp: '${env:S}'}]\n",
     "schemas[0].data_cutoff_timestamp: the value is not a date-time"),
])
def test_env_values_never_quoted_in_messages(tmp_path: Path, text: str, fragment: str) -> None:
    result = validate_paths([str(write(tmp_path, "s.yaml", text))], {"S": SECRET})
    rendered = "\n".join(p.render() for p in result.problems)
    assert SECRET not in rendered
    assert "hunter2" not in rendered
    assert fragment in rendered, rendered
    assert len(result.problems) == 1, rendered


def test_literal_values_are_still_quoted(tmp_path: Path) -> None:
    text = SYNC.replace("frequency: manual", "frequency: daily\n  hour: '24'\n  minute: '0'")
    [problem] = validate_paths([str(write(tmp_path, "s.yaml", text))], {}).problems
    assert problem.message == "must be a number from 0 to 23 (got '24')"


def test_json_output_stays_valid_when_a_secret_reads_like_a_json_literal(tmp_path: Path) -> None:
    write(tmp_path, "syncs/a.yaml", SYNC + "encryption_passphrase: ${env:PASS}\n")
    write(tmp_path, "syncs/b.yaml", "kind: [\n")  # a file-level problem: "resource": null
    result = run_validate("--format", "json", "syncs", cwd=tmp_path, env={"PASS": "null"})
    assert result.returncode == 1
    records = json.loads(result.stdout)
    assert [(r["file"], r["resource"]) for r in records] == [("syncs/b.yaml", None)]


def test_github_annotation_escapes_file_name_properties(tmp_path: Path) -> None:
    write(tmp_path, "syncs/a,b::c%d.yaml", SYNC.replace("mode: create", "mode: nope"))
    result = run_validate("syncs", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotations == [
        "::error file=syncs/a%2Cb%3A%3Ac%25d.yaml,line=3,col=1::ModelSync \"Leaky\": mode: 'nope' is not one of "
        "create, update, updateOrCreate, replace, append, remove, snapshot"]


def test_yaml_level_problems_name_the_resource(tmp_path: Path) -> None:
    text = SYNC + "target2: {a: 1, a: 2}\n"
    result = validate_paths([str(write(tmp_path, "s.yaml", text))], {})
    assert [p.render().split(": ", 1)[1] for p in result.problems] == [
        "ModelSync \"Leaky\": target2: unknown key 'target2'; did you mean 'target'?",
        "ModelSync \"Leaky\": target2.a: duplicate key 'a' (first given at line 12); YAML would silently keep "
        "only the last one",
    ]


def test_many_plain_values_are_not_called_an_alias_bomb(tmp_path: Path) -> None:
    text = SYNC + "target2: [" + ", ".join(["0"] * 100_001) + "]\n"
    [problem] = validate_paths([str(write(tmp_path, "s.yaml", text))], {}).problems
    assert problem.message == ("the document has more than 100000 values; refusing to load "
                               "(split it into several documents or files)")


def test_hidden_symlinked_folder_is_skipped_like_any_hidden_folder(tmp_path: Path) -> None:
    import os

    write(tmp_path, "outside/x.yaml", "not: [valid\n")
    write(tmp_path, "syncs/ok.yaml", SYNC)
    os.symlink(tmp_path / "outside", tmp_path / "syncs" / ".cache")
    result = validate_paths([str(tmp_path / "syncs")], {})
    assert result.ok, [p.render() for p in result.problems]
    assert [d.name for d in result.definitions] == ["Leaky"]


def test_nested_merges_are_resolved_not_dropped(tmp_path: Path) -> None:
    text = ("x-base: &base {frequency: daily, hour: '6'}\n"
            "x-more: &more {<<: *base, minute: '30'}\n") + SYNC.replace("schedule:\n  frequency: manual",
                                                                      "schedule: {<<: *more, hour: '7'}")
    result = validate_paths([str(write(tmp_path, "m.yaml", text))], {})
    # only the two anchor-holder keys are unknown; the schedule is complete
    assert [p.path for p in result.problems] == ["x-base", "x-more"]
    [d] = result.definitions
    assert d.spec["schedule"] == {"frequency": "daily", "hour": "7", "minute": "30"}


def test_merge_bomb_is_bounded(tmp_path: Path) -> None:
    import tracemalloc

    rows = ["a: &a {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8}"]
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{cur}: &{cur} {{<<: [{', '.join(['*' + prev] * 9)}]}}")
    tracemalloc.start()
    try:
        [problem] = validate_paths([str(write(tmp_path, "bomb.yaml", "\n".join(rows) + "\n"))], {}).problems
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # refused before merging 9**9 mappings
    assert "aliases expand to more than 100000 values" in problem.message


def test_duplicate_pinned_id_points_at_each_id_line(tmp_path: Path) -> None:
    text = (SYNC.replace("name: Leaky", "name: X") + "id: 6F9619FF-8B86-4011-B42D-00C04FC964FF\n---\n"
            + SYNC.replace("name: Leaky", "name: Y") + "id: 6f9619ff-8b86-4011-b42d-00c04fc964ff\n")
    path = write(tmp_path, "d.yaml", text)
    result = validate_paths([str(path)], {})
    assert [(p.position.line, p.position.column, p.path) for p in result.problems] == [(12, 1, "id"), (25, 1, "id")]
    assert result.problems[0].message == (
        f"id 6F9619FF-8B86-4011-B42D-00C04FC964FF is also pinned by ModelSync \"Y\" at {path}:25:1")


def test_env_value_holding_a_reference_is_not_resolved_again(tmp_path: Path) -> None:
    text = SYNC.replace("connection_id: c0000000-0000-4000-8000-000000000001", "connection_id: ${env:CONN}")
    result = validate_paths([str(write(tmp_path, "s.yaml", text))], {"CONN": "${connection:Salesforce CRM}"})
    [problem] = result.problems
    assert (problem.path, problem.message) == (
        "target.connection_id", "the value of ${env:...} holds a ${connection:...}-style placeholder; values from "
        "the environment are used as they are, never resolved again")


def test_fifo_named_yaml_is_refused_without_blocking(tmp_path: Path) -> None:
    import os
    import threading

    write(tmp_path, "syncs/ok.yaml", SYNC)
    os.mkfifo(tmp_path / "syncs" / "pipe.yaml")
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(validate_paths([str(tmp_path / "syncs")], {})), daemon=True)
    worker.start()
    worker.join(5)
    if not outcome:  # unblock the reader so the test process can end
        with open(tmp_path / "syncs" / "pipe.yaml", "w"):
            pass
    assert outcome, "validate blocked reading a FIFO"
    result = outcome[0]
    assert [p.render() for p in result.problems] == [
        f"{tmp_path / 'syncs' / 'pipe.yaml'}:1:1: not a regular file; refusing to read it"]


def test_oversized_file_is_not_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.definitions import yamlsafe

    monkeypatch.setattr(yamlsafe, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, "big.yaml", SYNC + "# " + "x" * 5000 + "\n")
    [problem] = validate_paths([str(path)], {}).problems
    assert problem.render() == f"{path}:1:1: file is larger than 1000 bytes; definition files are small"


def test_a_refused_value_repeated_by_an_alias_is_reported_once(tmp_path: Path) -> None:
    text = SYNC.replace("target: Email", "target: &t !!binary aGVsbG8=\n  - target: *t\n    override_value: x")
    result = validate_paths([str(write(tmp_path, "a.yaml", text))], {})
    assert [(p.position.line, p.path) for p in result.problems] == [(11, "fields[0].target")]


def test_every_problem_is_one_line_even_for_names_and_keys_with_line_breaks(tmp_path: Path) -> None:
    text = SYNC.replace("name: Leaky", 'name: "Two\\nlines"').replace("mode: create", "mode: nope") \
        + '"bad\\r\\nkey": 1\n'
    result = validate_paths([str(write(tmp_path, "n.yaml", text))], {})
    rendered = [p.render().split(": ", 1)[1] for p in result.problems]
    assert rendered == [
        "ModelSync \"Two\\nlines\": mode: 'nope' is not one of create, update, updateOrCreate, replace, append, "
        "remove, snapshot",
        "ModelSync \"Two\\nlines\": bad\\r\\nkey: unknown key 'bad\\r\\nkey' (allowed: active, encryption_passphrase, "
        "fields, filter_logic, filters, id, identity, ignore_changes, kind, mode, name, only_enrich_updates, "
        "organization_id, override_fields, overrides, policies, schedule, skip_initial_backfill, sync_all_records, "
        "target, write_only_rotated_at)",
    ]


def test_a_missing_label_used_twice_in_filter_logic_is_one_message(tmp_path: Path) -> None:
    text = SYNC + "filters:\n  - {field_id: x, function: IsNull}\nfilter_logic: (A AND C) OR (NOT C)\n"
    result = validate_paths([str(write(tmp_path, "f.yaml", text))], {})
    assert [p.message for p in result.problems] == ["names label 'C', which no filter has (labels: A)"]


def test_aliases_of_a_long_text_are_bounded_by_size_not_only_count(tmp_path: Path) -> None:
    text = SYNC + "override_fields:\n  - target: A\n    override_value: &big \"" + "x" * 1_000_000 + "\"\n" + "".join(
        f"  - target: B{i}\n    override_value: *big\n" for i in range(50))
    [problem] = validate_paths([str(write(tmp_path, "big.yaml", text))], {}).problems
    assert "aliases expand to more than" in problem.message



def test_an_alias_bomb_is_refused_before_anything_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.definitions import yamlsafe

    rows = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, cur in zip("abcdefghijklmnopqrs", "bcdefghijklmnopqrst"):  # 10^20 values once expanded
        rows.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]")
    built: list[str] = []
    original = yamlsafe._Builder.build
    monkeypatch.setattr(yamlsafe._Builder, "build", lambda self, node, path: built.append(path) or original(self, node, path))
    [problem] = validate_paths([str(write(tmp_path, "bomb.yaml", "\n".join(rows) + "\n"))], {}).problems
    assert "aliases expand to more than" in problem.message
    assert built == []
    aliased = SYNC.replace("schedule:\n  frequency: manual", "schedule: &s {frequency: manual}")
    assert validate_paths([str(write(tmp_path, "ok.yaml", aliased))], {}).ok and built  # a small alias is built
