"""Latency of the dashboard endpoints at 50 concurrent clients against the local stack.

    .venv/bin/python bench/api_bench.py [--rows 60000] [--clients 50] [--duration 10]
                                        [--workers 2] [--wait-load 1.5]

Starts the embedded local stack with the API served by granian worker processes
(`LocalStack(api_workers=...)`), loads the 30-day demo data through the API exactly as
`make demo` does (`wandr.demo_data`, seed 7: 60 k camera events over 40 cameras in 6 groups,
plus the Insight JSON; presigned upload -> pipeline -> aggregates) and logs in as the demo
viewer. For each endpoint it measures one client alone (`--single` sequential GETs after one
warm-up), then `--clients` closed-loop clients: `wrk` (compiled, so the load generator does
not take the CPU the server needs) holds that many keep-alive connections, each sending its
next GET as soon as the previous answer arrived, with the viewer's real ID token, for
`--duration` seconds after a short unmeasured warm-up at the same concurrency (each worker
process has caches of its own; before the warm-up, 16 concurrent first GETs make sure every
worker has loaded the tenant). It reports p50/p95/p99, throughput and non-2xx answers.

Named alternatives in the same run: GET /me (token check only) isolates HTTP + JWT + Chalice
from the query; and the card endpoints are measured a second time against the same code on
a werkzeug threaded server inside the stack's own process (how the stack served the API
before, sharing one interpreter lock with moto). Results go to bench/results/api.md.

wrk is Debian's `wrk` package; the bench installs it with apt-get when it runs as root and
it is missing, and otherwise says so.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wandr import demo_data
from wandr.cli import DEMO_INSIGHTS, DEMO_ROWS
from wandr.client import WandrClient
from wandr.localstack.http import ChaliceWsgi, HttpServer, load_chalice_app
from wandr.localstack.stack import LocalStack

RESULTS = Path(__file__).resolve().parent / "results" / "api.md"
RANGE = "start=2024-03-01&end=2024-03-30"
CARDS = [
    "/me",
    f"/analytics/summary?{RANGE}",
    f"/analytics/dwell-histogram?{RANGE}",
    f"/analytics/occupancy?{RANGE}",
    f"/analytics/crowd-hourly?{RANGE}",
    f"/analytics/rankings?{RANGE}",
    f"/analytics/waiting?{RANGE}",
    f"/analytics/demographics?{RANGE}",
    f"/analytics/repeat-visitors?{RANGE}",
    "/analytics/summary?start=2024-03-08&end=2024-03-14&camera=cam-03",
]
OTHERS = [
    f"/analytics/insight-merge?{RANGE}",
    f"/analytics/detail?{RANGE}&limit=50",
    "/uploads?limit=20",
    "/pins",
    "/journeys?limit=50",
]
SLOW = ("/analytics/detail",)  # reads the lake on every request: longer run, longer timeout

# wrk prints its own summary; this adds the percentiles wrk keeps (HdrHistogram, in us).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WANDR {"n": %d, "us": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, '
    .. '"non2xx": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("this bench needs wrk: `sudo apt-get install wrk` (Debian/Ubuntu)")
    print("installing wrk (apt-get install wrk)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def load_demo(stack: LocalStack, rows: int) -> str:
    user = next(u for u in stack.identities["users"] if u["username"] == "admin@demo.local")
    client = WandrClient(stack.api_url)
    client.login(user["username"], user["password"])
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = demo_data.write_events_csv(Path(tmp) / "demo-camera-events.csv", rows, seed=7)
        json_path = demo_data.write_insight_json(
            Path(tmp) / "demo-insight.json", DEMO_INSIGHTS, seed=7
        )
        for path in (csv_path, json_path):
            final = client.wait(client.upload(path)["upload_id"], timeout=900)
            outcomes.append(f"{path.name}: {final['status']} {final.get('error') or ''}".strip())
    return (
        f"the `make demo` data ({rows} camera events, {DEMO_INSIGHTS} insight events): "
        + "; ".join(outcomes)
    )


def single(api_url: str, token: str, path: str, requests: int) -> dict:
    """One client alone: what a single dashboard user sees, warm."""
    with httpx.Client(
        base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        first = http.get(path)
        first.raise_for_status()
        latencies = []
        for _ in range(requests):
            t0 = time.perf_counter()
            http.get(path).raise_for_status()
            latencies.append(time.perf_counter() - t0)
    return {"p50": statistics.median(latencies) * 1000, "bytes": len(first.content)}


def warm(api_url: str, token: str, path: str, connections: int = 16) -> None:
    """One GET on each of `connections` new connections, all answered: the kernel hands
    them to every worker process, so each has loaded the tenant before anything is timed."""

    def one(_: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        httpx.get(api_url + path, headers=headers, timeout=300).raise_for_status()

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(one, range(connections)))


class GcPauses:
    """Times every collection of the cyclic garbage collector in this process, which is the
    stack's: moto answers each card's version read here, and a collection holds the
    interpreter lock (so every in-flight GetItem) for as long as it runs."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":  # one collection at a time: the collector does not nest
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def since(self, mark: int) -> dict:
        seen = self.pauses[mark:]
        return {
            "gc_full": sum(1 for generation, _ in seen if generation == 2),
            "gc_max": max((s for _, s in seen), default=0.0) * 1000,
        }


