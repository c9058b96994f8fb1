"""Camera-event CSV validation in DuckDB: two passes, whatever the file size.

Pass 1 (`scan`, per file or per byte-range chunk of a big file) reads the CSV with DuckDB's
parallel reader, every column as text so a bad value can never abort the read, and computes
in SQL the typed lake columns, the first failing check of each row (`_reason`), formula
flags and the row's index in the chunk. Rows whose field count is wrong are DuckDB
"rejects", kept with their line. The result is one Parquet file per chunk.

Pass 2 (`merge`, once over all chunks) gives every row its file line (chunk base + index +
rejects before it), finds duplicate event_ids across the whole file (first occurrence
kept), counts the report and writes the good rows, split by day. Because the split path
and the single pass run the same two functions, their results are equal by construction.
Memory is bounded by DuckDB's memory_limit (it spills to the work directory).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from wandr.events import EVENT_COLUMNS, EVENT_SCHEMA, SOURCE_COLUMNS
from wandr.validation import times
from wandr.validation.columns import ColumnMap, Sniffed, map_columns, sniff
from wandr.validation.report import InvalidUpload, Limits, Report

# `\s` spelled out as RE2 defines it ([\t\n\f\r ]): polars' Rust regex (the streamed path)
# reads `\s` as Unicode whitespace, so the one pattern serves both engines.
_FORMULA = r"^[=+@\t\r]|^-[^0-9.\t\n\x0c\r ]"
_FORMULA_FIRST = (61, 43, 64, 9, 13, 45)  # = + @ TAB CR -
_WS = " \t\r\n\x0b\x0c"
_STRING_COLUMNS = [
    f.name
    for f in EVENT_SCHEMA
    if pa.types.is_string(f.type) and f.name not in ("upload_id", "extra")
]
_TIME_COLUMNS = ("utc_time_started", "utc_time_ended", "utc_time_recorded")


def memory_mb() -> int:
    """DuckDB's memory budget in MB (WANDR_DUCKDB_MEMORY, e.g. '1200MB' or '2GB')."""
    text = os.environ.get("WANDR_DUCKDB_MEMORY", "1200MB").strip().upper()
    number = float(re.sub(r"[^0-9.]", "", text) or 1200)
    return int(number * 1024 if text.endswith(("GB", "GIB")) else number)


