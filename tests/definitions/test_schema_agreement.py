"""check-jsonschema (what editors and CI linters run) agrees with `reconciler validate`.

Every example and every file of the broken corpus gets the same verdict from both, except the
cases listed in DIFFERENCES, each with the reason a JSON Schema cannot (or deliberately does not)
express the rule. The list is exact: a case that starts to agree must leave it. Files `reconciler export` writes
get the same verdict (valid) from both too.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, FormatChecker

from reconciler.definitions.load import validate_paths
from reconciler.definitions.placeholder_schema import strip
from reconciler.definitions.semantic import reference_slot
from tests.definitions.helpers import DEMO_ENV, EXAMPLES, SCHEMAS
from tests.definitions.test_broken_corpus import BROKEN, CASES, ENV
from tests.reports.helpers import (
    accounts_to_hubspot, create, generated_model_sync, run, users_to_salesforce, warehouse_to_s3,
)
from tests.support.emulator import Emulator

COMBINED = SCHEMAS / "reconciler.schema.json"

_ENVIRONMENT = "depends on which environment variables are set, which a schema cannot see"
_GRAMMAR = ("placeholder grammar (kinds, braces, nesting, keys, references outside id fields) is checked "
            "by validate in every string; the schema only widens the constrained strings")
_CROSS_FIELD = "a rule between fields or list items (the API's, not in its create-request schema)"
_VALUE = "a value rule the API enforces but its OpenAPI schema does not state"
_CROSS_FILE = "a rule across files; a schema sees one document"
_YAML = "a YAML loading rule of validate's safe loader (merged duplicate keys, surrogates, YAML 1.1 booleans)"
_PATHS = "ignore_changes entries are checked against the field tree of the schema itself"

#: corpus case -> why check-jsonschema accepts what validate refuses
DIFFERENCES = {
    "16_unset_env_var.yaml": _ENVIRONMENT,
    "81_unset_env_var_in_enum_field.yaml": _ENVIRONMENT,
    "17_unknown_placeholder.yaml": _GRAMMAR,
    "18_malformed_placeholder.yaml": _GRAMMAR,
    "20_reference_outside_id_field.yaml": _GRAMMAR,
    "64_env_in_name.yaml": _GRAMMAR,
    "66_unclosed_placeholder.yaml": _GRAMMAR,
    "67_nested_placeholder.yaml": _GRAMMAR,
    "80_placeholder_in_a_key.yaml": _GRAMMAR,
    "32_update_without_identity.yaml": _CROSS_FIELD,
    "33_filter_logic_unknown_label.yaml": _CROSS_FIELD,
    "34_duplicate_filter_label.yaml": _CROSS_FIELD,
    "35_daily_without_hour.yaml": _CROSS_FIELD,
    "36_weekly_without_day.yaml": _CROSS_FIELD,
    "37_runafter_without_run_after.yaml": _CROSS_FIELD,
    "38_dbtcloud_without_job.yaml": _CROSS_FIELD,
    "41_target_object_and_create.yaml": _CROSS_FIELD,
    "42_target_without_object.yaml": _CROSS_FIELD,
    "45_target_mapped_twice.yaml": _CROSS_FIELD,
    "47_runafter_itself.yaml": _CROSS_FIELD,
    "49_field_without_source.yaml": _CROSS_FIELD,
    "50_override_field_without_value.yaml": _CROSS_FIELD,
    "55_bulk_schema_twice.yaml": _CROSS_FIELD,
    "59_bulk_runafter.yaml": _CROSS_FIELD,
    "39_hour_out_of_range.yaml": _VALUE,
    "40_bad_day_of_week.yaml": _VALUE,
    "46_blank_name.yaml": _VALUE,
    "70_hour_not_ascii_digit.yaml": _VALUE,
    "71_bulk_schema_empty_id.yaml": _VALUE,
    "63_duplicate_names_across_files": _CROSS_FILE,
    "74_duplicate_key_in_merged_mapping.yaml": _YAML,
    "79_lone_surrogate_escape.yaml": _YAML,
    "83_unquoted_yes_override.yaml": _YAML,
    "43_ignore_changes_unknown_path.yaml": _PATHS,
}
#: corpus cases not given to check-jsonschema at all, and why
NOT_RUN = {
    "27_billion_laughs.yaml": "check-jsonschema expands YAML aliases without a bound (minutes of CPU); "
                              "validate refuses the file at once",
}


def _files(case: Path) -> list[Path]:
    return sorted(case.glob("*.yaml")) if case.is_dir() else [case]


def check_jsonschema(files: list[Path]) -> dict[Path, bool]:
    """check-jsonschema's verdict on each file (one run, offline: the schema is a local file)."""
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert exe, "check-jsonschema is in the test extra"
    result = subprocess.run([exe, "--no-cache", "-o", "json", "--schemafile", str(COMBINED), *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert (report["status"], result.returncode != 0) in (("ok", False), ("fail", True)), result.stderr
    refused = {Path(e["filename"]) for e in report.get("errors", []) + report.get("parse_errors", [])}
    return {f: f not in refused for f in files}


@pytest.mark.e2e  # runs check-jsonschema as a process
def test_check_jsonschema_agrees_with_validate_on_examples_and_corpus() -> None:
    examples = sorted(EXAMPLES.glob("*.yaml"))
    cases = [c for c in CASES if c.name not in NOT_RUN]
    verdicts = check_jsonschema(examples + [f for case in cases for f in _files(case)])
    assert all(verdicts[f] for f in examples), [f.name for f in examples if not verdicts[f]]
    assert validate_paths([str(EXAMPLES)], DEMO_ENV).ok
    disagree = {}
    for case in cases:
        schema_ok = all(verdicts[f] for f in _files(case))
        validate_ok = validate_paths([str(case)], ENV).ok
        assert not validate_ok, case.name  # the corpus is of mistakes
        if schema_ok != validate_ok:
            disagree[case.name] = schema_ok
    assert all(disagree.values()), "check-jsonschema refuses a file validate accepts"
    assert sorted(disagree) == sorted(DIFFERENCES)
    assert all((BROKEN / name).exists() for name in [*DIFFERENCES, *NOT_RUN])


def test_validate_checks_the_schema_without_the_placeholder_branches() -> None:
    committed = json.loads(COMBINED.read_text())
    stripped = json.dumps(strip(committed))
    assert "placeholder" in COMBINED.read_text() and "placeholder as written" not in stripped
    # what validate checks after substitution: the API's constraints, untouched
    mode = strip(committed)["definitions"]["ModelSync"]["properties"]["mode"]
    assert "anyOf" not in mode and "updateOrCreate" in mode["enum"]


_EDITOR = Draft7Validator(json.loads(COMBINED.read_text()), format_checker=FormatChecker())


def _minimal_model_sync() -> dict:
    return yaml.safe_load((EXAMPLES / "users-to-salesforce.yaml").read_text())


def _id_slots(node: object, path: str = "") -> list[str]:
    """Every field path of ``node`` that takes a reference."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _id_slots(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _id_slots(value, f"{path}[{i}]")
    elif isinstance(node, str) and reference_slot(path):
        found.append(path)
    return found


def _set(doc: dict, path: str, value: str) -> None:
    parts = path.replace("]", "").replace("[", ".").split(".")
    node: object = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value  # type: ignore[index]


# names as people write them (letters, digits, spaces, punctuation); control characters are a
# loader rule of their own (corpus case 76)
_NAMES = st.builds(str.__add__, st.characters(whitelist_categories=("L", "N")),
                   st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs", "Pd", "Po"),
                                                  blacklist_characters="{}"), max_size=19))


@settings(max_examples=60, deadline=None)
@given(name=_NAMES, env=st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,10}\Z"), data=st.data())
def test_editor_schema_takes_placeholders_exactly_where_validate_does(tmp_path_factory: pytest.TempPathFactory,
                                                                     name: str, env: str, data: st.DataObject) -> None:
    doc = _minimal_model_sync()
    slots = _id_slots(doc)
    path = data.draw(st.sampled_from(slots))
    kind = reference_slot(path)
    other = data.draw(st.sampled_from([k for k in ("connection", "model", "sync", "bulk_sync") if k != kind]))
    folder = tmp_path_factory.mktemp("agree")

    def both(value: str) -> tuple[bool, bool]:
        _set(doc, path, value)
        (folder / "s.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
        return (not list(_EDITOR.iter_errors(doc)),
                validate_paths([str(folder)], {**DEMO_ENV, env: "4b1e3c1e-93a4-4a6e-9d8b-0d4b1d1f2a3c"}).ok)

    assert both(f"${{{kind}:{name}}}") == (True, True)
    assert both(f"${{env:{env}}}") == (True, True)
    assert both(f"${{{other}:{name}}}") == (False, False)
    assert both("not-a-uuid") == (False, False)


@pytest.mark.e2e  # runs check-jsonschema as a process
def test_check_jsonschema_agrees_with_validate_on_exported_files(emulator: Emulator, tmp_path: Path) -> None:
    rng = random.Random(7)
    for body in [users_to_salesforce(), accounts_to_hubspot(), *(generated_model_sync(i, rng) for i in range(12))]:
        create(emulator, "ModelSync", body)
    create(emulator, "BulkSync", warehouse_to_s3())
    exported = run(emulator, "export", cwd=tmp_path)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    files = sorted((tmp_path / "syncs").glob("*.yaml"))
    assert len(files) == 15
    verdicts = check_jsonschema(files)
    assert all(verdicts.values()), [f.name for f, ok in verdicts.items() if not ok]
    assert validate_paths([str(tmp_path / "syncs")], {}).ok