GC = GcPauses()


def wrk(
    binary: str, script: str, url: str, token: str, clients: int, seconds: int, timeout: int
) -> dict:
    """`clients` keep-alive connections, closed loop, for `seconds`: wrk's percentiles."""
    command = [
        binary,
        f"-t{min(2, clients)}",
        f"-c{clients}",
        f"-d{seconds}s",
        f"--timeout={timeout}s",
        "-s",
        script,
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    busy0, mine0 = _cpu_seconds()
    mark = len(GC.pauses)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    busy1, mine1 = _cpu_seconds()
    line = next(x for x in out.splitlines() if x.startswith("WANDR "))
    result = json.loads(line[len("WANDR ") :])
    return {
        "n": result["n"],
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "max": result["max"] / 1000,
        "rps": result["n"] / (result["us"] / 1e6),
        "non2xx": result["non2xx"],
        "errors": result["errors"],
        "load1": os.getloadavg()[0],
        "others": max(0.0, (busy1 - busy0) - (mine1 - mine0)) / seconds,  # cores
        **GC.since(mark),
    }


def _cpu_seconds() -> tuple[float, float]:
    """(CPU seconds used by the whole machine, by this process and its descendants), Linux.

    The difference over a measurement says how much CPU *other* work took meanwhile; the
    load average cannot, since the server's own waiting threads count in it."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(fields[:8]) - fields[3] - fields[4]) / tick  # all but idle and iowait
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
            stats[int(entry)] = (int(rest[1]), sum(int(x) for x in rest[11:15]) / tick)
    mine, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        mine += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (ppid, _) in stats.items() if ppid == pid]
    return busy, mine


def wait_for_quiet(limit: float, max_wait: float) -> str:
    """Wait (up to max_wait s) until the 1-minute load average is under `limit`."""
    if limit <= 0:
        return "not waited for"
    start = time.monotonic()
    while os.getloadavg()[0] >= limit and time.monotonic() - start < max_wait:
        time.sleep(10)
    waited = time.monotonic() - start
    load = os.getloadavg()[0]
    met = "reached" if load < limit else "NOT reached"
    return f"waited {waited:.0f} s for a 1-min load under {limit} ({met}: {load:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=DEMO_ROWS)
    parser.add_argument("--single", type=int, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--wait-load", type=float, default=0.0, help="wait for a lower load")
    parser.add_argument("--max-wait", type=float, default=600.0)
    parser.add_argument("--no-alternative", action="store_true", help="skip the werkzeug run")
    args = parser.parse_args()
    binary = ensure_wrk()
    rows: list[dict] = []
    with (
        LocalStack(state_file=None, api_workers=args.workers) as stack,
        tempfile.NamedTemporaryFile("w", suffix=".lua") as script,
    ):
        script.write(WRK_SCRIPT)
        script.flush()
        loaded = load_demo(stack, args.rows) if args.rows else "no data loaded"
        viewer = next(u for u in stack.identities["users"] if u["username"] == "viewer@demo.local")
        token = WandrClient(stack.api_url).login(viewer["username"], viewer["password"])["id_token"]
        doc = httpx.get(f"{stack.api_url}/openapi.json").json()
        quiet = wait_for_quiet(args.wait_load, args.max_wait)
        print(quiet, flush=True)
        inproc = HttpServer(ChaliceWsgi(load_chalice_app())) if not args.no_alternative else None
        if inproc:
            inproc.start()
        try:
            for path in CARDS + OTHERS:
                if path.split("?")[0] not in doc["paths"]:
                    rows.append({"path": path, "missing": True})
                    continue
                slow = path.startswith(SLOW)
                seconds, timeout = (args.duration * 3, 120) if slow else (args.duration, 30)

                def run(base: str, measured: int, path: str = path, timeout: int = timeout) -> dict:
                    return wrk(
                        binary, script.name, base + path, token, args.clients, measured, timeout
                    )

                warm(stack.api_url, token, path)  # every worker process fills its caches
                alone = single(stack.api_url, token, path, args.single)
                run(stack.api_url, 2)  # warm-up at the measured concurrency
                row = run(stack.api_url, seconds)
                row.update(path=path, single_p50=alone["p50"], bytes=alone["bytes"])
                if inproc and path in CARDS:
                    warm(inproc.url + "/api", token, path)
                    run(inproc.url + "/api", 2)
                    row["alt"] = run(inproc.url + "/api", seconds)
                rows.append(row)
                print(row, flush=True)
        finally:
            if inproc:
                inproc.stop()
    write_report(rows, loaded, quiet, args)


def write_report(rows: list[dict], loaded: str, quiet: str, args: argparse.Namespace) -> None:
    lines = [
        f"# API latency at {args.clients} concurrent clients (local stack)",
        "",
        f"{args.clients} closed-loop clients (wrk, one keep-alive connection each, no think "
        f"time), {args.duration} s per endpoint after a 2 s warm-up ({args.duration * 3} s for "
        "detail), the demo viewer's real ID token. Server: granian with "
        f"{args.workers} worker processes running the Chalice app through chalice's "
        "LocalGateway; moto (which answers the version-token GetItem) in the stack's process; "
        "all on one shared 2-core machine, so these numbers bound the local framework "
        "overhead rather than predict Lambda latency. The alternative column is the same code "
        "served by werkzeug threads inside the stack's process (the old arrangement). "
        "`other work` is the CPU the rest of the machine used during the row's measurement "
        "(all busy time minus this bench's processes, in cores out of 2); the load average "
        "cannot tell it, since the server's own runnable threads count in it. `stack GC` "
        "counts the full (generation-2) collections of the stack's process during the row and "
        "its longest collection of any generation (`gc.callbacks`): each holds the interpreter "
        "lock of the process that answers every card's version read.",
        "",
        f"Data: {loaded}. Load before measuring: {quiet}.",
        "",
        "| endpoint | 1 client p50 ms | response bytes | requests | p50 ms | p95 ms | p99 ms "
        "| req/s | non-2xx | other work (cores) | stack GC: full collections, longest ms "
        "| werkzeug in-process p50 / p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("missing"):
            lines.append(f"| `{r['path']}` | not served yet | | | | | | | | | | |")
            continue
        alt = r.get("alt")
        alt_text = f"{alt['p50']:.1f} / {alt['p99']:.1f}" if alt else ""
        lines.append(
            f"| `{r['path']}` | {r['single_p50']:.1f} | {r['bytes']} | {r['n']} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | "
            f"{r['non2xx'] + r['errors']} | {r['others']:.2f} | "
            f"{r['gc_full']}, {r['gc_max']:.0f} | {alt_text} |"
        )
    load = os.getloadavg()
    lines += [
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}); load average at the "
        f"end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        "Reproduce: `.venv/bin/python bench/api_bench.py` (add `--wait-load 1.5` to start "
        "measuring only once the machine is quieter).",
    ]
    previous = RESULTS.read_text() if RESULTS.exists() else ""
    reading = previous.find("\n## Reading these numbers")
    kept = previous[reading:] if reading >= 0 else ""  # the hand-written reading stays
    RESULTS.write_text("\n".join(lines) + "\n" + kept)
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
