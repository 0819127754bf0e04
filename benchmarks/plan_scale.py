"""How `reconciler plan` scales: requests, wall time and peak memory against the emulator.

Seeds the emulator with N model syncs (default N = 100, 1000, 5000), each declared by a definition,
and plans them at 0 and 20 ms of added latency per request, with both list-item shapes the API
can answer with (2025-09-18 light items, which need a GET per owned sync, and full items, which
need none). Side by side: the baseline that reads every sync by id, ten at a time (the Terraform
refresh pattern, ids taken from a state file). All in one run:

    .venv/bin/python benchmarks/plan_scale.py [--sizes 100,1000,5000] [--latencies 0,20] [--bulk 100]

Then N bulk syncs are planned once to count the per-schema reads (a listing and a read per
selected schema for each bulk sync).

Peak memory is the peak of Python allocations (tracemalloc) during the planning call, measured in
a separate pass so it does not slow the timed one.
"""

from __future__ import annotations

import argparse
import math
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.api.client import PolytomicClient, map_concurrent  # noqa: E402
from reconciler.config import ApiSettings  # noqa: E402
from reconciler.definitions.model import Definition  # noqa: E402
from reconciler.errors import Position  # noqa: E402
from reconciler.planning.planner import plan_against  # noqa: E402

API_KEY = "bench-api-key-0123456789"
VERSION = "2025-09-18"
SALESFORCE = "c0000000-0000-4000-8000-000000000002"
USERS_MODEL = "a0000000-0000-4000-8000-000000000001"
PARALLELISM = 10  # the same concurrency as the baseline
SEED_CHUNK = 500


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


class Emulator:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler.emulator", "--port", str(self.port), "--api-key", API_KEY],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=self.url, timeout=120)
        for _ in range(300):
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

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def client(url: str) -> PolytomicClient:
    settings = ApiSettings(url=url, version=VERSION, api_key=API_KEY, timeout=120)
    return PolytomicClient(settings, max_connections=32)


def measure(emu: Emulator, fn: Callable[[], Any], *, memory: bool) -> tuple[int, float, float | None, Any]:
    """(requests, seconds, peak MiB or None, result)."""
    emu.control("DELETE", "/_emulator/requests")
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    requests = emu.control("GET", "/_emulator/requests")["total"]
    return requests, seconds, peak, result


WAREHOUSE = "c0000000-0000-4000-8000-000000000001"
S3 = "c0000000-0000-4000-8000-000000000004"


def bulk_body(i: int) -> dict[str, Any]:
    """A bulk sync with two of the warehouse's four schemas selected, one with field settings."""
    return {"name": f"bench-bulk-{i:04d}", "mode": "replicate", "source_connection_id": WAREHOUSE,
            "destination_connection_id": S3, "default_schedule": {"frequency": "daily", "hour": "1", "minute": "0"},
            "destination_configuration": {"format": "parquet"},
            "schemas": ["public.users", {"id": "public.events", "fields": ["id", {"id": "user_id", "obfuscate": True}]}]}


def bulk_reads(n: int) -> dict[str, int]:
    """Requests of a plan over ``n`` bulk syncs, per route: the per-schema reads are one listing
    and one ``GET .../schemas/{schema_id}`` per selected schema for each bulk sync."""
    emu = Emulator()
    try:
        emu.control("POST", "/_emulator/seed", json={"bulk_syncs": [bulk_body(i) for i in range(n)]})
        definitions = [Definition(kind="BulkSync", name=bulk_body(i)["name"], spec=bulk_body(i),
                                  position=Position("bench.yaml", i + 1, 1)) for i in range(n)]
        emu.control("DELETE", "/_emulator/requests")
        with client(emu.url) as c:
            result = plan_against(c, definitions, parallelism=PARALLELISM)
        assert result.summary.unchanged == n and not result.has_changes, result.summary.line()
        return emu.control("GET", "/_emulator/requests")["counts"]
    finally:
        emu.stop()


def run(sizes: list[int], latencies: list[int]) -> list[dict[str, Any]]:
    emu = Emulator()
    rows: list[dict[str, Any]] = []
    try:
        for n in sizes:
            emu.control("POST", "/_emulator/reset")
            ids: list[str] = []
            for start in range(0, n, SEED_CHUNK):
                chunk = [body(i) for i in range(start, min(n, start + SEED_CHUNK))]
                ids += emu.control("POST", "/_emulator/seed", json={"model_syncs": chunk})["model_syncs"]
            definitions = [Definition(kind="ModelSync", name=body(i)["name"], spec=body(i),
                                      position=Position("bench.yaml", i + 1, 1)) for i in range(n)]

            def plan() -> Any:
                with client(emu.url) as c:
                    result = plan_against(c, definitions, parallelism=PARALLELISM)
                assert result.summary.unchanged == n and not result.has_changes, result.summary.line()
                return result

            def baseline() -> Any:
                with client(emu.url) as c:
                    return map_concurrent(c.get_model_sync, ids, 10)

            for latency in latencies:
                emu.control("DELETE", "/_emulator/faults")
                if latency:
                    emu.control("POST", "/_emulator/faults",
                                json={"action": "latency", "latency_ms": latency, "path": "/api/*"})
                for label, items, fn in (("plan (light list items)", "light", plan),
                                         ("plan (full list items)", "full", plan),
                                         ("baseline: GET by id, 10 at a time", "light", baseline)):
                    emu.control("PUT", "/_emulator/settings", json={"list_items": items})
                    requests, seconds, _, _ = measure(emu, fn, memory=False)
                    peak = None
                    if latency == latencies[0]:
                        peak = measure(emu, fn, memory=True)[2]
                    rows.append({"n": n, "latency": latency, "what": label, "requests": requests,
                                 "seconds": seconds, "peak_mib": peak})
                    print(_row(rows[-1]), flush=True)
            emu.control("DELETE", "/_emulator/faults")
    finally:
        emu.stop()
    return rows


HEADER = f"{'N':>6} {'latency':>8} {'what':<36} {'requests':>9} {'wall s':>8} {'peak MiB':>9}"


def _row(r: dict[str, Any]) -> str:
    peak = f"{r['peak_mib']:.1f}" if r["peak_mib"] is not None else "-"
    return f"{r['n']:>6} {str(r['latency']) + ' ms':>8} {r['what']:<36} {r['requests']:>9} {r['seconds']:>8.2f} {peak:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--latencies", default="0,20")
    parser.add_argument("--bulk", type=int, default=100, help="bulk syncs for the per-schema read count (0: skip)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    latencies = [int(x) for x in args.latencies.split(",")]
    print(f"plan at parallelism {PARALLELISM}; list pages hold 50 syncs (ceil(N/50) list requests per pass)")
    print(HEADER, flush=True)
    rows = run(sizes, latencies)
    print("\nSummary")
    print(HEADER)
    for r in rows:
        print(_row(r))
    for n in sizes:
        print(f"N={n}: a complete listing is {math.ceil(n / 50)} page(s)")
    if args.bulk:
        counts = bulk_reads(args.bulk)
        schema_reads = {k: v for k, v in counts.items() if "/schemas" in k}
        print(f"\nplan of {args.bulk} bulk syncs (2 selected schemas each): {sum(counts.values())} requests; "
              f"per-schema reads: {schema_reads}")


if __name__ == "__main__":
    main()
