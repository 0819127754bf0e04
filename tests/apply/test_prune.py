"""Prune checks happen before any write and refuse the whole apply."""

from __future__ import annotations

import pytest

from reconciler.apply import check_deletions, require_scope
from reconciler.config import PruneScope
from reconciler.errors import ConfigError, PlanError
from reconciler.planning.model import Change, Plan


def deletes(*names: str) -> Plan:
    return Plan(changes=tuple(Change(kind="ModelSync", name=n, action="delete", sync_id=f"id-{n}", fingerprint="f") for n in names))


def test_prune_without_scope_is_an_error() -> None:
    with pytest.raises(ConfigError, match="prune scope"):
        require_scope(True, None)
    assert require_scope(False, None) is None


def test_deletes_need_prune_flag() -> None:
    with pytest.raises(PlanError, match="--prune"):
        check_deletions(deletes("tmp-a"), prune=False, scope=PruneScope(name_prefix="tmp-"))


def test_deletes_outside_scope_refused() -> None:
    with pytest.raises(PlanError, match="outside the prune scope"):
        check_deletions(deletes("tmp-a", "prod"), prune=True, scope=PruneScope(name_prefix="tmp-"))
    check_deletions(deletes("tmp-a", "prod"), prune=True, scope=PruneScope(all=True))


def test_max_deletes() -> None:
    plan = deletes(*(f"tmp-{i}" for i in range(3)))
    with pytest.raises(PlanError, match="more than --max-deletes 2"):
        check_deletions(plan, prune=True, scope=PruneScope(name_prefix="tmp-"), max_deletes=2)
    check_deletions(plan, prune=True, scope=PruneScope(name_prefix="tmp-"), max_deletes=3)


def test_no_deletes_no_checks() -> None:
    check_deletions(Plan(), prune=False, scope=None)