def connect(workdir: str, memory_limit: str | None = None, threads: int | None = None) -> Any:
    """A DuckDB connection sized for a Lambda (or the 2-core benchmark machine)."""
    con = duckdb.connect()
    spill = os.path.join(workdir, "duckdb-tmp")
    os.makedirs(spill, exist_ok=True)
    con.execute(f"SET memory_limit='{memory_limit or f'{memory_mb()}MB'}'")
    con.execute(f"SET threads={int(threads or os.environ.get('WANDR_DUCKDB_THREADS') or 2)}")
    con.execute(f"SET temp_directory='{spill}'")
    con.execute("SET TimeZone='UTC'")
    con.execute("SET preserve_insertion_order=true")
    return con


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class ChunkScan:
    """What pass 1 learned about one chunk (JSON-serialisable, for the Map state)."""

    chunk: int
    rows_file: str  # Parquet of every parsed row of the chunk
    rejects_file: str | None  # Parquet of the rows DuckDB could not split into the header's fields
    parsed: int = 0  # rows DuckDB parsed
    rejected: int = 0  # rejected records (lines)
    encoding: str = "utf-8"

    @property
    def records(self) -> int:
        return self.parsed + self.rejected

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChunkScan:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def source_sql(path: str, sniffed: Sniffed, limits: Limits, rejects: int | None = None) -> str:
    """DuckDB's reader over a CSV with every column as text (`c0`, `c1`, ...), lines with the
    wrong number of fields skipped and, with `rejects`, kept in `rj_err_<rejects>`."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(sniffed.headers))) + "}"
    encoding = "latin-1" if sniffed.encoding != "utf-8" else "utf-8"
    store = (
        f"store_rejects=true, rejects_scan='rj_scan_{rejects}', rejects_table='rj_err_{rejects}', "
        if rejects is not None
        else ""
    )
    return (
        f"read_csv({_q(path)}, header=false, skip=1, columns={columns}, "
        f"delim={_q(sniffed.delimiter)}, quote='\"', escape='\"', encoding={_q(encoding)}, "
        f"ignore_errors=true, {store}max_line_size={limits.max_line_bytes}, "
        f"parallel=true, auto_detect=false)"
    )


def formula_flag(column: str) -> str:
    """True when a text value would run as a spreadsheet formula (=, +, @, -x, TAB, CR)."""
    # list_contains, not `IN (...)`: DuckDB turns an IN list of six into a join per column.
    return (
        f"CASE WHEN list_contains({list(_FORMULA_FIRST)}, ascii({column})) THEN "
        f"regexp_matches({column}, {_q(_FORMULA)}) ELSE false END"
    )


def row_checks(limits: Limits) -> list[tuple[str, str, str, str]]:
    """The per-row checks in order: (SQL condition, reason, column, SQL of the value shown).
    A row's reason is its first failing check (`wandr.validation.streamed` numbers them the
    same way)."""
    lo, hi = f"TIMESTAMP '{limits.min_year:04d}-01-01'", f"TIMESTAMP '{limits.max_year:04d}-01-01'"
    return [
        ("_pid IS NULL OR _pid = ''", "person_id is empty", "person_id", "_pid"),
        (
            "_t_utc_time_started IS NULL",
            "utc_time_started is missing or not a timestamp",
            "utc_time_started",
            "utc_time_started",
        ),
        (
            "_t_utc_time_ended IS NULL",
            "utc_time_ended is missing or not a timestamp",
            "utc_time_ended",
            "utc_time_ended",
        ),
        (
            f"_t_utc_time_started < {lo} OR _t_utc_time_started >= {hi}",
            f"utc_time_started is outside {limits.min_year}-{limits.max_year}",
            "utc_time_started",
            "utc_time_started",
        ),
        (
            "_dwell < 0",
            "utc_time_ended is before utc_time_started",
            "utc_time_ended",
            "utc_time_ended",
        ),
        (
            f"_dwell > {limits.max_dwell_s}",
            f"duration over {limits.max_dwell_s / 3600:g} h (absurd)",
            "utc_time_ended",
            "utc_time_ended",
        ),
    ]


def select_sql(
    sniffed: Sniffed, cmap: ColumnMap, upload_id: str, limits: Limits, chunk: int, source: str
) -> str:
    by_name = {name: f"c{pos}" for pos, name in cmap.canonical.items()}
    raw = [
        f"NULLIF({by_name[c]}, '') AS {c}" if c in by_name else f"CAST(NULL AS VARCHAR) AS {c}"
        for c in SOURCE_COLUMNS
    ]
    extra = (  # text, as the lake schema says (DuckDB would write its JSON logical type)
        "CAST(json_object("
        + ", ".join(f"{_q(n)}, NULLIF(c{i}, '')" for i, n in cmap.unknown.items())
        + ") AS VARCHAR)"
        if cmap.unknown
        else "CAST(NULL AS VARCHAR)"
    )
    person = f"trim(person_id, {_q(_WS)})"
    flags = []
    for name in _STRING_COLUMNS:  # a column the file lacks is NULL: nothing to check
        col = person if name == "person_id" else name
        check = formula_flag(col) if name in by_name else "false"
        flags.append(f"{check} AS _f_{name}")
    numbers = ", ".join(f"{times.sql_millis(times.sql_number(c))} AS _m_{c}" for c in _TIME_COLUMNS)
    parsed = ", ".join(f"{times.sql(c, f'_m_{c}')} AS _t_{c}" for c in _TIME_COLUMNS)
    checks = row_checks(limits)
    # The first failing check as a number, evaluated once; its words only where it failed.
    code = (
        "CASE " + " ".join(f"WHEN {c} THEN {k}" for k, (c, _, _, _) in enumerate(checks)) + " END"
    )
    reason = (
        "CASE _code "
        + " ".join(f"WHEN {k} THEN {_q(r)}" for k, (_, r, _, _) in enumerate(checks))
        + " END"
    )
    column = (
        "CASE _code "
        + " ".join(f"WHEN {k} THEN {_q(c)}" for k, (_, _, c, _) in enumerate(checks))
        + " END"
    )
    value = (
        "CASE _code "
        + " ".join(f"WHEN {k} THEN {v}" for k, (_, _, _, v) in enumerate(checks))
        + " END"
    )
    out_cols = []
    for f in EVENT_SCHEMA:
        n = f.name
        if n == "person_id":
            expr = "CASE WHEN _f_person_id THEN '''' || _pid ELSE _pid END"
        elif n in _STRING_COLUMNS:
            expr = f"CASE WHEN _f_{n} THEN '''' || {n} ELSE {n} END" if n in by_name else n
        elif n in _TIME_COLUMNS:
            expr = f"CAST(_t_{n} AS TIMESTAMP_MS)"
        elif n == "face_score":
            expr = "TRY_CAST(face_score AS DOUBLE)"
        elif n == "dwell_s":
            expr = "_dwell"
        elif n == "upload_id":
            expr = _q(upload_id)
        elif n == "source_line":
            expr = "CAST(NULL AS BIGINT)"
        else:  # extra
            expr = "_extra"
        out_cols.append(f"{expr} AS {n}")
    fx = " + ".join(
        f"(CAST(_f_{n} AS INTEGER) << {k})" for k, n in enumerate(_STRING_COLUMNS) if n in by_name
    )
    return f"""
        WITH src AS (SELECT *, row_number() OVER () - 1 AS _i FROM {source}),
        typed AS (
            SELECT {", ".join(raw)}, {extra} AS _extra, _i FROM src
        ),
        numbered AS (SELECT *, {person} AS _pid, {numbers} FROM typed),
        parsed AS (SELECT *, {parsed} FROM numbered),
        checked AS (
            SELECT *, {", ".join(flags)},
                (epoch_ms(_t_utc_time_ended) - epoch_ms(_t_utc_time_started)) / 1000.0 AS _dwell
            FROM parsed
        ),
        coded AS (SELECT *, {code} AS _code FROM checked)
        SELECT {", ".join(out_cols)}, CAST({chunk} AS INTEGER) AS _chunk, _i,
            {reason} AS _reason, {column} AS _column, CAST({value} AS VARCHAR) AS _value,
            {fx} AS _fx,
            (face_score IS NOT NULL AND TRY_CAST(face_score AS DOUBLE) IS NULL) AS _fsbad
        FROM coded
    """


def scan(
    con: Any,
    csv_path: str,
    sniffed: Sniffed,
    cmap: ColumnMap,
    upload_id: str,
    limits: Limits,
    out_dir: str,
    chunk: int = 0,
) -> ChunkScan:
    """Pass 1 over one CSV file (a whole upload, or one chunk with the header prepended)."""
    os.makedirs(out_dir, exist_ok=True)
    width = len(sniffed.headers)
    encoding = "latin-1" if sniffed.encoding != "utf-8" else "utf-8"
    source = source_sql(csv_path, sniffed, limits, rejects=chunk)
    rows_file = os.path.join(out_dir, f"rows-{chunk:05d}.parquet")
    sql = select_sql(sniffed, cmap, upload_id, limits, chunk, source)
    con.execute(
        f"COPY ({sql}) TO {_q(rows_file)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
    )
    parsed = con.execute(f"SELECT count(*) FROM read_parquet({_q(rows_file)})").fetchone()[0]
    rejects = fetch_rejects(con, chunk)
    if encoding == "utf-8" and any(r[1] == "INVALID ENCODING" for r in rejects):
        latin = Sniffed("latin-1", sniffed.delimiter, sniffed.headers)
        return scan(con, csv_path, latin, cmap, upload_id, limits, out_dir, chunk)
    rejects_file = None
    if rejects:
        rejects_file = os.path.join(out_dir, f"rejects-{chunk:05d}.parquet")
        pq.write_table(rejects_table(chunk, rejects, width, limits), rejects_file)
    return ChunkScan(chunk, rows_file, rejects_file, int(parsed), len(rejects), encoding)


def fetch_rejects(con: Any, chunk: int) -> list[tuple[int, str, str | None, str | None]]:
    """The lines DuckDB could not split into the header's fields: (line in the file read,
    error type, message, the line's text), one per line, in order; the tables are dropped."""
    rows = con.execute(
        f"SELECT line, min(error_type) AS error_type, min(error_message) AS message, "
        f"min(csv_line) AS csv_line FROM rj_err_{chunk} GROUP BY line ORDER BY line"
    ).fetchall()
    con.execute(f"DROP TABLE IF EXISTS rj_err_{chunk}; DROP TABLE IF EXISTS rj_scan_{chunk}")
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


