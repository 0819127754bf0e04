"""The large property run on demand: ``.venv/bin/python -m tests.property.run_large [--examples N]``
(``make property-large``). Never stops at the first problem: prints the figures of the whole run
(syncs adopted, edits, false drift, missed drift, settings lost) and the first problems found."""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.property.check import REORDER, Figures, run_example
from tests.support.inprocess import InProcessEmulator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20251201)
    parser.add_argument("--show", type=int, default=20, help="how many problems to print")
    args = parser.parse_args()
    emu = InProcessEmulator(faults=REORDER)
    figures = Figures()

    @seed(args.seed)
    @settings(max_examples=args.examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        run_example(data, emu, figures)

    started = time.monotonic()
    try:
        run()
    finally:
        emu.close()
    print(figures.line() + f" ({time.monotonic() - started:.0f} s)")
    for note in figures.notes[: args.show]:
        print("-", note[:1500])
    return 1 if figures.bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
