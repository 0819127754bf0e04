"""Small pure pieces of the apply command: settings from flags and environment, sensitive paths."""

from __future__ import annotations

import pytest

from reconciler.cli.apply import _value_at, retry_policy
from reconciler.errors import ConfigError


def test_retry_policy_from_environment_and_flag() -> None:
    default = retry_policy(None, {})
    assert default.budget == 120.0 and default.base_delay == 0.5
    fast = retry_policy(None, {"RECONCILER_RETRY_BASE_DELAY": "0.01", "RECONCILER_RETRY_BUDGET": "3"})
    assert fast.base_delay == 0.01 and fast.budget == 3.0 and fast.max_delay <= 1.0
    assert retry_policy(7.5, {"RECONCILER_RETRY_BUDGET": "3"}).budget == 7.5  # the flag wins
    with pytest.raises(ConfigError, match="RECONCILER_RETRY_BASE_DELAY"):
        retry_policy(None, {"RECONCILER_RETRY_BASE_DELAY": "soon"})


def test_value_at_paths() -> None:
    spec = {"target": {"configuration": {"token": "t"}}, "fields": [{"target": "a"}, {"target": "b"}]}
    assert _value_at(spec, "target.configuration.token") == "t"
    assert _value_at(spec, "fields[1].target") == "b"
    assert _value_at(spec, "fields[5].target") is None
    assert _value_at(spec, "nope.deeper") is None