def rejects_table(
    chunk: int, rejects: list[tuple[int, str, str | None, str | None]], width: int, limits: Limits
) -> pa.Table:
    """The rejected records of a chunk: their 0-based record index (`rec`), and for the
    ASOF join that numbers the parsed rows, `a` (parsed rows before this reject: rows with
    `_i >= a` sit after `shift` rejects)."""
    local = [r[0] - 2 for r in rejects]
    return pa.table(
        {
            "_chunk": pa.array([chunk] * len(rejects), pa.int32()),
            "rec": pa.array(local, pa.int64()),
            "a": pa.array([rec - k for k, rec in enumerate(local)], pa.int64()),
            "shift": pa.array(range(1, len(rejects) + 1), pa.int64()),
            "reason": pa.array([reject_reason(r[1], r[2], width, limits) for r in rejects]),
            "value": pa.array([None if r[3] is None else str(r[3])[:200] for r in rejects]),
        }
    )


def reject_reason(kind: str, message: str | None, width: int, limits: Limits) -> str:
    found = re.search(r"Found: (\d+)", message or "")
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS") and found:
        return f"has {found.group(1)} fields, the header has {width}"
    if kind == "LINE SIZE OVER MAXIMUM":
        return f"the line is longer than {limits.max_line_bytes} bytes"
    if kind == "INVALID ENCODING":
        return "the line is not valid text in the file's encoding"
    return f"cannot be read as CSV ({kind.lower()})"


