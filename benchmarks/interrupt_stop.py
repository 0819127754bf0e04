"""How long Ctrl-C (SIGINT) and SIGTERM take to stop a slow `reconciler apply`, against the emulator.

Two slow applies of 20 new model syncs (parallelism 4):

- *retrying*: every create answers 503 and the retry backoff starts at 2 s (up to 120 s per change);
- *in flight*: every create takes 3 s to be answered (a write on the wire keeps its deadline).

The signal is sent once the writes are under way; the figure is the time from the signal to the
process exit, with its exit code and summary line. Run:

    .venv/bin/python benchmarks/interrupt_stop.py [--trials 3]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.apply.helpers import cli_env, model_sync, write_definitions  # noqa: E402
from tests.support.emulator import reconciler_command, start_emulator  # noqa: E402

SCENARIOS = {
    "retrying": {"method": "POST", "path": "/api/syncs", "action": "error", "status": 503},
    "in flight": {"method": "POST", "path": "/api/syncs", "action": "latency", "latency_ms": 3000},
}


def one(emulator, defs: Path, cwd: Path, signum: int) -> tuple[float, int, str]:
    env = cli_env(emulator, RECONCILER_RETRY_BASE_DELAY="2", RECONCILER_RETRY_BUDGET="120", RECONCILER_API_TIMEOUT="30")
    proc = subprocess.Popen([*reconciler_command(), "apply", str(defs), "--auto-approve"], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while emulator.requests()["counts"].get("POST /api/syncs", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    took = time.monotonic() - sent
    summary = next((line for line in err.splitlines() if line.startswith("Stopped")), "(no summary)")
    return took, proc.returncode, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    emulator = start_emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            defs = write_definitions(Path(tmp) / "syncs", [model_sync(f"Slow {i:02d}") for i in range(20)])
            cwd = Path(tmp)
            print("| scenario | signal | trial | stopped after | exit | summary |")
            print("| --- | --- | ---: | ---: | ---: | --- |")
            for scenario, rule in SCENARIOS.items():
                for trial in range(args.trials):
                    signum = signal.SIGINT if trial % 2 == 0 else signal.SIGTERM
                    emulator.reset()
                    emulator.add_faults(rule)
                    took, code, summary = one(emulator, defs, cwd, signum)
                    print(f"| {scenario} | {signal.Signals(signum).name} | {trial + 1} | {took:.2f} s | {code} | {summary} |",
                          flush=True)
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
