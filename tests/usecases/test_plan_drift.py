"""run_plan, run_drift, run_status and run_export in-process: result values, no output, no exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import Ownership, ProjectConfig
from reconciler.errors import ConfigError, InvalidDefinitions
from reconciler.usecases.drift import DriftOptions, run_drift
from reconciler.usecases.export import ExportOptions, run_export
from reconciler.usecases.plan import PlanOptions, run_plan
from reconciler.usecases.status import run_status
from reconciler.usecases.validate import run_validate
from tests.apply.helpers import api_body, model_sync
from tests.support.inprocess import InProcessEmulator
from tests.usecases.helpers import connect_to, create_live, definitions, writes

PROJECT = ProjectConfig()


def test_plan_is_a_value_and_reads_only(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    live = model_sync("uc-moved")
    create_live(inprocess, live)
    before = writes(inprocess)
    paths = definitions(tmp_path, [model_sync("uc-new"), model_sync("uc-moved", frequency="weekly")])
    plan = run_plan(connect_to(inprocess), PROJECT, PlanOptions(paths=paths)).plan
    assert {c.name: c.action for c in plan.pending} == {"uc-new": "create", "uc-moved": "update"}
    assert writes(inprocess) == before


def test_plan_checks_the_files_before_asking_for_a_client(tmp_path: Path) -> None:
    paths = definitions(tmp_path, [{**model_sync("uc-bad"), "shedule": {"frequency": "daily"}}])

    def no_client(parallelism: int):  # type: ignore[no-untyped-def]
        raise AssertionError("the client was built for invalid files")

    with pytest.raises(InvalidDefinitions):
        run_plan(no_client, PROJECT, PlanOptions(paths=paths))
    with pytest.raises(ConfigError, match="prune"):  # --prune without an owns: scope
        run_plan(no_client, PROJECT, PlanOptions(paths=paths, prune=True))


def test_plan_warns_through_the_callable_when_the_cache_cannot_be_written(inprocess: InProcessEmulator,
                                                                          tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    lines: list[str] = []
    paths = definitions(tmp_path, [model_sync("uc-a")])
    run_plan(connect_to(inprocess), PROJECT, PlanOptions(paths=paths), warn=lines.append,
             environ={"RECONCILER_CACHE_DIR": str(blocker / "cache")})
    assert any(line.startswith("Warning: ") and "read cache" in line for line in lines), lines


def test_drift_reports_an_edit_made_outside_git(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    doc = model_sync("uc-a")
    sync_id = create_live(inprocess, doc)
    paths = definitions(tmp_path, [doc])
    assert not run_drift(connect_to(inprocess), PROJECT, DriftOptions(paths=paths)).report.has_drift
    inprocess.data("PUT", f"/api/syncs/{sync_id}", json={**api_body(doc), "schedule": {"frequency": "hourly"}})
    report = run_drift(connect_to(inprocess), PROJECT, DriftOptions(paths=paths)).report
    assert report.has_drift and [c.name for c in report.changes] == ["uc-a"]


def test_drift_counts_unmanaged_syncs_inside_owns_only(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    create_live(inprocess, model_sync("elsewhere"))
    paths = definitions(tmp_path, [model_sync("uc-a")])
    create_live(inprocess, model_sync("uc-a"))
    project = ProjectConfig(owns=Ownership(name_prefix="uc-"))
    assert not run_drift(connect_to(inprocess), project, DriftOptions(paths=paths)).report.has_drift
    create_live(inprocess, model_sync("uc-stray"))
    report = run_drift(connect_to(inprocess), project, DriftOptions(paths=paths)).report
    assert [u.name for u in report.unmanaged] == ["uc-stray"]


def test_status_export_and_validate_return_values(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    doc = model_sync("uc-a")
    create_live(inprocess, doc)
    paths = definitions(tmp_path, [doc, model_sync("uc-missing")])
    report = run_status(connect_to(inprocess), PROJECT, paths)
    assert sorted((r.name, r.state == "not created") for r in report.rows) == [("uc-a", False), ("uc-missing", True)]
    run = run_export(connect_to(inprocess), PROJECT, ExportOptions(out_dir=str(tmp_path / "out")))
    assert [p.name for p in run.paths] == [e.file_name for e in run.exported] and len(run.paths) == 1
    assert run.has_write_only_values and run.paths[0].exists()
    checked = run_validate(PROJECT, [str(tmp_path / "out")])
    assert checked.result.ok and checked.missing == ()