@dataclass
class Merged:
    """Pass 2's outcome: the report and a SQL query of the good rows (with a `dt` column)."""

    report: Report
    good_sql: str
    days: dict[str, int] = field(default_factory=dict)


def new_report(
    sniffed: Sniffed, cmap: ColumnMap, upload_id: str, limits: Limits, latin: bool
) -> Report:
    """An empty CSV report that already says how the file was read."""
    report = Report(
        "csv",
        upload_id,
        encoding="latin-1" if latin else "utf-8",
        delimiter=sniffed.delimiter,
        limits=limits,
    )
    report.columns = {sniffed.headers[i]: c for i, c in cmap.canonical.items()}
    report.unknown_columns = list(cmap.unknown.values())
    report.notes = list(cmap.notes)
    return report


def merge(
    con: Any,
    scans: list[ChunkScan],
    sniffed: Sniffed,
    cmap: ColumnMap,
    upload_id: str,
    limits: Limits,
) -> Merged:
    """Pass 2: lines, global duplicates, the report, and the query of the good rows."""
    scans = sorted(scans, key=lambda s: s.chunk)
    encodings = {s.encoding for s in scans}
    report = new_report(sniffed, cmap, upload_id, limits, "latin-1" in encodings)
    bases, base = [], 0
    for s in scans:
        bases.append(base)
        base += s.records
    files = "[" + ", ".join(_q(s.rows_file) for s in scans) + "]"
    reject_files = [s.rejects_file for s in scans if s.rejects_file]
    base_list = "[" + ", ".join(str(b) for b in bases) + "]"
    if reject_files:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _rejects AS SELECT * FROM read_parquet(["
            + ", ".join(_q(f) for f in reject_files)
            + "])"
        )
        con.execute(f"""CREATE OR REPLACE TEMP VIEW _rows AS
            SELECT r.*, r._i + 2 + list_extract({base_list}, r._chunk + 1)
                + coalesce(j.shift, 0) AS _line
            FROM read_parquet({files}) r ASOF LEFT JOIN
                (SELECT _chunk, a, max(shift) AS shift FROM _rejects GROUP BY ALL) j
            ON r._chunk = j._chunk AND r._i >= j.a""")  # adjacent rejects share an `a`
    else:
        con.execute(f"""CREATE OR REPLACE TEMP VIEW _rows AS
            SELECT *, _i + 2 + list_extract({base_list}, _chunk + 1) AS _line
            FROM read_parquet({files})""")
    find_repeats(con, "_rows")
    fx = ", ".join(
        f"count(*) FILTER (WHERE _reason IS NULL AND (_fx >> {k}) & 1 = 1)"
        for k in range(len(_STRING_COLUMNS))
    )
    stats = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE _reason IS NULL),
        count(*) FILTER (WHERE _reason IS NULL AND _fsbad), {fx} FROM _rows""").fetchone()
    parsed, good, fs_bad, *formulas = stats
    add_problems(report, formulas, fs_bad)
    rejected = add_reasons(
        con, report, "_rows", "SELECT reason FROM _rejects" if reject_files else None
    )
    dups = add_totals(con, report, parsed, good, rejected)
    rejects = (
        f"SELECT j.rec + 2 + list_extract({base_list}, j._chunk + 1) AS line, j.reason, j.value "
        "FROM _rejects j"
        if reject_files
        else None
    )
    add_bad_rows(con, report, "_rows", rejects, limits)
    if report.rows_total == 0:
        raise InvalidUpload("the file has a header line and no data rows")
    cols = ", ".join(lake_column(c) for c in EVENT_COLUMNS)
    anti = " ANTI JOIN _dups d ON r._line = d.line" if dups else ""
    good_sql = (
        f"SELECT {cols}, strftime(utc_time_started, '%Y-%m-%d') AS dt "
        f"FROM _rows r{anti} WHERE _reason IS NULL"
    )
    days = (
        dict(con.execute(f"SELECT dt, count(*) FROM ({good_sql}) GROUP BY 1 ORDER BY 1").fetchall())
        if report.rows_good
        else {}
    )
    if len(days) > limits.max_days:
        raise InvalidUpload(f"the file spans more than {limits.max_days} days")
    report.days = sorted(days)
    return Merged(report, good_sql, days)


def find_repeats(con: Any, rows: str) -> None:
    """`_dups`: the lines of good rows whose event_id an earlier good row already has, with
    that first line (the hash group-by first keeps the exact comparison to the few repeats)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _dups AS
        WITH good AS (SELECT event_id, _line FROM {rows}
                      WHERE _reason IS NULL AND event_id IS NOT NULL),
        h AS (SELECT hash(event_id) AS h FROM good GROUP BY 1 HAVING count(*) > 1),
        ids AS (SELECT event_id, min(_line) AS first_line FROM good
                WHERE hash(event_id) IN (SELECT h FROM h)
                GROUP BY event_id HAVING count(*) > 1)
        SELECT g._line AS line, ids.first_line FROM good g JOIN ids USING (event_id)
        WHERE g._line <> ids.first_line""")


def add_totals(con: Any, report: Report, parsed: int, good: int, rejected: int) -> int:
    """The report's row totals: `good` rows passed the checks, less the repeats in `_dups`.
    Returns the repeats."""
    dups = int(con.execute("SELECT count(*) FROM _dups").fetchone()[0])
    if dups:
        report.reasons["duplicate event_id"] += dups
    report.duplicates = dups
    report.rows_total = parsed + rejected
    report.rows_good = good - dups
    report.rows_bad = report.rows_total - report.rows_good
    return dups


def day_of(path: str) -> str:
    """The day of a file under a `dt=<day>/` directory."""
    return os.path.basename(os.path.dirname(path)).removeprefix("dt=")


def add_problems(report: Report, formulas: list[int], face_score_bad: int) -> None:
    """Count the kept rows' column problems (formula-looking text per column, bad scores)."""
    for name, n in zip(_STRING_COLUMNS, formulas, strict=True):
        if n:
            report.column_problems[
                f"{name}: looks like a spreadsheet formula (stored with a leading ')"
            ] += n
    if face_score_bad:
        report.column_problems["face_score: not a number (kept as null)"] += face_score_bad


