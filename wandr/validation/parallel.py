"""Validate a local CSV in byte-range chunks on every core, writing the day files directly.

Why a second path beside `csvfile.scan` -> `csvfile.merge`: DuckDB numbers rows
(`row_number() OVER ()`) on one thread, which serialises the whole scan, and the general path
writes every row twice (a pass-1 Parquet of all rows, then the day files). Here the file is
cut at line starts (`split.plan`); each chunk is read by its own one-thread DuckDB connection,
so chunks run side by side and numbering costs nothing extra, and each chunk writes its good
rows straight into the day files. Two facts make that exact:

- Line numbers: a chunk's first record number is the count of newlines before it, known
  before the chunk is read, and checked after it (records read == newlines in the range).
- Duplicates: a narrow first pass over the event_id column finds every id that occurs more
  than once in the file. Rows with such an id are held back with the bad rows, and `finish`
  keeps the first good one of each id, as `csvfile.merge` does.

When a check fails (a quoted field holding a newline, a file that is not valid UTF-8) this
raises `NotFastPath` and the caller runs the general path, so the rows and the report are
always the general path's (tests/unit/analytics/test_parallel_validation.py holds both to
the same output).
"""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from wandr.events import EVENT_COLUMNS
from wandr.validation import csvfile, split
from wandr.validation.columns import ColumnMap, Sniffed
from wandr.validation.csvfile import _STRING_COLUMNS, _q
from wandr.validation.report import InvalidUpload, Limits, Report

_COPY_BLOCK = 16 << 20

_LAKE_COLUMNS = ", ".join(csvfile.lake_column(c) for c in EVENT_COLUMNS)


class NotFastPath(Exception):
    """The file needs the general path (the message says why)."""


@dataclass
class ChunkOutput:
    """What one chunk wrote and counted."""

    chunk: int
    parsed: int = 0
    rejected: int = 0
    good: int = 0  # rows that passed the checks, repeated event_ids included
    face_score_bad: int = 0
    formulas: list[int] = field(default_factory=list)  # per _STRING_COLUMNS, good rows
    days: dict[str, int] = field(default_factory=dict)  # rows written to the day files
    files: list[str] = field(default_factory=list)
    held_file: str | None = None  # bad rows and rows whose event_id repeats
    rejects_file: str | None = None


@dataclass(frozen=True)
class _Job:
    """What every chunk of one file shares."""

    sniffed: Sniffed
    cmap: ColumnMap
    upload_id: str
    limits: Limits
    work: str
    out_dir: str
    candidates: str  # Parquet of the hashes of repeated event_ids
    failed: threading.Event = field(default_factory=threading.Event)

    connections: dict[int, Any] = field(default_factory=dict)  # thread id -> its DuckDB

    def connection(self) -> Any:
        """This thread's DuckDB connection, kept for all its chunks (a fresh instance per chunk
        paid for its memory again in page faults). Each has a spill directory of its own:
        DuckDB instances name their temp files alike, and two sharing a directory overwrite
        each other's (read errors, then crashes)."""
        key = threading.get_ident()
        if key not in self.connections:
            memory = f"{max(256, csvfile.memory_mb() // workers())}MB"
            spill = os.path.join(self.work, f"spill-{key}")
            con = csvfile.connect(spill, memory_limit=memory, threads=1)
            con.execute(
                f"CREATE TEMP TABLE cand AS SELECT h FROM read_parquet({_q(self.candidates)})"
            )
            self.connections[key] = con
        return self.connections[key]

    def close(self) -> None:
        for con in self.connections.values():
            con.close()


def workers() -> int:
    """Chunks scanned at once (WANDR_DUCKDB_THREADS, default 2: one per core)."""
    return max(1, int(os.environ.get("WANDR_DUCKDB_THREADS") or 2))


