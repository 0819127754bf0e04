"""`owns:` in reconciler.yaml: which unmanaged live syncs a repository reports and may prune."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.config import Ownership, load_project_config
from reconciler.errors import ConfigError
from reconciler.planning.model import Unmanaged
from reconciler.planning.ownership import NARROWED, owned_unmanaged
from tests.planning.helpers import create, model, plan, run_cli, users_sync, write_yaml
from tests.support.emulator import Emulator


def _others(emulator: Emulator) -> dict[str, str]:
    """Live syncs nobody declares: two of the platform team's, two of other teams."""
    return {name: create(emulator, "ModelSync", users_sync(name))
            for name in ("Team a", "Team b", "Sales x", "Finance y")}


@pytest.mark.parametrize("owns, listed", [
    (Ownership(name_prefix="Team "), ["Team a", "Team b"]),
    (Ownership(names=frozenset({"Sales x", "Team b"})), ["Sales x", "Team b"]),
    (Ownership(all=True), ["Finance y", "Sales x", "Team a", "Team b"]),
])
def test_unmanaged_outside_owns_are_counted_not_listed(emulator: Emulator, owns: Ownership, listed: list[str]) -> None:
    _others(emulator)
    result = plan(emulator, [model(users_sync("Team declared"))], owns=owns)
    assert [u.name for u in result.unmanaged] == listed
    assert result.unowned == 4 - len(listed)
    assert result.summary.unmanaged == len(listed)
    if result.unowned:
        assert any("outside `owns:`" in h.message for h in result.hints)


def test_without_owns_everything_is_listed_with_a_hint(emulator: Emulator) -> None:
    _others(emulator)
    result = plan(emulator, [model(users_sync("Team declared"))])
    assert len(result.unmanaged) == 4 and result.unowned == 0
    assert [h.message.split(":")[0] for h in result.hints] == ["4 unmanaged live syncs"]
    assert "set `owns:` in reconciler.yaml" in result.hints[0].message


def test_drift_ignores_other_teams_syncs(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Team declared")}])
    create(emulator, "ModelSync", users_sync("Team declared"))
    create(emulator, "ModelSync", users_sync("Sales x"))
    assert run_cli(emulator, "drift", cwd=tmp_path).returncode == 2  # no owns: every unmanaged sync is drift
    (tmp_path / "reconciler.yaml").write_text('owns: {name_prefix: "Team "}\n')
    clean = run_cli(emulator, "drift", "--format", "json", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["unmanaged"] == []
    mine = create(emulator, "ModelSync", users_sync("Team forgotten"))
    drifted = run_cli(emulator, "drift", "--format", "json", cwd=tmp_path)
    assert drifted.returncode == 2
    assert [u["sync_id"] for u in json.loads(drifted.stdout)["unmanaged"]] == [mine]


def test_prune_deletes_only_what_owns_names(emulator: Emulator, tmp_path: Path) -> None:
    write_yaml(tmp_path / "syncs", [{"kind": "ModelSync", **users_sync("Team declared")}])
    ids = _others(emulator)
    refused = run_cli(emulator, "plan", "--prune", cwd=tmp_path)
    assert refused.returncode == 1 and "owns:" in refused.stderr
    (tmp_path / "reconciler.yaml").write_text('owns: {names: ["Team b", "Gone already"]}\n')
    listed = run_cli(emulator, "plan", "--format", "json", cwd=tmp_path)  # no --prune: nothing deleted
    assert [c["action"] for c in json.loads(listed.stdout)["changes"]] == ["create"]
    result = run_cli(emulator, "plan", "--prune", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(c["action"], c["sync_id"]) for c in doc["changes"] if c["action"] == "delete"] == [("delete", ids["Team b"])]
    assert doc["not_owned"] == 3 and doc["unmanaged"] == []


def test_config_is_found_from_a_subdirectory_up_to_the_repository_root(emulator: Emulator, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_yaml(repo / "teams" / "syncs", [{"kind": "ModelSync", **users_sync("Team declared")}])
    (repo / "reconciler.yaml").write_text('definitions: teams/syncs\nowns: {name_prefix: "Team "}\n')
    create(emulator, "ModelSync", users_sync("Sales x"))
    deep = repo / "teams" / "syncs"
    result = run_cli(emulator, "plan", "--format", "json", cwd=deep)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc["changes"]] == ["Team declared"] and doc["not_owned"] == 1
    assert doc["changes"][0]["source"]["file"] == "000.yaml"  # relative to where the command runs
    # a reconciler.yaml above the repository root is not this repository's
    (tmp_path / "reconciler.yaml").write_text("owns: {all: true}\n")
    (repo / "reconciler.yaml").unlink()
    assert load_project_config(deep).path is None


@pytest.mark.parametrize("text, message", [
    ("own: {all: true}\n", "unknown setting 'own' (did you mean 'owns'?)"),
    ("owns: {nmes: [a]}\n", "unknown key in owns: 'nmes' (did you mean 'names'?)"),
    ("owns: {names: []}\n", "owns needs name_prefix, names or all: true"),
    ("owns: {names: [1]}\n", "owns.names must be a list of sync names"),
    ("owns: {all: true}\nprune: {all: true}\n", "not both"),
    ("paralelism: 3\n", "(did you mean 'parallelism'?)"),
    # a second key used to win silently: here the prune scope would have grown to everything
    ('owns: {name_prefix: "Team "}\nowns: {all: true}\n', "reconciler.yaml:2:1: not valid YAML: owns: duplicate key 'owns'"),
    ("owns: {all: true, all: false}\n", "reconciler.yaml:1:19: not valid YAML: owns.all: duplicate key 'all'"),
    ("owns: !!python/name:os.system {}\n", "reconciler.yaml:1:7"),
    ("owns: {all: true}\n---\nowns: {names: [a]}\n", "one YAML document"),
    ("owns:\n", "owns must be a mapping"),
])
def test_config_mistakes_get_one_clear_message(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "reconciler.yaml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_project_config(tmp_path)
    assert message in str(error.value)


def test_prune_key_still_works_with_a_deprecation_message(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text('prune: {name_prefix: "tmp-"}\n')
    project = load_project_config(tmp_path)
    assert project.owns == Ownership(name_prefix="tmp-") and project.prune == project.owns
    assert "`prune:` is deprecated" in project.deprecations[0]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(names=st.lists(st.text(min_size=0, max_size=6, alphabet="Tea m-x"), max_size=12),
       prefix=st.one_of(st.none(), st.text(min_size=1, max_size=3, alphabet="Tea m")),
       owned=st.frozensets(st.text(min_size=1, max_size=6, alphabet="Tea m-x"), max_size=4),
       everything=st.booleans())
def test_owned_unmanaged_partitions_the_unmanaged_syncs(names: list[str], prefix: str | None, owned: frozenset[str],
                                                        everything: bool) -> None:
    unmanaged = [Unmanaged("ModelSync", f"id-{i}", name) for i, name in enumerate(names)]
    owns = Ownership(name_prefix=prefix, names=owned, all=everything)
    listed, unowned = owned_unmanaged(unmanaged, owns)
    assert len(listed) + unowned == len(unmanaged)
    assert all(u in unmanaged for u in listed)  # order kept, nothing invented
    for u in unmanaged:
        inside = everything or u.name in owned or (prefix is not None and u.name.startswith(prefix))
        assert (u in listed) == inside
    assert owned_unmanaged(unmanaged, None) == (tuple(unmanaged), 0)
    assert owned_unmanaged(unmanaged, NARROWED) == ((), len(unmanaged))