def add_reasons(con: Any, report: Report, rows: str, rejects: str | None) -> int:
    """Count why rows failed (in `rows`) or were rejected (`rejects`: a query with a
    reason column); return the rejected records."""
    for why, n in con.execute(
        f"SELECT _reason, count(*) FROM {rows} WHERE _reason IS NOT NULL GROUP BY 1"
    ).fetchall():
        report.reasons[why] += n
    rejected = 0
    if rejects:
        for why, n in con.execute(
            f"SELECT reason, count(*) FROM ({rejects}) GROUP BY 1"
        ).fetchall():
            report.reasons[why] += n
            rejected += n
    return rejected


def add_bad_rows(con: Any, report: Report, rows: str, rejects: str | None, limits: Limits) -> None:
    """Keep the first bad rows by line: failed checks in `rows`, repeated ids in `_dups`,
    and the lines DuckDB rejected (`rejects`: a query of line, reason, value)."""
    parts = [
        'SELECT _line AS line, _reason AS reason, _column AS "column", _value AS value '
        f"FROM {rows} WHERE _reason IS NOT NULL",
        "SELECT line, 'duplicate event_id', 'event_id', 'first seen on line ' || first_line "
        "FROM _dups",
    ]
    if rejects:
        parts.append(f"SELECT line, reason, NULL, value FROM ({rejects})")
    for line, why, col, value in con.execute(
        " UNION ALL ".join(parts) + f" ORDER BY 1 LIMIT {int(limits.stored_bad_rows)}"
    ).fetchall():
        report.bad_rows.append(
            {
                "line": int(line),
                "reason": why,
                "column": col,
                "value": None if value is None else str(value)[:200],
            }
        )