def chunk_bytes(size: int) -> int:
    """About two chunks per worker, 16-128 MB each: enough to keep every core busy while
    one chunk's rows stay small in memory (WANDR_PARALLEL_CHUNK_BYTES overrides, for tests)."""
    if os.environ.get("WANDR_PARALLEL_CHUNK_BYTES"):
        return int(os.environ["WANDR_PARALLEL_CHUNK_BYTES"])
    return max(16 << 20, min(128 << 20, size // (2 * workers()) + 1))


def validate_to_days(
    path: str,
    sniffed: Sniffed,
    cmap: ColumnMap,
    upload_id: str,
    limits: Limits,
    out_dir: str,
    work: str,
) -> tuple[Report, dict[str, list[str]], dict[str, int]]:
    """Validate `path`; write the good rows as `<out_dir>/dt=<day>/*.parquet`.

    Returns the report, the files by day and the rows by day.
    """
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    size = os.path.getsize(path)
    plan = split.plan(split.file_reader(path), size, limits, chunk_bytes(size))
    con = csvfile.connect(work)
    try:
        candidates = _repeated_ids(con, path, sniffed, cmap, limits, work)
        job = _Job(sniffed, cmap, upload_id, limits, work, out_dir, candidates)
        try:
            outputs = _scan_chunks(path, plan, job)
        finally:
            job.close()
        return finish(con, outputs, sniffed, cmap, upload_id, limits, out_dir)
    finally:
        con.close()


def _repeated_ids(
    con: Any, path: str, sniffed: Sniffed, cmap: ColumnMap, limits: Limits, work: str
) -> str:
    """A Parquet file of the hashes of event_ids seen more than once (as stored, formula
    guard included). Hash collisions only hold back a few more rows; the merge compares ids."""
    out = os.path.join(work, "repeated-ids.parquet")
    position = next((i for i, c in cmap.canonical.items() if c == "event_id"), None)
    if position is None:
        con.execute(f"COPY (SELECT CAST(NULL AS UBIGINT) AS h WHERE false) TO {_q(out)}")
        return out
    raw = f"NULLIF(c{position}, '')"
    stored = f"CASE WHEN {csvfile.formula_flag(raw)} THEN '''' || {raw} ELSE {raw} END"
    source = csvfile.source_sql(path, sniffed, limits)
    con.execute(f"""COPY (SELECT hash({stored}) AS h FROM {source}
        WHERE {raw} IS NOT NULL GROUP BY 1 HAVING count(*) > 1) TO {_q(out)}""")
    return out


def _scan_chunks(path: str, plan: split.Plan, job: _Job) -> list[ChunkOutput]:
    """Copy each range into its own CSV (counting newlines on the way, in file order), and
    scan the chunks in a pool as soon as they exist."""
    size = os.path.getsize(path)
    with ThreadPoolExecutor(workers()) as pool, open(path, "rb") as src:
        header = src.read(plan.header_end)
        futures = []
        base = 0
        for k, (start, end) in enumerate(plan.ranges):
            if job.failed.is_set():
                break
            chunk_path = os.path.join(job.work, f"chunk-{k:05d}.csv")
            newlines = _copy_range(src, start, end, header, chunk_path)
            records = newlines + (1 if end == size and not _ends_with_newline(src, end) else 0)
            futures.append(pool.submit(_scan_one, job, k, chunk_path, base, records))
            base += records
        return [f.result() for f in futures]


def _copy_range(src: Any, start: int, end: int, header: bytes, target: str) -> int:
    """Write header + bytes [start, end) to `target`; return the newlines in the range."""
    newlines = 0
    src.seek(start)
    left = end - start
    with open(target, "wb") as out:
        out.write(header)
        while left > 0:
            block = src.read(min(_COPY_BLOCK, left))
            if not block:
                break
            newlines += block.count(b"\n")
            out.write(block)
            left -= len(block)
    return newlines


def _ends_with_newline(src: Any, end: int) -> bool:
    if end == 0:
        return True
    src.seek(end - 1)
    return src.read(1) == b"\n"


def _scan_one(job: _Job, k: int, chunk_path: str, base: int, records: int) -> ChunkOutput:
    """One chunk on one thread: check and number its rows, write the good ones by day, keep
    the bad and the possibly repeated ones aside."""
    if job.failed.is_set():
        raise NotFastPath("another chunk failed")
    con = job.connection()
    try:
        source = csvfile.source_sql(chunk_path, job.sniffed, job.limits, rejects=k)
        select = csvfile.select_sql(job.sniffed, job.cmap, job.upload_id, job.limits, k, source)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE c AS SELECT *,
            CAST(utc_time_started AS DATE) AS dt,
            event_id IS NOT NULL AND hash(event_id) IN (SELECT h FROM cand) AS _held
            FROM ({select})""")
        os.remove(chunk_path)
        rejects = csvfile.fetch_rejects(con, k)
        out = ChunkOutput(k, parsed=con.execute("SELECT count(*) FROM c").fetchone()[0])
        out.rejected = len(rejects)
        if job.sniffed.encoding == "utf-8" and any(r[1] == "INVALID ENCODING" for r in rejects):
            raise NotFastPath("the file is not valid UTF-8")
        if out.parsed + out.rejected != records:
            raise NotFastPath("a quoted field holds a line break")
        line = f"c._i + 2 + {base}"
        if rejects:
            out.rejects_file = os.path.join(job.work, f"rejects-{k:05d}.parquet")
            table = csvfile.rejects_table(k, rejects, len(job.sniffed.headers), job.limits)
            lines = pa.array([r + 2 + base for r in table.column("rec").to_pylist()], pa.int64())
            pq.write_table(table.append_column("line", lines), out.rejects_file)
            con.execute(  # adjacent rejects share an `a`: the last one's shift counts
                f"CREATE OR REPLACE TEMP TABLE rj AS SELECT a, max(shift) AS shift "
                f"FROM read_parquet({_q(out.rejects_file)}) GROUP BY a"
            )
            joined = "c ASOF LEFT JOIN rj ON c._i >= rj.a"
            line += " + coalesce(rj.shift, 0)"
        else:
            joined = "c"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW rows AS SELECT c.*, {line} AS _line FROM {joined}"
        )
        _count(con, out)
        good = f"SELECT {_LAKE_COLUMNS}, dt FROM rows WHERE _reason IS NULL AND NOT _held"
        if out.good:
            out.files = _write_days(con, good, job.out_dir, f"c{k:05d}")
            out.days = _rows_by_day(out.files)
        out.held_file = os.path.join(job.work, f"held-{k:05d}.parquet")
        con.execute(f"""COPY (SELECT {_LAKE_COLUMNS}, CAST(dt AS VARCHAR) AS dt, _line, _reason,
            _column, _value FROM rows WHERE _reason IS NOT NULL OR _held) TO {_q(out.held_file)}""")
        return out
    except BaseException:
        job.failed.set()
        raise
    finally:  # the connection stays for the thread's next chunk; this chunk's rows go
        con.execute("DROP VIEW IF EXISTS rows; DROP TABLE IF EXISTS rj; DROP TABLE IF EXISTS c")


def _count(con: Any, out: ChunkOutput) -> None:
    fx = ", ".join(
        f"count(*) FILTER (WHERE _reason IS NULL AND (_fx >> {k}) & 1 = 1)"
        for k in range(len(_STRING_COLUMNS))
    )
    good, fs_bad, *formulas = con.execute(f"""SELECT count(*) FILTER (WHERE _reason IS NULL),
        count(*) FILTER (WHERE _reason IS NULL AND _fsbad), {fx} FROM c""").fetchone()
    out.good, out.face_score_bad, out.formulas = int(good), int(fs_bad), [int(n) for n in formulas]


def _rows_by_day(files: list[str]) -> dict[str, int]:
    """Rows per day of written day files, from their Parquet footers (no second scan)."""
    days: dict[str, int] = {}
    for path in files:
        day = csvfile.day_of(path)
        days[day] = days.get(day, 0) + pq.read_metadata(path).num_rows
    return days


def _write_days(con: Any, query: str, out_dir: str, prefix: str) -> list[str]:
    """Write `query`'s rows by day under a directory of this writer's own (`_finish` moves
    the files into place)."""
    own = os.path.join(out_dir, f"_{prefix}")
    written = con.execute(
        f"COPY ({query}) TO {_q(own)} (FORMAT parquet, COMPRESSION zstd, "
        "COMPRESSION_LEVEL 1, PARTITION_BY (dt), OVERWRITE_OR_IGNORE true, "
        f"FILENAME_PATTERN '{prefix}-{{i}}', RETURN_FILES true)"
    ).fetchone()[1]
    return list(written)


def finish(
    con: Any,
    outputs: list[ChunkOutput],
    sniffed: Sniffed,
    cmap: ColumnMap,
    upload_id: str,
    limits: Limits,
    out_dir: str,
) -> tuple[Report, dict[str, list[str]], dict[str, int]]:
    """Settle the held rows (bad ones reported, the first of each repeated id kept), write
    the kept ones, move every day file into place and add up the report."""
    report = csvfile.new_report(sniffed, cmap, upload_id, limits, sniffed.encoding != "utf-8")
    held = "[" + ", ".join(_q(o.held_file) for o in outputs if o.held_file) + "]"
    con.execute(f"CREATE OR REPLACE TEMP TABLE held AS SELECT * FROM read_parquet({held})")
    csvfile.find_repeats(con, "held")
    reject_files = [o.rejects_file for o in outputs if o.rejects_file]
    rejects = (
        "SELECT * FROM read_parquet([" + ", ".join(_q(f) for f in reject_files) + "])"
        if reject_files
        else None
    )
    _add_counts(con, report, outputs, rejects)
    csvfile.add_bad_rows(con, report, "held", rejects, limits)
    if report.rows_total == 0:
        raise InvalidUpload("the file has a header line and no data rows")
    kept = (
        f"SELECT {_LAKE_COLUMNS}, dt FROM held "
        "WHERE _reason IS NULL AND _line NOT IN (SELECT line FROM _dups)"
    )
    kept_days = con.execute(f"SELECT dt, count(*) FROM ({kept}) GROUP BY 1").fetchall()
    days: dict[str, int] = {}
    for day, n in [pair for o in outputs for pair in o.days.items()] + kept_days:
        days[day] = days.get(day, 0) + int(n)
    if len(days) > limits.max_days:
        raise InvalidUpload(f"the file spans more than {limits.max_days} days")
    written = [p for o in outputs for p in o.files]
    if kept_days:
        written += _write_days(con, kept, out_dir, "held")
    files: dict[str, list[str]] = {}
    for path in sorted(written):
        files.setdefault(csvfile.day_of(path), []).append(path)
    for day, paths in files.items():  # where and how stage_files expects them: no copy
        target = os.path.join(out_dir, f"dt={day}")
        os.makedirs(target, exist_ok=True)
        files[day] = [
            _move(p, os.path.join(target, f"part-{k}.parquet")) for k, p in enumerate(paths)
        ]
    for leftover in os.listdir(out_dir) if os.path.isdir(out_dir) else []:
        if leftover.startswith("_"):
            shutil.rmtree(os.path.join(out_dir, leftover), ignore_errors=True)
    report.days = sorted(days)
    return report, files, dict(sorted(days.items()))


def _move(path: str, target: str) -> str:
    if target != path:
        os.replace(path, target)
    return target


def _add_counts(con: Any, report: Report, outputs: list[ChunkOutput], rejects: str | None) -> None:
    formulas = [sum(o.formulas[k] for o in outputs) for k in range(len(_STRING_COLUMNS))]
    csvfile.add_problems(report, formulas, sum(o.face_score_bad for o in outputs))
    rejected = csvfile.add_reasons(con, report, "held", rejects)
    parsed, good = sum(o.parsed for o in outputs), sum(o.good for o in outputs)
    csvfile.add_totals(con, report, parsed, good, rejected)
