"""End-to-end speed of the installed `reconciler` against the emulator, side by side with the SDK.

For each size N: seeds the emulator with N model syncs, exports them with `reconciler export`
(the definitions a user adopting an organisation would have), adds latency to every API request,
then measures, all in this one run and against the same emulator:

- `reconciler validate` (CPU per 1,000 files);
- `reconciler plan`, cold (no read cache) and warm (the cache the cold run left), light list items;
- the baseline: the official `polytomic` SDK reading every sync by id, 10 at a time, ids taken
  from a state file (what a Terraform-style refresh does);
- the floor: a bare httpx client paging through the listing and nothing else.

Every command runs in its own process; wall time, CPU (user + system) and peak RSS are that
process's own. Run it from a checkout with the package installed (`make .venv/bin/.installed`):

    .venv/bin/python benchmarks/cli_speed.py [--sizes 2000] [--latency-ms 20] [--repeat 3]

Each figure is the median of --repeat runs. The machine's load average is printed with the
figures: on a shared machine wall times move with it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

API_KEY = "bench-api-key-0123456789"
VERSION = "2025-09-18"
SALESFORCE = "c0000000-0000-4000-8000-000000000002"
USERS_MODEL = "a0000000-0000-4000-8000-000000000001"
BASELINE_CONCURRENCY = 10
SEED_CHUNK = 500
PAGE = 50


def body(i: int) -> dict[str, Any]:
    return {
        "name": f"bench-{i:05d}",
        "mode": "updateOrCreate",
        "active": i % 2 == 0,
        "schedule": {"frequency": "daily", "hour": str(i % 24), "minute": "0"},
        "target": {"connection_id": SALESFORCE, "object": "Contact"},
        "identity": {"source": {"model_id": USERS_MODEL, "field": "email"}, "target": "Email", "function": "Equality"},
        "fields": [
            {"source": {"model_id": USERS_MODEL, "field": "first_name"}, "target": "FirstName"},
            {"source": {"model_id": USERS_MODEL, "field": "last_name"}, "target": "LastName"},
        ],
        "filters": [{"field": {"model_id": USERS_MODEL, "field": "plan"}, "function": "Equality", "value": "pro"}],
    }


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float
    requests: int
    code: int


def reconciler() -> str:
    beside = Path(sys.executable).with_name("reconciler")
    found = str(beside) if beside.exists() else shutil.which("reconciler")
    if not found:
        raise SystemExit("the reconciler command is not installed (make .venv/bin/.installed)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen([reconciler(), "emulator", "--port", port, "--api-key", API_KEY],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=self.url, timeout=300)
        for _ in range(600):
            try:
                self.http.get("/_emulator/settings")
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise SystemExit("the emulator did not start")

    def control(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        r.raise_for_status()
        return r.json().get("data") if r.content else None

    def requests(self) -> int:
        return int(self.control("GET", "/_emulator/requests")["total"])

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def measure(command: list[str], cwd: Path, env: dict[str, str], emu: Emulator) -> Run:
    """Run one command in its own process: its wall time, CPU, peak RSS and API requests."""
    emu.control("DELETE", "/_emulator/requests")
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(command[:3])} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, emu.requests(), proc.returncode)


def median(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall", "cpu", "rss_mib")),
               requests=max(r.requests for r in runs), code=0)


# ---- the two reference clients, each run as its own process -------------------------------------


def sdk_baseline(url: str, state_file: str) -> None:
    """Terraform-style refresh: every sync in the state file read by id with the official SDK."""
    import polytomic

    ids = json.loads(Path(state_file).read_text())
    client = polytomic.Polytomic(base_url=url, token=API_KEY, version=VERSION, max_retries=0)
    with ThreadPoolExecutor(max_workers=BASELINE_CONCURRENCY) as pool:
        got = list(pool.map(lambda sync_id: client.model_sync.get(sync_id).data, ids))
    assert len(got) == len(ids)


def bare_listing(url: str) -> None:
    """The floor: page through `GET /api/syncs` and do nothing else."""
    headers = {"Authorization": f"Bearer {API_KEY}", "X-Polytomic-Version": VERSION}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as http:
        token = None
        for _ in range(100_000):
            params = {"limit": PAGE, **({"page_token": token} if token else {})}
            answer = http.get("/api/syncs", params=params).raise_for_status().json()
            token = (answer.get("pagination") or {}).get("next_page_token")
            if not token:
                return


# ---- the benchmark --------------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench(emu: Emulator, n: int, latency_ms: int, repeat: int, work: Path) -> dict[str, Any]:
    emu.control("POST", "/_emulator/reset")
    emu.control("DELETE", "/_emulator/faults")
    ids: list[str] = []
    for start in range(0, n, SEED_CHUNK):
        chunk = [body(i) for i in range(start, min(n, start + SEED_CHUNK))]
        ids += emu.control("POST", "/_emulator/seed", json={"model_syncs": chunk})["model_syncs"]
    state = work / "state.json"
    state.write_text(json.dumps(ids))
    env = {**os.environ, "POLYTOMIC_API_URL": emu.url, "POLYTOMIC_API_KEY": API_KEY, "NO_COLOR": "1"}
    env.pop("RECONCILER_CACHE_DIR", None)
    project = work / f"project-{n}"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    subprocess.run([reconciler(), "export", "--out", "syncs"], cwd=project, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    if latency_ms:
        emu.control("POST", "/_emulator/faults", json={"action": "latency", "latency_ms": latency_ms, "path": "/api/*"})
    cache = project / ".reconciler"
    me = [sys.executable, str(Path(__file__).resolve())]
    runs: dict[str, list[Run]] = {k: [] for k in ("validate", "plan cold", "plan warm", "sdk baseline", "bare listing")}
    for _ in range(repeat):
        runs["validate"].append(measure([reconciler(), "validate", "syncs"], project, env, emu))
        shutil.rmtree(cache, ignore_errors=True)
        runs["plan cold"].append(measure([reconciler(), "plan", "syncs"], project, env, emu))
        runs["plan warm"].append(measure([reconciler(), "plan", "syncs"], project, env, emu))
        runs["sdk baseline"].append(measure([*me, "--sdk-baseline", emu.url, str(state)], project, env, emu))
        runs["bare listing"].append(measure([*me, "--bare-listing", emu.url], project, env, emu))
    emu.control("DELETE", "/_emulator/faults")
    return {k: median(v) for k, v in runs.items()}


def report(n: int, latency_ms: int, figures: dict[str, Run]) -> None:
    print(f"\nN = {n} model syncs, {latency_ms} ms added to every API request, load average {load()}")
    print(f"{'':<14} {'wall s':>8} {'CPU s':>7} {'RSS MiB':>8} {'requests':>9}")
    for label, r in figures.items():
        print(f"{label:<14} {r.wall:>8.2f} {r.cpu:>7.2f} {r.rss_mib:>8.0f} {r.requests:>9}")
    base, floor = figures["sdk baseline"], figures["bare listing"]
    cold, warm, validate = figures["plan cold"], figures["plan warm"], figures["validate"]
    pages = math.ceil(n / PAGE)
    print(f"plan cold / sdk baseline, wall: {cold.wall / base.wall:.2f}x (target <= 1.0x)")
    print(f"plan warm / bare listing, wall: {warm.wall / floor.wall:.2f}x (target <= 2x); "
          f"plan warm / sdk baseline: {warm.wall / base.wall:.2f}x")
    print(f"plan warm requests: {warm.requests} (listing alone: {floor.requests}; target <= ceil(N/50) + 3 = {pages + 3})")
    print(f"validate CPU per 1,000 files: {validate.cpu / n * 1000:.2f} s (target <= 0.5 s)")
    print(f"plan CPU per 1,000 syncs: cold {cold.cpu / n * 1000:.2f} s, warm {warm.cpu / n * 1000:.2f} s "
          f"(sdk baseline {base.cpu / n * 1000:.2f} s); peak RSS cold {cold.rss_mib:.0f} MiB")


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--sdk-baseline":
        return sdk_baseline(sys.argv[2], sys.argv[3])
    if len(sys.argv) >= 2 and sys.argv[1] == "--bare-listing":
        return bare_listing(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000", help="comma-separated numbers of syncs (default 2000)")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"reconciler: {reconciler()}; load average at start {load()} on {os.cpu_count()} CPUs")
    emu = Emulator()
    try:
        with tempfile.TemporaryDirectory(prefix="reconciler-bench-") as tmp:
            for n in (int(x) for x in args.sizes.split(",")):
                report(n, args.latency_ms, bench(emu, n, args.latency_ms, max(1, args.repeat), Path(tmp)))
    finally:
        emu.stop()


if __name__ == "__main__":
    main()
