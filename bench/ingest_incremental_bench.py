"""Incremental ingest benchmark: add a 10 k-row file to a tenant that already holds 1 M rows.

Usage: python bench/ingest_incremental_bench.py [--base-rows 1000000] [--add-rows 10000]
Loads the base file (bench/data/events_<rows>.csv, generated if absent) for one tenant into a
local lake (pyarrow LocalFileSystem) and DynamoDB (moto's mock_aws, in-process), then times
adding a generated 10 k-row file end to end (validate + stage, commit, aggregate of the
touched days, DynamoDB cells), twice: a file of one day (a daily export) and a file spread
over all 30 days (the worst case: every day is touched). After each it checks that every
stored cell equals a full recompute of the tenant from the lake. Appends the numbers to
bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results" / "ingest.md"
TENANT = "inc"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ingest(lake: Any, path: Path, upload_id: str) -> dict[str, float]:
    """One upload through the three pipeline steps, as the Lambdas run them."""
    from wandr import aggregate_store, aggregates
    from wandr.lake import commit
    from wandr.validation.stage import validate_and_stage

    times: dict[str, float] = {}
    t0, c0 = time.perf_counter(), _cpu()
    validate_and_stage(lake, None, path.stat().st_size, TENANT, upload_id, "csv", path=str(path))
    t1 = time.perf_counter()
    done = commit(lake, "events", TENANT, upload_id)
    t2 = time.perf_counter()
    result = aggregates.recompute(lake, TENANT, done.touched_days)
    t3 = time.perf_counter()
    aggregate_store.save(TENANT, result.days, result.cells)
    t4 = time.perf_counter()
    times.update(
        validate=t1 - t0,
        commit=t2 - t1,
        aggregate=t3 - t2,
        dynamodb=t4 - t3,
        total=t4 - t0,
        cpu=_cpu() - c0,
        days=len(result.days),
        cells=len(result.cells),
    )
    return times


def _signature(cell: Any) -> tuple[Any, ...]:
    return (
        cell.events,
        cell.visitors,
        round(cell.dwell_sum_s, 3),
        round(cell.dwell_max_s, 3),
        cell.waiting_events,
        tuple(cell.hourly_events),
        tuple(round(x, 3) for x in cell.hourly_dwell_s),
        tuple(cell.hourly_waiting),
        tuple(sorted(cell.gender.items())),
        tuple(sorted(cell.age_group.items())),
        np.asarray(cell.dwell_values).tobytes(),
        np.asarray(cell.dwell_counts).tobytes(),
        np.asarray(cell.occupancy, dtype=np.int64).tobytes(),
    )


def check_equals_full_recompute(lake: Any) -> int:
    """Every stored cell equals the full recompute's; returns the number of cells checked."""
    from wandr import aggregate_store, aggregates

    stored = {(c.dt, c.level, c.key): _signature(c) for c in aggregate_store.load(TENANT)}
    with aggregates.tempfile.TemporaryDirectory() as work:
        days = aggregates.tenant_days(lake, TENANT)
        events, insights = aggregates.load(lake, TENANT, days, work)
        full = aggregates.compute(events, insights, days)
    expected = {(c.dt, c.level, c.key): _signature(c) for c in full.cells}
    if stored != expected:
        missing = set(expected) ^ set(stored)
        differ = [k for k in expected if k in stored and stored[k] != expected[k]]
        raise SystemExit(f"incremental != full recompute: {len(missing)} keys, {differ[:5]}")
    return len(stored)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-rows", type=int, default=1_000_000)
    parser.add_argument("--add-rows", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    from moto import mock_aws

    from wandr import aws
    from wandr.demo_data import Mall, write_events_csv
    from wandr.lake import Lake
    from wandr.resources import Resources

    base = DATA / f"events_{args.base_rows}.csv"
    if not base.exists():
        write_events_csv(base, args.base_rows, seed=1)
    one_day = write_events_csv(
        DATA / f"add_{args.add_rows}_one_day.csv",
        args.add_rows,
        seed=11,
        mall=Mall(days=1, start=date(2024, 3, 15)),
    )
    month = write_events_csv(DATA / f"add_{args.add_rows}_30_days.csv", args.add_rows, seed=12)
    target = DATA / "incremental-lake"
    shutil.rmtree(target, ignore_errors=True)
    lake = Lake.local(target)
    lines = []
    with mock_aws():
        spec = Resources().aggregates_table
        aws.client("dynamodb").create_table(
            TableName=spec.name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": spec.partition_key, "AttributeType": "S"},
                {"AttributeName": spec.sort_key, "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": spec.partition_key, "KeyType": "HASH"},
                {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
            ],
        )
        first = ingest(lake, base, "base")
        print("base load", {k: round(v, 2) for k, v in first.items()})
        for label, path, upload in (("one day", one_day, "add1"), ("30 days", month, "add30")):
            load = os.getloadavg()[0]
            step = ingest(lake, path, upload)
            checked = check_equals_full_recompute(lake)
            print(label, {k: round(v, 2) for k, v in step.items()}, "cells checked", checked)
            lines.append(
                f"| {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} | "
                f"{platform.machine()}, {os.cpu_count()} cores (shared), load {load:.1f} | "
                f"{args.base_rows} + {args.add_rows} ({label}) | {step['total']:.2f} | "
                f"{step['cpu']:.2f} | validate {step['validate']:.2f}, commit "
                f"{step['commit']:.2f}, aggregate {step['aggregate']:.2f} "
                f"({int(step['days'])} days), DynamoDB (moto) {step['dynamodb']:.2f} | "
                f"equal to full recompute ({checked} cells) |"
            )
    with RESULTS.open("a") as f:
        f.write(
            "\n### Incremental: add a file to a tenant with 1 M rows\n\n"
            "| date | machine | rows | pipeline wall s | CPU s | detail | check |\n"
            "|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
        )


if __name__ == "__main__":
    main()
