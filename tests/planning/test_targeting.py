"""`--target NAME|FILE` and narrower PATHs: a narrowed run never plans deleting what it did not load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reconciler.definitions.schema import suggest
from tests.planning.helpers import create, get, run_cli, users_sync
from tests.support.emulator import Emulator


def _repo(emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    """Two team files, both syncs live and edited in the UI; one sync of the team nobody declares."""
    syncs = tmp_path / "syncs"
    syncs.mkdir()
    for file, name in (("contacts.yaml", "Team contacts"), ("leads.yaml", "Team leads")):
        (syncs / file).write_text(yaml.safe_dump({"kind": "ModelSync", **users_sync(name)}, sort_keys=False))
    (tmp_path / "reconciler.yaml").write_text('owns: {name_prefix: "Team "}\n')
    ids = {name: create(emulator, "ModelSync", users_sync(name, active=True))
           for name in ("Team contacts", "Team leads", "Team orphan")}
    emulator.clear_requests()
    return ids


def _plan(emulator: Emulator, cwd: Path, *args: str) -> dict:
    result = run_cli(emulator, "plan", "--format", "json", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_target_by_name_or_file_plans_only_those(emulator: Emulator, tmp_path: Path) -> None:
    _repo(emulator, tmp_path)
    whole = _plan(emulator, tmp_path)
    assert [c["name"] for c in whole["changes"]] == ["Team contacts", "Team leads"]
    assert [u["name"] for u in whole["unmanaged"]] == ["Team orphan"]
    for target in ("Team leads", "syncs/leads.yaml"):
        narrowed = _plan(emulator, tmp_path, "--target", target)
        assert [c["name"] for c in narrowed["changes"]] == ["Team leads"]
        # the sibling's sync is not "unmanaged": a narrowed run reports none and counts them
        assert narrowed["unmanaged"] == [] and narrowed["not_owned"] == 2
        assert "narrowed" in narrowed["hints"][0]["message"]
    both = _plan(emulator, tmp_path, "--target", "Team leads", "--target", "syncs/contacts.yaml")
    assert [c["name"] for c in both["changes"]] == ["Team contacts", "Team leads"]


def test_narrowed_runs_refuse_prune_and_say_why(emulator: Emulator, tmp_path: Path) -> None:
    ids = _repo(emulator, tmp_path)
    for args in (["syncs/contacts.yaml"], ["--target", "Team contacts"]):
        for command in ("plan", "apply"):
            result = run_cli(emulator, command, *args, "--prune", "--auto-approve", cwd=tmp_path) if command == "apply" \
                else run_cli(emulator, command, *args, "--prune", cwd=tmp_path)
            assert result.returncode == 1
            assert "--prune refused" in result.stderr and "files not loaded" in result.stderr
    assert emulator.requests()["total"] == 0
    # the whole set prunes the orphan only
    whole = _plan(emulator, tmp_path, "--prune")
    assert [(c["action"], c["sync_id"]) for c in whole["changes"] if c["action"] == "delete"] == [
        ("delete", ids["Team orphan"])]
    # a path covering every configured definition is not narrower
    assert _plan(emulator, tmp_path, "syncs", "--prune")["summary"]["delete"] == 1


def test_apply_with_target_touches_only_the_target(emulator: Emulator, tmp_path: Path) -> None:
    ids = _repo(emulator, tmp_path)
    before = get(emulator, "ModelSync", ids["Team contacts"])
    result = run_cli(emulator, "apply", "--target", "syncs/leads.yaml", "--auto-approve", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert get(emulator, "ModelSync", ids["Team leads"])["active"] is False
    assert get(emulator, "ModelSync", ids["Team contacts"]) == before


def test_drift_with_target(emulator: Emulator, tmp_path: Path) -> None:
    _repo(emulator, tmp_path)
    result = run_cli(emulator, "drift", "--format", "json", "--target", "Team leads", cwd=tmp_path)
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc["changes"]] == ["Team leads"] and doc["unmanaged"] == []


def test_unknown_target_gets_a_suggestion_and_nothing_is_sent(emulator: Emulator, tmp_path: Path) -> None:
    _repo(emulator, tmp_path)
    result = run_cli(emulator, "plan", "--target", "Team lead", cwd=tmp_path)
    assert result.returncode == 1
    assert "no definition is named 'Team lead' (did you mean 'Team leads'?)" in result.stderr
    assert emulator.requests()["total"] == 0


@pytest.mark.parametrize("typed, meant", [
    ("team a", "Team A"),  # only the case differs: not the first of two names as far from it
    ("Cafe\u0301 sync", "Caf\u00e9 sync"),  # the same text, composed differently (NFD typed, NFC written)
    ("Nothing like it", None),
])
def test_did_you_mean_prefers_the_same_name_written_differently(typed: str, meant: str | None) -> None:
    names = ["Team B", "Team A", "Caf\u00e9 sync"]
    assert suggest(typed, names) == meant
    assert suggest(typed, iter(names)) == meant  # any iterable of options
