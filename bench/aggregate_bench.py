"""Aggregate benchmark: `aggregates.recompute` of every day of a local lake's tenant.

Usage: python bench/aggregate_bench.py LAKE_DIR [--tenant bench]
Recomputes (and rewrites) all aggregates of the tenant, then prints wall time, CPU time
(user+sys of all threads), peak RSS and the load average, so runs on a shared machine can
be compared by CPU as well as wall. Point it at a copy: the aggregate tables are replaced.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from wandr import aggregates
from wandr.lake import Lake


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("lake")
    parser.add_argument("--tenant", default="bench")
    args = parser.parse_args()
    lake = Lake.local(args.lake)
    days = aggregates.tenant_days(lake, args.tenant)
    load_before = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    result = aggregates.recompute(lake, args.tenant, days)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(days)} days, {len(result.cells)} cells: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"peak RSS {peak_mb:.0f} MB, load {load_before[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
