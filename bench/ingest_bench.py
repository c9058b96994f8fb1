"""Ingest + aggregate benchmark: Wandr's streaming pipeline against a plain pandas version.

Usage: python bench/ingest_bench.py ROWS [--seed 1] [--skip-pandas]
Generates bench/data/events_<rows>.csv (seeded, reused if present), then runs, each in its
own process so peak memory and CPU time are its own: (1) Wandr validate -> stage -> commit ->
aggregate into a local lake, (2) pandas read_csv + groupby of the same analytics, as a first
version would be written. Appends a one-row table (wall, CPU = user+sys of all threads, peak
RSS, load average) to bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results" / "ingest.md"


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wandr_pipeline(path: str) -> str:
    """Validate -> stage -> commit -> aggregate, timed from the file to the written
    aggregates: the work of the ingest workflow's steps on a warm worker. The child's wall
    time also counts starting Python and importing the libraries (about 1 s here with the
    bytecode `make setup` writes; pyarrow.dataset imports pandas)."""
    from pyarrow import fs as pafs

    from wandr import aggregates
    from wandr.lake import Lake, commit
    from wandr.validation.stage import validate_and_stage

    target = DATA / "lake"
    shutil.rmtree(target, ignore_errors=True)
    lake = Lake.local(target)
    local = pafs.LocalFileSystem()
    t0, c0 = time.perf_counter(), _cpu_s()
    report = validate_and_stage(
        lake,
        lambda: local.open_input_stream(path),
        os.path.getsize(path),
        "bench",
        "u1",
        "csv",
        path=path,
    )
    t1 = time.perf_counter()
    done = commit(lake, "events", "bench", "u1")
    t2 = time.perf_counter()
    aggs = aggregates.recompute(lake, "bench", done.touched_days)
    t3 = time.perf_counter()
    return (
        f"pipeline {t3 - t0:.1f} s / {_cpu_s() - c0:.1f} CPU-s: "
        f"validate+stage {t1 - t0:.1f} s, commit {t2 - t1:.1f} s, aggregate {t3 - t2:.1f} s;"
        f" {report.rows_good} good / {report.rows_bad} bad rows, {len(aggs.cells)} cells"
    )


def pandas_baseline(path: str) -> str:
    """The same analytics in plain pandas, as a first version would be written: read the
    whole CSV, convert, drop bad rows and repeated ids, then one groupby per output. It
    computes what Wandr's aggregate step computes (camera-hour table, dwell histogram,
    demographics, person-days with visits and modes, occupancy per minute for cameras,
    groups and the site, counting each person once, and the per-day cells); occupancy
    expands every event into its minutes, the textbook approach. It writes no lake, keeps
    no line numbers and builds no report, so it does less than Wandr."""
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    df["start"] = pd.to_datetime(pd.to_numeric(df["utc_time_started"], errors="coerce"), unit="s")
    df["end"] = pd.to_datetime(pd.to_numeric(df["utc_time_ended"], errors="coerce"), unit="s")
    df = df.dropna(subset=["person_id", "start", "end"])
    df["dwell"] = (df["end"] - df["start"]).dt.total_seconds()
    df = df[(df["dwell"] >= 0) & (df["dwell"] <= 12 * 3600)].drop_duplicates("event_id")
    df["dt"] = df["start"].dt.date
    df["hour"] = df["start"].dt.hour
    df["waiting"] = df["dwell"] > 600
    df["site"] = "site"
    camera_hour = df.groupby(["dt", "camera_id", "hour"]).agg(
        events=("event_id", "size"),
        visitors=("person_id", "nunique"),
        dwell_sum=("dwell", "sum"),
        dwell_max=("dwell", "max"),
        waiting=("waiting", "sum"),
    )
    histogram = df.groupby(["dt", "camera_id", df["dwell"].astype(int)]).size()
    demographics = df.groupby(["dt", "camera_id", "gender_outcome", "age_group_outcome"]).agg(
        events=("event_id", "size"), visitors=("person_id", "nunique")
    )
    person_days = _pandas_person_days(df)
    occupancy = {
        level: _pandas_occupancy(df, key)
        for level, key in (("camera", "camera_id"), ("group", "camera_group_id"), ("site", "site"))
    }
    cells = {
        level: df.groupby(["dt", key]).agg(
            events=("event_id", "size"),
            visitors=("person_id", "nunique"),
            dwell=("dwell", "sum"),
            waiting=("waiting", "sum"),
        )
        for level, key in (("camera", "camera_id"), ("group", "camera_group_id"), ("site", "site"))
    }
    rows = len(camera_hour) + len(histogram) + len(demographics) + len(person_days)
    rows += sum(len(o) for o in occupancy.values()) + sum(len(c) for c in cells.values())
    return f"{len(df)} rows, {rows} aggregate rows in {time.perf_counter() - t0:.1f} s"


def _pandas_person_days(df: Any) -> Any:
    """Per person and day: events, dwell, first/last seen, cameras, groups, the most
    frequent gender and age group, and visits (a new visit after 30 min away)."""
    import pandas as pd

    d = df.sort_values(["person_id", "dt", "start"])
    reach = d.groupby(["person_id", "dt"])["end"].cummax()
    before = reach.groupby([d["person_id"], d["dt"]]).shift()
    d = d.assign(new_visit=before.isna() | (d["start"] - before > pd.Timedelta(minutes=30)))
    out = d.groupby(["person_id", "dt"]).agg(
        events=("event_id", "size"),
        dwell=("dwell", "sum"),
        first_seen=("start", "min"),
        last_seen=("end", "max"),
        visits=("new_visit", "sum"),
    )
    for column in ("camera_id", "camera_group_id"):
        distinct = d.drop_duplicates(["person_id", "dt", column]).sort_values(column)
        out[column + "s"] = distinct.groupby(["person_id", "dt"])[column].agg(list)
    for column in ("gender_outcome", "age_group_outcome"):
        counts = d.groupby(["person_id", "dt", column]).size().rename("n").reset_index()
        counts = counts.sort_values(["person_id", "dt", "n", column], ascending=[1, 1, 0, 1])
        mode = counts.drop_duplicates(["person_id", "dt"]).set_index(["person_id", "dt"])
        out[column] = mode[column]
    return out


def _pandas_occupancy(df: Any, key: str) -> Any:
    """People present per key and minute: each event expanded into its minutes, each person
    counted once per minute."""
    first = df["start"].dt.floor("min")
    last = df["end"].dt.floor("min")
    minutes = [
        list(range(a, b + 1))
        for a, b in zip(
            first.astype("int64") // 60_000_000_000,
            last.astype("int64") // 60_000_000_000,
            strict=True,
        )
    ]
    expanded = df[[key, "person_id"]].assign(minute=minutes).explode("minute")
    return expanded.drop_duplicates().groupby([key, "minute"]).size()


def _child(which: str, path: str) -> None:
    t0 = time.perf_counter()
    detail = wandr_pipeline(path) if which == "wandr" else pandas_baseline(path)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu = _cpu_s()
    load = os.getloadavg()[0]
    print(f"RESULT|{wall:.1f}|{peak_mb:.0f}|{cpu:.1f}|{detail}; load {load:.1f}")


def _run_child(which: str, rows: int, path: Path) -> tuple[float, float | None, float | None, str]:
    """Run one side in its own process: (wall s, peak MB, CPU s, detail). A side that dies
    (the pandas one can run out of memory on big files) is recorded as such, not hidden."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, str(rows), "--child", which, "--path", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT|")), None)
    if out.returncode != 0 or line is None:
        why = "killed (SIGKILL: out of memory?)" if out.returncode == -9 else out.stderr[-300:]
        return wall, None, None, f"failed after {wall:.0f} s: {why}"
    _, w, peak, cpu, detail = line.split("|", 4)
    return float(w), float(peak), float(cpu), detail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--child", choices=["wandr", "pandas"])
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.path)
        return
    from wandr.demo_data import write_events_csv

    path = DATA / f"events_{args.rows}.csv"
    if not path.exists():
        write_events_csv(path, args.rows, seed=args.seed)
    size_mb = path.stat().st_size / 2**20
    load_before = os.getloadavg()[0]
    results = {}
    for which in ["wandr"] + ([] if args.skip_pandas else ["pandas"]):
        results[which] = _run_child(which, args.rows, path)
        print(which, *results[which])
    pw = results.get("pandas")
    w = results["wandr"]
    speedup = "not run"
    if pw is not None:
        ratio = pw[0] / w[0]
        speedup = f"{ratio:.1f}x" if pw[1] is not None else f"more than {ratio:.1f}x"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}"
        f", load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Ingest benchmark\n")

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    p = pw or (None, None, None, "not run")
    with RESULTS.open("a") as f:
        f.write(
            "\n| date | machine, load | rows | CSV MB | Wandr wall s | Wandr CPU s | Wandr peak MB "
            "| pandas wall s | pandas CPU s | pandas peak MB | speed-up (wall) | Wandr detail "
            "| pandas detail |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            f"| {stamp} | {machine} | {args.rows} | {size_mb:.0f} | {cell(w[0])} | {cell(w[2])} "
            f"| {cell(w[1])} | {cell(p[0])} | {cell(p[2])} | {cell(p[1])} | {speedup} | {w[3]} "
            f"| {p[3]} |\n"
        )


if __name__ == "__main__":
    main()
