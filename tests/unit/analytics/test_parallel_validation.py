"""The parallel path (chunks on every core, day files written directly) gives exactly the
general two-pass path's rows and report, and hands over to it when it cannot be exact."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from wandr.lake import Lake, staged_dir
from wandr.validation import csvfile, parallel
from wandr.validation.columns import map_columns
from wandr.validation.report import Limits
from wandr.validation.stage import validate_and_stage

HEADER = "event_id,person_id,camera_id,utc_time_started,utc_time_ended,face_score,shoe\n"


def _rows(n: int = 400) -> list[str]:
    rows = []
    for i in range(n):
        start = 1709280000 + i * 613  # spans about three days
        rows.append(f"e{i},p{i % 11},c{i % 4},{start},{start + 30 + i % 90},0.{i % 9},red")
    rows[7] = "e7,,c1,1709280000,1709280060,0.5,red"  # empty person
    rows[40] = "e40,p1,c1,1709280060"  # too few fields
    rows[41] = "e41,p1,c1,1709280060,1709280090,0.5,red,surplus"  # too many fields
    rows[90] = "e3,p3,c1,1709290000,1709290060,0.5,red"  # repeats row 3 (an earlier chunk)
    rows[150] = "e150,=cmd|' /C calc'!A0,c2,1709290000,1709290060,0.5,red"  # formula
    rows[200] = "e200,p4,c0,soon,1709290060,0.5,red"  # not a timestamp
    rows[250] = "e7,p5,c0,1709380000,1709380100,0.5,red"  # repeats the id of a bad row
    rows[300] = "e2,p2,c2,1709480000,1709480100,high,red"  # repeat, and a bad face score
    rows[333] = "e333,p6,c3,2024-03-02T10:00:00+07:00,2024-03-02 03:05:00Z,0.7,blue"
    rows[350] = "e350,p7,c3,1709380000,1709370000,0.7,blue"  # ends before it starts
    return rows


def _general(path: str, work: str) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    limits = Limits()
    sniffed = csvfile.head_of(path, os.path.getsize(path), limits)
    cmap = map_columns(sniffed.headers)
    con = csvfile.connect(work)
    try:
        scans = [csvfile.scan(con, path, sniffed, cmap, "u1", limits, os.path.join(work, "s"))]
        merged = csvfile.merge(con, scans, sniffed, cmap, "u1", limits)
        csvfile.write_days(con, merged, os.path.join(work, "days"))
    finally:
        con.close()
    return merged.report.to_dict(), _read(os.path.join(work, "days"))


def fast_path(
    validate_to_days: Any, path: str, work: str, limits: Limits | None = None
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Run a fast path's `validate_to_days`; its report and stored rows."""
    limits = limits or Limits()
    sniffed = csvfile.head_of(path, os.path.getsize(path), limits)
    cmap = map_columns(sniffed.headers)
    out = os.path.join(work, "days")
    report, files, days = validate_to_days(
        path, sniffed, cmap, "u1", limits, out, os.path.join(work, "p")
    )
    assert sorted(files) == sorted(days) == report.days
    return report.to_dict(), _read(out)


def _parallel(path: str, work: str) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    return fast_path(parallel.validate_to_days, path, work)


def _read(directory: str) -> list[tuple[Any, ...]]:
    """Every stored row with its day directory, in line order."""
    con = duckdb.connect()
    return con.execute(
        f"SELECT *, regexp_extract(filename, 'dt=([0-9-]+)', 1) AS day FROM read_parquet("
        f"'{directory}/*/*.parquet', filename=true, hive_partitioning=false) "
        "ORDER BY source_line"
    ).fetchall()


def _schemas(work: Path) -> set[str]:
    return {str(pq.read_schema(p)) for p in (work / "days").glob("dt=*/*.parquet")}


def _strip_files(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [r[:-2] + r[-1:] for r in rows]  # drop the file name, keep the day


@pytest.fixture(autouse=True)
def _tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDR_PARALLEL_CHUNK_BYTES", "900")


def test_many_chunks_give_the_general_paths_rows_and_report(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join(_rows()) + "\n")
    general_report, general_rows = _general(str(path), str(tmp_path / "g"))
    report, rows = _parallel(str(path), str(tmp_path / "f"))
    assert report == general_report
    assert _strip_files(rows) == _strip_files(general_rows)
    assert report["duplicates"] == 2 and report["rows_total"] == 400
    assert _schemas(tmp_path / "f") == _schemas(tmp_path / "g")  # kept repeats too
    assert any(r["reason"].startswith("has 4 fields") for r in report["bad_rows"])


def test_a_file_without_a_final_newline_numbers_its_last_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join(_rows()[:120]))
    general_report, general_rows = _general(str(path), str(tmp_path / "g"))
    report, rows = _parallel(str(path), str(tmp_path / "f"))
    assert report == general_report
    assert _strip_files(rows) == _strip_files(general_rows)
    assert rows[-1][EVENT_LINE] == 121


def test_a_quoted_line_break_hands_the_file_to_the_general_path(tmp_path: Path) -> None:
    rows = _rows()[:120]
    rows[60] = 'e60,p1,c1,1709280060,1709280090,0.5,"red\nand blue"'
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    with pytest.raises(parallel.NotFastPath, match="line break"):
        _parallel(str(path), str(tmp_path / "f"))


def test_a_chunk_that_is_not_utf8_hands_the_file_to_the_general_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The encoding is sniffed from the first megabyte; a Latin-1 byte after it is found by
    the chunk that holds it, and only the general path can re-read the file as Latin-1."""
    monkeypatch.setenv("WANDR_PARALLEL_CHUNK_BYTES", "300000")
    rows = [r for r in _rows() if r.count(",") == 6] * 90  # about 1.5 MB, one encoding
    path = tmp_path / "events.csv"
    tail = "\ncaf\xe9,p1,c1,1709280060,1709280090,0.5,red\n".encode("latin-1")
    path.write_bytes((HEADER + "\n".join(rows)).encode() + tail)
    with pytest.raises(parallel.NotFastPath, match="UTF-8"):
        _parallel(str(path), str(tmp_path / "f"))


EVENT_LINE = [*csvfile.EVENT_COLUMNS].index("source_line")


def stage_equals_general(tmp_path: Path, rows: list[str]) -> None:
    """Staging a file (whichever path takes it) stores the general path's rows and report."""
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    general_report, general_rows = _general(str(path), str(tmp_path / "g"))
    lake = Lake.local(tmp_path / "lake")
    report = validate_and_stage(
        lake, None, path.stat().st_size, "t1", "u1", "csv", path=str(path)
    ).to_dict()
    assert report == general_report
    staged = lake.local_dir(staged_dir("events", "t1", "u1"))
    assert _strip_files(_read(str(staged))) == _strip_files(general_rows)
    assert not [p for p in os.listdir(staged) if p.startswith("_")]


def test_staging_a_file_the_parallel_path_refuses_gives_the_general_result(
    tmp_path: Path,
) -> None:
    rows = _rows()[:120]
    rows[60] = 'e60,p1,c1,1709280060,1709280090,0.5,"red\nand blue"'
    stage_equals_general(tmp_path, rows)
