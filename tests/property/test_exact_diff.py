"""Property test of the plan's promise on generated organisations (see tests/property/check.py).

Fixed seed and bounded size here; a bigger run on demand:
``RECONCILER_PROPERTY_EXAMPLES=300 .venv/bin/python -m pytest -q tests/property`` or
``make property-large`` (prints the figures).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.property import generate
from tests.property.check import REORDER, Figures, run_example
from tests.support.inprocess import InProcessEmulator

EXAMPLES = int(os.environ.get("RECONCILER_PROPERTY_EXAMPLES", "25"))
# Keys no generated request sets, and why.
NOT_GENERATED = {"BulkSyncAdditionalScheduleRequest": {"id"}}  # a server-assigned schedule id


@pytest.fixture(scope="module")
def reordering() -> Iterator[InProcessEmulator]:
    emu = InProcessEmulator(faults=REORDER)
    yield emu
    emu.close()


def test_the_strategies_cover_every_optional_field_of_the_openapi_requests() -> None:
    for name, keys in generate.covered_keys().items():
        assert keys == generate.properties(name) - NOT_GENERATED.get(name, set()), name


@seed(20251201)
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_adopt_edit_update_and_apply_tell_the_truth(reordering: InProcessEmulator, data: st.DataObject) -> None:
    figures = Figures()
    run_example(data, reordering, figures)
    assert figures.bad == 0, "\n".join(figures.notes)