def lake_column(name: str) -> str:
    """A lake column in the pass-2 queries: DuckDB reads TIMESTAMP_MS Parquet back as
    microseconds, so the lake's millisecond type is restored on the way out."""
    if name == "source_line":
        return "_line AS source_line"
    if name in _TIME_COLUMNS:
        return f"CAST({name} AS TIMESTAMP_MS) AS {name}"
    return name


def write_days(con: Any, merged: Merged, out_dir: str) -> dict[str, list[str]]:
    """Write the good rows as `<out_dir>/dt=<day>/part-*.parquet`; return the files by day."""
    if not merged.days:
        return {}
    os.makedirs(out_dir, exist_ok=True)
    written = con.execute(
        f"COPY ({merged.good_sql}) TO {_q(out_dir)} (FORMAT parquet, COMPRESSION zstd, "
        "COMPRESSION_LEVEL 1, PARTITION_BY (dt), OVERWRITE_OR_IGNORE true, "
        "FILENAME_PATTERN 'part-{i}', RETURN_FILES true)"
    ).fetchone()[1]
    out: dict[str, list[str]] = {}
    for path in sorted(written):
        out.setdefault(day_of(path), []).append(path)
    return out


def good_batches(con: Any, merged: Merged, rows: int = 131072) -> Iterator[pa.Table]:
    """The good rows in file order, in the lake schema (for small files and tests)."""
    cols = ", ".join(EVENT_COLUMNS)
    reader = con.execute(
        f"SELECT {cols} FROM ({merged.good_sql}) ORDER BY source_line"
    ).to_arrow_reader(rows)
    for batch in reader:
        yield pa.Table.from_batches([batch]).cast(EVENT_SCHEMA)


@contextlib.contextmanager
def workdir(prefix: str = "wandr-validate-") -> Iterator[str]:
    path = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("WANDR_WORK_DIR"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def spool(open_stream: Callable[[], Any], path: str, chunk: int = 8 << 20) -> None:
    """Copy a stream (S3, a buffer) to a local file DuckDB can read."""
    with open_stream() as stream, open(path, "wb") as out:
        while data := stream.read(chunk):
            out.write(data)


def head_of(path: str, size: int, limits: Limits) -> Sniffed:
    with open(path, "rb") as f:
        head = f.read(min(size, limits.max_line_bytes + 1) if size else 65536)
    return sniff(head, size if size else len(head), limits)


class Sink:
    """Where good rows go: `write` each table; `discard` everything written so far."""

    def write(self, table: pa.Table) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def discard(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def validate(
    open_stream: Callable[[], Any],
    size: int,
    upload_id: str,
    sink: Sink,
    limits: Limits | None = None,
) -> tuple[Report, list[int]]:
    """Validate a whole CSV in one pass and hand the good rows to `sink` (file order).

    Returns the report and the lines of rows dropped as repeated event_ids.
    """
    limits = limits or Limits()
    with open_stream() as stream:
        head = stream.read(min(size, limits.max_line_bytes + 1) if size else 65536)
    sniffed = sniff(head, size if size else len(head), limits)
    cmap = map_columns(sniffed.headers)
    with workdir() as work:
        path = os.path.join(work, "upload.csv")
        spool(open_stream, path)
        con = connect(work)
        try:
            merged = merge(
                con,
                [scan(con, path, sniffed, cmap, upload_id, limits, work)],
                sniffed,
                cmap,
                upload_id,
                limits,
            )
            for table in good_batches(con, merged):
                sink.write(table)
            repeats = [
                int(r[0]) for r in con.execute("SELECT line FROM _dups ORDER BY 1").fetchall()
            ]
        finally:
            con.close()
    return merged.report, repeats
