"""Small pure pieces of the apply command: settings from flags and environment, sensitive paths."""

from __future__ import annotations

import pytest

from reconciler.settings import retry_policy
from reconciler.usecases.common import register_definition_secrets
from reconciler.definitions.model import Definition
from reconciler.errors import Position
from reconciler.secrets import redactor
from reconciler.errors import ConfigError


def test_retry_policy_from_environment_and_flag() -> None:
    default = retry_policy(None, {})
    assert default.budget == 120.0 and default.base_delay == 0.5
    fast = retry_policy(None, {"RECONCILER_RETRY_BASE_DELAY": "0.01", "RECONCILER_RETRY_BUDGET": "3"})
    assert fast.base_delay == 0.01 and fast.budget == 3.0 and fast.max_delay <= 1.0
    assert retry_policy(7.5, {"RECONCILER_RETRY_BUDGET": "3"}).budget == 7.5  # the flag wins
    with pytest.raises(ConfigError, match="RECONCILER_RETRY_BASE_DELAY"):
        retry_policy(None, {"RECONCILER_RETRY_BASE_DELAY": "soon"})


def test_sensitive_paths_of_definitions_reach_the_redactor() -> None:
    spec = {"name": "n", "target": {"configuration": {"token": "tok-7f3a-canary"}},
            "fields": [{"target": "plain-target-b1"}, {"target": "field-9c2e-canary"}]}
    definition = Definition(kind="ModelSync", name="n", spec=spec, position=Position("f.yaml", 1, 1),
                            sensitive_paths=frozenset({"target.configuration.token", "fields[1].target",
                                                       "fields[5].target", "nope.deeper"}))
    register_definition_secrets([definition])
    assert redactor.scrub("tok-7f3a-canary field-9c2e-canary") == "(sensitive) (sensitive)"
    assert redactor.scrub("plain-target-b1") == "plain-target-b1"  # not a sensitive path
