"""load_definitions / validate_paths: discovery, safe YAML, interpolation, positions, sensitivity."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from reconciler.definitions.load import load_definitions, validate_paths
from reconciler.errors import InvalidDefinitions, Position
from reconciler.secrets import redactor
from tests.definitions.helpers import write

SYNC = """kind: ModelSync
name: {name}
mode: create
schedule:
  frequency: manual
target:
  connection_id: ${{connection:Salesforce CRM}}
  object: Contact
fields:
  - source: {{model_id: "${{model:Users}}", field: email}}
    target: Email
"""
BULK = """kind: BulkSync
name: {name}
mode: snapshot
source_connection_id: c0000000-0000-4000-8000-000000000001
destination_connection_id: ${{connection:S3 Data Lake}}
destination_configuration: {{}}
default_schedule: {{frequency: manual}}
"""


def test_loads_files_recursively_sorted_in_document_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "syncs/b.yml", SYNC.format(name="B1") + "---\n" + BULK.format(name="B2"))
    write(tmp_path, "syncs/a/z.yaml", SYNC.format(name="A1"))
    write(tmp_path, "syncs/notes.txt", "not yaml: [")
    defs = load_definitions(["syncs"], {})
    assert [(d.kind, d.name) for d in defs] == [("ModelSync", "A1"), ("ModelSync", "B1"), ("BulkSync", "B2")]
    assert defs[2].position == Position("syncs/b.yml", 13, 1)
    assert defs[0].positions["fields[0].target"] == Position("syncs/a/z.yaml", 11, 13)
    assert defs[0].positions["schedule.frequency"] == Position("syncs/a/z.yaml", 5, 14)
    assert defs[0].spec["target"]["connection_id"] == "${connection:Salesforce CRM}"
    assert "kind" not in defs[0].spec


def test_single_file_path_and_summary(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", SYNC.format(name="One") + "---\n" + SYNC.format(name="Two"))
    result = validate_paths([str(path)], {})
    assert result.ok
    assert result.summary() == "1 file, 2 definitions, 0 errors"


def test_reconciler_keys_are_split_off(tmp_path: Path) -> None:
    text = SYNC.format(name="Pinned") + "id: 6F9619FF-8B86-4011-B42D-00C04FC964FF\nignore_changes: [schedule.hour, target.configuration.batch]\n"
    [d] = load_definitions([str(write(tmp_path, "p.yaml", text))], {})
    assert d.pinned_id == "6F9619FF-8B86-4011-B42D-00C04FC964FF"
    assert d.ignore_changes == ("schedule.hour", "target.configuration.batch")
    assert set(d.spec) == {"name", "mode", "schedule", "target", "fields"}
    assert "id" not in d.positions and "ignore_changes[0]" not in d.positions


def test_env_values_are_substituted_sensitive_and_redacted(tmp_path: Path) -> None:
    text = SYNC.format(name="Secret").replace("object: Contact", "object: ${env:SF_OBJECT}") + \
        "encryption_passphrase: pre-${env:PASS_PART}\n"
    [d] = load_definitions([str(write(tmp_path, "s.yaml", text))], {"SF_OBJECT": "Contact", "PASS_PART": "s3cr3t-value"})
    assert d.spec["target"]["object"] == "Contact"
    assert d.spec["encryption_passphrase"] == "pre-s3cr3t-value"
    assert d.sensitive_paths == {"target.object", "encryption_passphrase"}
    assert d.templates == {"target.object": "${env:SF_OBJECT}", "encryption_passphrase": "pre-${env:PASS_PART}"}
    assert redactor.scrub("x s3cr3t-value y") == "x (sensitive) y"


def test_passphrase_is_sensitive_and_registered_even_without_env(tmp_path: Path) -> None:
    text = SYNC.format(name="Plain") + "encryption_passphrase: literal-passphrase-1234\n"
    [d] = load_definitions([str(write(tmp_path, "s.yaml", text))], {})
    assert d.sensitive_paths == {"encryption_passphrase"}
    assert redactor.scrub("literal-passphrase-1234") == "(sensitive)"


def test_secret_never_appears_in_a_message(tmp_path: Path) -> None:
    text = SYNC.format(name="Leaky").replace("connection_id: ${connection:Salesforce CRM}",
                                             "connection_id: ${env:CONN}") + "encryption_passphrase: 42\n"
    result = validate_paths([str(write(tmp_path, "s.yaml", text))], {"CONN": "not-a-uuid-but-a-secret"})
    text_out = "\n".join(p.render() for p in result.problems)
    assert "not-a-uuid-but-a-secret" not in text_out
    assert "target.connection_id: the value is not a UUID" in text_out
    assert "encryption_passphrase: must be a string, not a whole number\n" in text_out + "\n"


def test_environ_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_TEST_OBJECT", "Lead")
    text = SYNC.format(name="Env").replace("object: Contact", "object: ${env:RECONCILER_TEST_OBJECT}")
    [d] = load_definitions([str(write(tmp_path, "e.yaml", text))])
    assert d.spec["target"]["object"] == "Lead"


def test_invalid_definitions_lists_every_problem_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", SYNC.format(name="B").replace("mode: create", "mode: nope"))
    write(tmp_path, "a.yaml", SYNC.format(name="A").replace("frequency: manual", "frequency: never")
          .replace("object: Contact", "objekt: Contact"))
    with pytest.raises(InvalidDefinitions) as info:
        load_definitions([str(tmp_path)], {})
    got = [(Path(p.position.file).name, p.position.line, p.path) for p in info.value.problems]
    assert got == [("a.yaml", 5, "schedule.frequency"), ("a.yaml", 6, "target"), ("a.yaml", 8, "target.objekt"),
                   ("b.yaml", 3, "mode")]
    assert info.value.problems[2].render().endswith(
        'a.yaml:8:3: ModelSync "A": target.objekt: unknown key \'objekt\'; did you mean \'object\'?')


def test_billion_laughs_rejected_fast(tmp_path: Path) -> None:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    path = write(tmp_path, "bomb.yaml", "\n".join(rows) + "\n")
    tracemalloc.start()
    try:
        result = validate_paths([str(path)], {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # refused before expanding: 9**9 values would take gigabytes
    [problem] = result.problems
    assert "aliases expand to more than 100000 values" in problem.message


def test_small_aliases_and_merge_keys_are_fine(tmp_path: Path) -> None:
    text = SYNC.format(name="Merged").replace("mode: create\n", "<<: {mode: create}\n") + \
        "---\n" + SYNC.format(name="Alias").replace("schedule:\n  frequency: manual", "schedule: &s {frequency: manual}")
    defs = load_definitions([str(write(tmp_path, "m.yaml", text))], {})
    assert [d.spec["mode"] for d in defs] == ["create", "create"]


def test_symlink_leaving_the_paths_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.yaml", SYNC.format(name="Outside"))
    write(tmp_path, "syncs/ok.yaml", SYNC.format(name="Ok"))
    os.symlink(outside, tmp_path / "syncs" / "evil.yaml")
    os.symlink(tmp_path / "outside", tmp_path / "syncs" / "evil-dir")
    result = validate_paths([str(tmp_path / "syncs")], {})
    assert [d.name for d in result.definitions] == ["Ok"]
    messages = sorted(p.message for p in result.problems)
    assert len(messages) == 2
    assert all("symlink points outside the given paths" in m for m in messages)


def test_symlink_inside_the_paths_is_followed_once(tmp_path: Path) -> None:
    real = write(tmp_path, "syncs/real.yaml", SYNC.format(name="Real"))
    os.symlink(real, tmp_path / "syncs" / "z-link.yaml")
    result = validate_paths([str(tmp_path / "syncs")], {})
    assert result.ok and [d.name for d in result.definitions] == ["Real"]


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    result = validate_paths([str(tmp_path / "nope")], {})
    [problem] = result.problems
    assert problem.render() == f"{tmp_path / 'nope'}: no such file or directory"


def test_references_accepted_in_every_id_field(tmp_path: Path) -> None:
    text = SYNC.format(name="Chained").replace(
        "  frequency: manual\n",
        "  frequency: runafter\n  run_after:\n    sync_ids: ['${sync:First}']\n    bulk_sync_ids: ['${bulk_sync:Nightly}']\n")
    text += "---\n" + SYNC.format(name="First") + "---\n" + BULK.format(name="Nightly").replace(
        "c0000000-0000-4000-8000-000000000001", "${connection:Warehouse}")
    result = validate_paths([str(write(tmp_path, "c.yaml", text))], {})
    assert result.ok, [p.render() for p in result.problems]


def test_runafter_cycle_is_reported(tmp_path: Path) -> None:
    def after(name: str, other: str) -> str:
        return SYNC.format(name=name).replace(
            "  frequency: manual\n", f"  frequency: runafter\n  run_after:\n    sync_ids: ['${{sync:{other}}}']\n")
    result = validate_paths([str(write(tmp_path, "c.yaml", after("A", "B") + "---\n" + after("B", "A")))], {})
    [problem] = result.problems
    assert problem.message == "runafter chain loops back: A -> B -> A"
    assert problem.position.line == 7


def test_duplicate_pinned_ids(tmp_path: Path) -> None:
    pin = "id: 6f9619ff-8b86-4011-b42d-00c04fc964ff\n"
    result = validate_paths([str(write(tmp_path, "d.yaml", SYNC.format(name="X") + pin + "---\n" + SYNC.format(name="Y") + pin))], {})
    assert len(result.problems) == 2
    assert all("is also pinned by" in p.message for p in result.problems)


def test_empty_file_and_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "syncs/empty.yaml", "")
    result = validate_paths([str(tmp_path / "syncs")], {})
    assert [p.message for p in result.problems] == ["file has no documents; remove it or add a definition"]
    (tmp_path / "nothing").mkdir()
    assert validate_paths([str(tmp_path / "nothing")], {}).summary() == "0 files, 0 definitions, 0 errors"


@pytest.mark.parametrize(("text", "message"), [
    ("a: !!int abc\n", "'abc' cannot be read as !!int"),
    ("a: !!map x\n", "YAML tag !!map does not fit this value"),
    ("a: !!binary aGVsbG8=\n", "unsupported YAML tag !!binary"),
    ("a: !!set {x}\n", "unsupported YAML tag !!set"),
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "YAML nesting is too deep"),
    ("a: &x [*x]\n", "YAML nesting is too deep (or an alias refers to itself)"),
])
def test_odd_yaml_is_a_clear_problem_not_a_crash(tmp_path: Path, text: str, message: str) -> None:
    result = validate_paths([str(write(tmp_path, "odd.yaml", text))], {})
    hits = [p for p in result.problems if message in p.message]
    assert len(hits) == 1 and hits[0].position.line == 1, [p.render() for p in result.problems]
