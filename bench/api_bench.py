"""Latency of the dashboard endpoints at 50 concurrent clients against the local stack.

    .venv/bin/python bench/api_bench.py [--rows 300000] [--requests 1000] [--clients 50]

Starts the embedded local stack, loads 30 days of demo camera events through the API
(presigned upload -> pipeline -> aggregates), logs in as the demo viewer, then for each
endpoint sends `--requests` GETs from `--clients` threads (one HTTP connection each) and
reports p50/p95/p99 and throughput. The named alternative in the same run is the cheapest
authenticated route, GET /me (token check only), which isolates the cost of the query from
that of HTTP + JWT + Chalice. Results go to bench/results/api.md.
"""

from __future__ import annotations

import argparse
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
    "/analytics/detail?start=2024-03-01&end=2024-03-30&limit=50",
    "/uploads?limit=20",
    "/pins",
    "/journeys?limit=50",
]


def load_demo(stack: LocalStack, rows: int) -> str:
    user = next(u for u in stack.identities["users"] if u["username"] == "admin@demo.local")
    client = WandrClient(stack.api_url)
    client.login(user["username"], user["password"])
    with tempfile.TemporaryDirectory() as tmp:
        path = demo_data.write_events_csv(Path(tmp) / "demo-30d.csv", rows)
        upload = client.upload(path)
        final = client.wait(upload["upload_id"], timeout=900)
    return f"{rows} events uploaded: {final['status']} {final.get('error') or ''}".strip()


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
    parser.add_argument("--rows", type=int, default=300_000)
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
            rows.append(measure(stack.api_url, token, path, args.requests, args.clients))
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
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | req/s | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r.get("missing"):
            lines.append(f"| `{r['path']}` | not served yet | | | | | |")
            continue
        lines.append(
            f"| `{r['path']}` | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['rps']:.0f} | {r['statuses']} |"
        )
    lines += ["", "Reproduce: `.venv/bin/python bench/api_bench.py`."]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
