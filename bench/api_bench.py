"""Latency of the dashboard endpoints at 50 concurrent clients against the local stack.

    .venv/bin/python bench/api_bench.py [--rows 60000] [--requests 1000] [--clients 50]

Starts the embedded local stack, loads the 30-day demo data through the API exactly as
`make demo` does (`wandr.demo_data`, seed 7: 60 k camera events over 40 cameras in 6 groups,
plus the Insight JSON; presigned upload -> pipeline -> aggregates), logs in as the demo
viewer, then for each endpoint first measures one client alone (`--single` sequential GETs
after one warm-up), then sends `--requests` GETs from `--clients` threads (one HTTP
connection each) and reports p50/p95/p99 and throughput. The named alternative in the same
run is the cheapest authenticated route, GET /me (token check only), which isolates the
cost of the query from that of HTTP + JWT + Chalice. Results go to bench/results/api.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wandr import demo_data
from wandr.cli import DEMO_INSIGHTS, DEMO_ROWS
from wandr.client import WandrClient
from wandr.localstack.stack import LocalStack

RESULTS = Path(__file__).resolve().parent / "results" / "api.md"
DASHBOARD = [
    "/me",
    "/analytics/summary?start=2024-03-01&end=2024-03-30",
    "/analytics/dwell-histogram?start=2024-03-01&end=2024-03-30",
    "/analytics/occupancy?start=2024-03-01&end=2024-03-30",
    "/analytics/crowd-hourly?start=2024-03-01&end=2024-03-30",
    "/analytics/rankings?start=2024-03-01&end=2024-03-30",
    "/analytics/waiting?start=2024-03-01&end=2024-03-30",
    "/analytics/demographics?start=2024-03-01&end=2024-03-30",
    "/analytics/repeat-visitors?start=2024-03-01&end=2024-03-30",
    "/analytics/insight-merge?start=2024-03-01&end=2024-03-30",
    "/analytics/summary?start=2024-03-08&end=2024-03-14&camera=cam-03",
    "/analytics/detail?start=2024-03-01&end=2024-03-30&limit=50",
    "/uploads?limit=20",
    "/pins",
    "/journeys?limit=50",
]


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
        latencies = []
        for _ in range(requests):
            t0 = time.perf_counter()
            http.get(path).raise_for_status()
            latencies.append(time.perf_counter() - t0)
    return {"p50": statistics.median(latencies) * 1000, "bytes": len(first.content)}


def measure(api_url: str, token: str, path: str, requests: int, clients: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def worker() -> None:
        with httpx.Client(
            base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            http.get(path)  # connection set up outside the measurement
            for _ in range(per_client):
                t0 = time.perf_counter()
                status = http.get(path).status_code
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "path": path,
        "n": len(latencies),
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "rps": len(latencies) / wall,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=DEMO_ROWS)
    parser.add_argument("--single", type=int, default=30)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with LocalStack(state_file=None) as stack:
        loaded = load_demo(stack, args.rows) if args.rows else "no data loaded"
        viewer = next(u for u in stack.identities["users"] if u["username"] == "viewer@demo.local")
        token = WandrClient(stack.api_url).login(viewer["username"], viewer["password"])["id_token"]
        doc = httpx.get(f"{stack.api_url}/openapi.json").json()
        rows = []
        for path in DASHBOARD:
            if path.split("?")[0] not in doc["paths"]:
                rows.append({"path": path, "missing": True})
                continue
            alone = single(stack.api_url, token, path, args.single)
            rows.append(measure(stack.api_url, token, path, args.requests, args.clients))
            rows[-1].update(single_p50=alone["p50"], bytes=alone["bytes"])
            print(rows[-1], flush=True)
    write_report(rows, loaded, args)


def write_report(rows: list[dict], loaded: str, args: argparse.Namespace) -> None:
    lines = [
        "# API latency at 50 concurrent clients (local stack)",
        "",
        f"{args.clients} clients, {args.requests} GETs per endpoint, keep-alive connections, "
        "demo viewer token. Local stack: moto server + werkzeug threaded server + chalice "
        "LocalGateway, all in one Python process on a shared 2-core machine, so these numbers "
        "bound the framework overhead rather than predict Lambda latency.",
        "",
        f"Data: {loaded}.",
        "",
        "| endpoint | 1 client p50 ms | response bytes | requests | p50 ms | p95 ms | p99 ms "
        "| req/s | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r.get("missing"):
            lines.append(f"| `{r['path']}` | not served yet | | | | | | | |")
            continue
        lines.append(
            f"| `{r['path']}` | {r['single_p50']:.1f} | {r['bytes']} | {r['n']} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['rps']:.0f} | {r['statuses']} |"
        )
    load = os.getloadavg()
    lines += [
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node()} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}); load average at the "
        f"end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        "",
        "Reproduce: `.venv/bin/python bench/api_bench.py`.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
