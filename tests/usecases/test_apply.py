"""The apply workflow in-process: run_apply against the emulator through the client's transport seam."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from reconciler.api.stop import Stop
from reconciler.config import Ownership, ProjectConfig
from reconciler.errors import PlanError
from reconciler.planning.model import Plan
from reconciler.planning.saved import save_plan
from reconciler.usecases.apply import ApplyIO, ApplyOptions, run_apply
from reconciler.usecases.plan import PlanOptions, run_plan
from tests.apply.helpers import api_body, bulk_sync, model_sync
from tests.support.inprocess import InProcessEmulator
from tests.usecases.helpers import connect_to, create_live, definitions, live_names, writes

PROJECT = ProjectConfig()


class Recorder:
    """An ApplyIO that remembers what the workflow showed and said."""

    def __init__(self, answer: bool = True, on_confirm=None) -> None:  # type: ignore[no-untyped-def]
        self.plans: list[Plan] = []
        self.lines: list[str] = []
        self.answer = answer
        self.on_confirm = on_confirm
        self.asked = 0
        self.writing = 0

    def io(self, **extra) -> ApplyIO:  # type: ignore[no-untyped-def]
        return ApplyIO(show_plan=self.plans.append, warn=self.lines.append, confirm=self._confirm,
                       writing=self._writing, **extra)

    def _confirm(self) -> bool:
        self.asked += 1
        if self.on_confirm is not None:
            self.on_confirm()
        return self.answer

    def _writing(self) -> None:
        self.writing += 1


def test_fresh_apply_creates_and_reports_every_outcome(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    paths = definitions(tmp_path, [model_sync("uc-a"), model_sync("uc-b")])
    seen = Recorder()
    run = run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, auto_approve=True), seen.io())
    assert [(o.name, o.action, o.status) for o in run.result.outcomes] == [("uc-a", "create", "done"),
                                                                          ("uc-b", "create", "done")]
    assert run.result.ok and not run.stopped
    assert [c.action for c in seen.plans[0].pending] == ["create", "create"]
    assert seen.asked == 0 and seen.writing == 1  # auto-approved: no prompt
    assert live_names(inprocess) == ["uc-a", "uc-b"]
    again = run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, auto_approve=True), seen.io())
    assert not again.plan.has_changes and again.result.outcomes == ()  # converged: nothing to do


def test_outcomes_collect_failures_beside_successes(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    inprocess.control("POST", "/_emulator/faults", json={"rules": [
        {"method": "POST", "path": "/api/bulk/syncs", "action": "error", "status": 422,
         "body": {"message": "refused by the test"}}]})
    paths = definitions(tmp_path, [model_sync("uc-model"), bulk_sync("uc-bulk")])
    run = run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, auto_approve=True))
    statuses = {o.name: o.status for o in run.result.outcomes}
    assert statuses == {"uc-model": "done", "uc-bulk": "failed"}
    assert not run.result.ok
    assert "refused by the test" in next(o.message for o in run.result.outcomes if o.status == "failed")


def test_the_problems_gate_refuses_the_whole_apply(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    create_live(inprocess, model_sync("uc-twin"))
    create_live(inprocess, model_sync("uc-twin"))  # two live syncs with one managed name: a plan problem
    paths = definitions(tmp_path, [model_sync("uc-twin", frequency="weekly"), model_sync("uc-other")])
    seen = Recorder()
    before = writes(inprocess)
    with pytest.raises(PlanError, match=r"1 problem\(s\) in the plan; nothing was applied"):
        run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, auto_approve=True), seen.io())
    assert writes(inprocess) == before  # not even the create of uc-other
    assert [line for line in seen.lines if line.startswith("Error: ")] and "uc-twin" in seen.lines[0]
    assert seen.plans == [] and seen.writing == 0


def test_a_no_answer_cancels_before_any_write(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    paths = definitions(tmp_path, [model_sync("uc-a")])
    seen = Recorder(answer=False)
    with pytest.raises(PlanError, match="apply cancelled; nothing was sent"):
        run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths), seen.io())
    assert seen.asked == 1 and writes(inprocess) == 0 and live_names(inprocess) == []


def test_deletes_are_checked_again_after_the_prompt(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    project = ProjectConfig(owns=Ownership(name_prefix="uc-"))
    doomed = model_sync("uc-doomed")
    doomed_id = create_live(inprocess, doomed)
    paths = definitions(tmp_path, [model_sync("uc-kept")])

    def rename_meanwhile() -> None:  # someone renames the sync while the prompt waits
        inprocess.data("PUT", f"/api/syncs/{doomed_id}", json={**api_body(doomed), "name": "renamed-by-hand"})

    seen = Recorder(on_confirm=rename_meanwhile)
    run = run_apply(connect_to(inprocess), project, ApplyOptions(paths=paths, prune=True), seen.io())
    statuses = {(o.name, o.action): o.status for o in run.result.outcomes}
    assert statuses == {("uc-kept", "create"): "done", ("uc-doomed", "delete"): "stale"}
    assert not run.result.ok
    assert any(line.startswith("Refusing stale change ModelSync") and doomed_id in line for line in seen.lines)
    assert "renamed-by-hand" in live_names(inprocess)  # not deleted


def test_auto_approve_deletes_without_a_second_look(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    project = ProjectConfig(owns=Ownership(name_prefix="uc-"))
    create_live(inprocess, model_sync("uc-doomed"))
    paths = definitions(tmp_path, [model_sync("uc-kept")])
    run = run_apply(connect_to(inprocess), project, ApplyOptions(paths=paths, prune=True, auto_approve=True))
    assert {(o.name, o.action, o.status) for o in run.result.outcomes} == {("uc-kept", "create", "done"),
                                                                           ("uc-doomed", "delete", "done")}
    assert live_names(inprocess) == ["uc-kept"]


def _saved(inprocess: InProcessEmulator, paths: tuple[str, ...], tmp_path: Path) -> str:
    plan = run_plan(connect_to(inprocess), PROJECT, PlanOptions(paths=paths)).plan
    out = tmp_path / "plan.json"
    save_plan(plan, out)
    return str(out)


def test_a_saved_plan_that_still_holds_is_carried_out(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    paths = definitions(tmp_path, [model_sync("uc-a"), model_sync("uc-b")])
    saved = _saved(inprocess, paths, tmp_path)
    create_live(inprocess, model_sync("uc-a"))  # done meanwhile, as the saved plan says
    options = ApplyOptions(paths=paths, plan_file=saved, auto_approve=True)
    run = run_apply(connect_to(inprocess), PROJECT, options)
    outcomes = {o.name: (o.status, o.message) for o in run.result.outcomes}
    assert outcomes["uc-b"][0] == "done" and "already done" not in outcomes["uc-b"][1]
    assert outcomes["uc-a"] == ("done", "already done: the live sync matches the saved change")
    assert run.result.ok and [c.name for c in run.plan.pending] == ["uc-b"]


def test_a_refused_saved_change_stops_everything_unless_partial(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    paths = definitions(tmp_path, [model_sync("uc-a"), model_sync("uc-b")])
    saved = _saved(inprocess, paths, tmp_path)
    create_live(inprocess, model_sync("uc-a", frequency="weekly"))  # uc-a moved: a fresh plan updates it
    seen = Recorder()
    with pytest.raises(PlanError, match=r"1 saved change\(s\) differ"):
        run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, plan_file=saved, auto_approve=True),
                  seen.io())
    assert live_names(inprocess) == ["uc-a"] and seen.writing == 0
    assert any(line.startswith("Refusing stale change ModelSync") and "uc-a" in line for line in seen.lines), seen.lines
    partial = ApplyOptions(paths=paths, plan_file=saved, auto_approve=True, partial=True)
    run = run_apply(connect_to(inprocess), PROJECT, partial)
    assert {o.name: o.status for o in run.result.outcomes} == {"uc-a": "stale", "uc-b": "done"}
    assert not run.result.ok and live_names(inprocess) == ["uc-a", "uc-b"]


def test_a_stop_during_the_writes_returns_the_summary(inprocess: InProcessEmulator, tmp_path: Path) -> None:
    paths = definitions(tmp_path, [model_sync(f"uc-{i}") for i in range(4)])
    stop = Stop()
    io = Recorder().io(finished=lambda outcome, count, total: stop.set(signal.SIGTERM))
    run = run_apply(connect_to(inprocess), PROJECT, ApplyOptions(paths=paths, auto_approve=True, parallelism=1),
                    io, stop=stop)
    assert run.stopped and run.stopped_by == signal.SIGTERM
    tally = run.tally()
    assert tally["done"] == 1 and tally["not_started"] == 3 and tally["failed"] == 0
    assert len(live_names(inprocess)) == 1
