"""A big CSV validated in byte-range chunks gives exactly the single pass's rows and report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wandr.lake import Lake, staged_dir
from wandr.validation import csvfile, split
from wandr.validation.report import Limits
from wandr.validation.stage import merge_and_stage, validate_and_stage

HEADER = "event_id,person_id,camera_id,utc_time_started,utc_time_ended,shoe\n"


def _body() -> str:
    rows = []
    for i in range(60):
        start = 1709280000 + i * 37
        rows.append(f"e{i},p{i % 7},c{i % 3},{start},{start + 30 + i},red")
    rows[5] = "e5,,c1,1709280000,1709280060,red"  # empty person
    rows[9] = "e9,p1,c1,1709280060"  # too few fields
    rows[17] = "e3,p3,c1,1709290000,1709290060,red"  # duplicate of row 3 (earlier chunk)
    rows[30] = "e30,p2,c2,2024-03-02T10:00:00+07:00,2024-03-02 03:05:00Z,blue,extra"
    rows[41] = "e41,p4,c0,soon,1709290060,red"
    rows[52] = "e17,p5,c0,1709380000,1709380100,red"  # duplicate id of a row that is bad
    rows[55] = "e2,p2,c2,1709480000,1709480100,red"  # another duplicate, later day
    return HEADER + "\n".join(rows) + "\n"


def _staged(lake: Lake, tenant: str) -> list[dict[str, Any]]:
    meta = lake.read_json(f"staging/tenant={tenant}/upload=u1/events.json")
    tables = [pq.read_table(lake.path(f)) for fs in meta["files"].values() for f in fs]
    rows = pa.concat_tables(tables).to_pylist()
    return sorted(rows, key=lambda r: r["source_line"])


def _single(lake: Lake, path: Path) -> dict[str, Any]:
    report = validate_and_stage(lake, None, path.stat().st_size, "one", "u1", "csv", path=str(path))
    return report.to_dict()


def _split(lake: Lake, path: Path, chunk: int, work: str) -> tuple[dict[str, Any], int]:
    limits = Limits()
    read = split.file_reader(str(path))
    p = split.plan(read, path.stat().st_size, limits, chunk)
    out = os.path.join(work, "chunks")
    scans = [split.scan_chunk(read, p, k, "u1", limits, out, work) for k in range(len(p.ranges))]
    con = csvfile.connect(work)
    try:
        report = merge_and_stage(con, lake, "many", "u1", scans, p.sniffed, limits, work)
    finally:
        con.close()
    return report.to_dict(), len(p.ranges)


@pytest.mark.parametrize("chunk", [3, 97, 300])
def test_chunks_at_any_byte_offset_give_the_single_pass_rows_and_report(
    tmp_path: Path, chunk: int
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(_body())
    lake = Lake.local(tmp_path / "lake")
    single = _single(lake, path)
    many, chunks = _split(lake, path, chunk, str(tmp_path))
    assert chunks > 1
    assert many == single
    assert _staged(lake, "many") == _staged(lake, "one")
    assert single["duplicates"] == 2  # e3 and e2 repeat; e17's first occurrence was bad
    lines = {r["line"]: r["reason"] for r in single["bad_rows"]}
    assert lines[7] == "person_id is empty"
    assert lines[11] == "has 4 fields, the header has 6"
    assert lines[19] == "duplicate event_id"
    assert lines[43].startswith("utc_time_started is missing")
    assert lines[57] == "duplicate event_id"
    assert lines[32].startswith("has 7 fields")


def test_a_plan_cuts_only_at_line_starts(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(_body())
    data = path.read_bytes()
    p = split.plan(split.file_reader(str(path)), len(data), Limits(), 100)
    assert p.ranges[0][0] == len(HEADER)
    assert p.ranges[-1][1] == len(data)
    for (_, end), (start, _) in zip(p.ranges[:-1], p.ranges[1:], strict=True):
        assert end == start and data[start - 1 : start] == b"\n"
    assert staged_dir("events", "t", "u") == "staging/tenant=t/upload=u/events"
