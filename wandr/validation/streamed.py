"""Validate a UTF-8 camera-event CSV in one polars streaming pass, writing the day files.

Why a third path beside `parallel` (DuckDB per byte range) and `csvfile` (DuckDB, two
passes): polars' CSV reader and its per-row expressions cost about a third of DuckDB's for
the same checks, which is what brings a 10-million-row upload under the ingest time budget.
The semantics stay DuckDB's, decided in one place:

- The common, well-formed values are read by polars (a plain number as an epoch, a plain
  number as the face score). A value polars' cast rejects (ISO text, spaces, `1_000`) is
  decided by the same DuckDB expression the general path uses (`times.sql`, TRY_CAST), on
  just those rows.
- Anything whose handling the two readers might not share raises `NotFastPath` and the
  caller tries the next path: lines polars cannot split (too many fields, stray quotes, bad
  UTF-8), a quoted line break (rows != lines), a blank line that is not at the end, a row
  whose last field is empty (a short line looks the same to polars), lines that may be over
  the length limit. tests/unit/analytics/test_streamed_validation.py holds the rows and the
  report to the general path's on clean and hostile files.

Repeated event_ids are found first (a narrow pass over the id column); rows holding one are
held back with the bad rows, and `parallel.finish` keeps the first good one of each, so the
end of this path is the parallel path's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from wandr.events import EVENT_SCHEMA, TIME_COLUMNS
from wandr.validation import csvfile, formulas, parallel, times
from wandr.validation.columns import ColumnMap, Sniffed
from wandr.validation.csvfile import _STRING_COLUMNS, _WS
from wandr.validation.parallel import ChunkOutput, NotFastPath
from wandr.validation.report import Limits, Report

_BATCH_ROWS = 131_072
_FLUSH_ROWS = 524_288  # good rows per day-file write: bounds memory, keeps files few
_READ_BYTES = 16 << 20
_REMEMBERED_VALUES = 10_000  # distinct odd values kept per expression (see _OddValues)
# Written as the DuckDB-written day files are: a dictionary only where values repeat (ids
# are nearly all distinct: a dictionary there is hashing and a fallback), statistics on the
# times (what queries filter on), and no Arrow schema, so polars' string views (handed over
# without a copy) read back as the lake's `string`.
_DICTIONARY_COLUMNS = [n for n in _STRING_COLUMNS if n not in ("event_id", "person_id")] + [
    "upload_id",
    "face_score",
]
# Integers that climb or cluster (lines in file order, epoch milliseconds of one day): delta
# encoding stores each in a few bits, which writes and reads faster than zstd over their
# plain bytes, and the files come out smaller (2.1 M rows: 20 % of the writer's CPU, 5 %
# of the bytes).
_DELTA_COLUMNS = ("source_line", *TIME_COLUMNS)
_HELD_SCHEMA = pa.schema(
    [
        *EVENT_SCHEMA,
        pa.field("dt", pa.string()),
        pa.field("_line", pa.int64()),
        pa.field("_reason", pa.string()),
        pa.field("_column", pa.string()),
        pa.field("_value", pa.string()),
    ]
)


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

    Returns the report, the files by day and the rows by day, or raises NotFastPath.
    """
    if sniffed.encoding != "utf-8" or len(sniffed.delimiter.encode()) != 1:
        raise NotFastPath("the file is not UTF-8 with a one-byte delimiter")
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    reader = _Reader(path, sniffed, cmap)
    con = csvfile.connect(work)
    # The odd values of each batch (a few hundred rows) are decided on a connection of its
    # own with one thread: the query then runs on the calling thread instead of waiting
    # for DuckDB's workers behind polars' (25 ms a batch on 2 cores, not 3).
    odd_values = csvfile.connect(work, threads=1)
    with ThreadPoolExecutor(max_workers=1) as background:
        lines = background.submit(_Lines.of, path, limits)  # numpy, GIL released: beside polars
        try:
            out, held, blank_lines = _stream(odd_values, reader, upload_id, limits, out_dir)
            _check_lines(lines.result(), out.parsed, blank_lines)
            out.held_file = os.path.join(work, "held.parquet")
            pq.write_table(pa.concat_tables(held), out.held_file)
            return parallel.finish(con, [out], sniffed, cmap, upload_id, limits, out_dir)
        finally:
            odd_values.close()
            con.close()


def _stream(
    con: Any, reader: _Reader, upload_id: str, limits: Limits, out_dir: str
) -> tuple[ChunkOutput, list[pa.Table], list[int]]:
    """The one pass: day files written, bad and held rows kept (as compact Arrow copies,
    not views that would pin each batch's text), counts added up, blank lines noted."""
    out = ChunkOutput(0, formulas=[0] * len(_STRING_COLUMNS))
    held = [_HELD_SCHEMA.empty_table()]
    blank_lines: list[int] = []
    writer = _DayWriter(os.path.join(out_dir, "_s"), reader, upload_id)
    odd = _OddValues(con)
    try:
        repeated = reader.repeated_ids()
        for batch in reader.batches():
            rows = _drop_blank_lines(_settle(odd, batch, reader, limits, repeated), blank_lines)
            good = rows.get_column("_code").is_null()
            _count(out, rows, good)
            writer.add(rows, good & ~rows.get_column("_held"))
            bad = ~good | rows.get_column("_held")
            if bad.any():
                held.append(_held_rows(rows.filter(bad), reader.by_name, upload_id, limits))
        writer.close()
    except pl.exceptions.ComputeError as exc:  # the reader's error on a line it cannot read
        raise NotFastPath(f"polars does not read the file as DuckDB does: {exc}") from exc
    finally:
        writer.abandon()
    out.files, out.days = writer.files, writer.days
    return out, held, blank_lines


class _Reader:
    """The file as polars sees it: columns by position (`c0`, ...), all text."""

    def __init__(self, path: str, sniffed: Sniffed, cmap: ColumnMap) -> None:
        self.path, self.sniffed, self.cmap = path, sniffed, cmap
        self.width = len(sniffed.headers)
        self.by_name = {name: f"c{pos}" for pos, name in cmap.canonical.items()}

    def scan(self, **options: Any) -> pl.LazyFrame:
        return pl.scan_csv(
            self.path,
            separator=self.sniffed.delimiter,
            quote_char='"',
            infer_schema=False,
            null_values=[""],  # NULLIF(c, ''), quoted or not, as the general path
            new_columns=[f"c{i}" for i in range(self.width)],
            encoding="utf8",
            **options,
        )

    def repeated_ids(self) -> pl.Series:
        """Hashes of the stored event_ids seen more than once (a collision only holds back a
        few more rows; `parallel.finish` compares the ids themselves). One sort of all the
        hashes finds them: a group-by over millions of distinct hashes is a hash table far
        bigger than the caches (10 M rows: 4.3 -> 3.4 CPU-s, 170 MB less memory)."""
        if "event_id" not in self.by_name:
            return pl.Series("h", [], pl.UInt64)
        ids = self.scan().select(self.by_name["event_id"])
        parts = [
            _id_hashes(raw, formulas.flags(raw)).drop_nulls().to_numpy()
            for raw in (batch.to_series() for batch in ids.collect_batches(chunk_size=1 << 20))
        ]
        hashes = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.uint64)
        repeated = hashes[1:][hashes[1:] == hashes[:-1]]
        return pl.Series("h", np.unique(repeated), pl.UInt64)

    def batches(self) -> Iterator[pl.DataFrame]:
        """The rows with the per-row work that every row needs done by the streaming engine:
        the raw columns, trimmed person (`_pid`), epoch milliseconds (`_m_*`), face score
        (`_fs`), unknown columns as JSON (`_extra`) and an empty last field (`_short`). The
        formula flags and the repeated ids come later (`_settle`)."""
        b = self.by_name
        person = pl.col(b["person_id"]).str.strip_chars(_WS)
        columns = [pl.col("_i"), pl.col("^c[0-9]+$"), person.alias("_pid")]
        columns += [
            times.epoch_millis(pl.col(b[n])).alias(f"_m_{n}") for n in TIME_COLUMNS if n in b
        ]
        if "face_score" in b:
            columns.append(pl.col(b["face_score"]).cast(pl.Float64, strict=False).alias("_fs"))
        if self.cmap.unknown:
            extra = pl.struct([pl.col(f"c{i}").alias(n) for i, n in self.cmap.unknown.items()])
            columns.append(extra.struct.json_encode().alias("_extra"))
        columns.append(pl.col(f"c{self.width - 1}").is_null().alias("_short"))
        frame = self.scan(row_index_name="_i").select(columns)
        yield from frame.collect_batches(chunk_size=_BATCH_ROWS)


def _id_hashes(raw: pl.Series, formula: np.ndarray) -> pl.Series:
    """The hash of each event_id as stored (a formula gets a leading '), null without one.
    Equal stored ids, equal hashes; a collision only holds back a few more rows, as
    `parallel.finish` compares the ids themselves."""
    hashes = raw.hash()
    if formula.any():
        where = pl.Series(np.flatnonzero(formula), dtype=pl.UInt32)
        hashes = hashes.scatter(where, ("'" + raw.gather(where)).hash())
    return pl.select(pl.when(raw.is_not_null()).then(hashes)).to_series()


def _formula_bits(batch: pl.DataFrame, reader: _Reader) -> pl.Series:
    """`_fx`: one bit per `_STRING_COLUMNS` for text that looks like a formula (the person
    as trimmed), from `formulas.flags`."""
    bits = np.zeros(batch.height, np.int32)
    for k, name in enumerate(_STRING_COLUMNS):
        if name in reader.by_name:
            text = batch.get_column("_pid" if name == "person_id" else reader.by_name[name])
            bits |= formulas.flags(text).astype(np.int32) << k
    return pl.Series("_fx", bits)


def _settle(
    odd: _OddValues, batch: pl.DataFrame, reader: _Reader, limits: Limits, repeated: pl.Series
) -> pl.DataFrame:
    """A batch with its formula flags (`_fx`), held (`_held`: its event_id hash is in
    `repeated`), typed times (`_t_*`), score (`_score`), line, dwell, day (`dt`) and
    `_code`: the first failing check, numbered as `csvfile.row_checks` orders them."""
    b = reader.by_name
    fx = _formula_bits(batch, reader)
    if "event_id" in b and len(repeated):
        raw = batch.get_column(b["event_id"])
        event_formula = (fx.to_numpy() & (1 << _STRING_COLUMNS.index("event_id"))) != 0
        held = _id_hashes(raw, event_formula).is_in(repeated.implode()).fill_null(False)
    else:
        held = pl.repeat(False, batch.height, eager=True)
    frame = batch.with_columns(
        fx,
        held.alias("_held"),
        *[_timestamps(odd, batch, b[n], n).alias(f"_t_{n}") for n in TIME_COLUMNS if n in b],
        (pl.col("_i").cast(pl.Int64) + 2).alias("_line"),
    )
    if "face_score" in b:
        score = _face_score(odd, batch, b["face_score"])
        bad = score.is_null() & batch.get_column(b["face_score"]).is_not_null()
        frame = frame.with_columns(score.alias("_score"), bad.alias("_fsbad"))
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.Float64).alias("_score"), pl.lit(False).alias("_fsbad")
        )
    started = frame.get_column("_t_utc_time_started")
    frame = frame.with_columns(
        _seconds_between(started, frame.get_column("_t_utc_time_ended")),
        started.dt.date().alias("dt"),
    )
    return frame.with_columns(_code(limits).alias("_code"))


def _drop_blank_lines(rows: pl.DataFrame, blank_lines: list[int]) -> pl.DataFrame:
    """DuckDB skips a blank line; polars reads it as a row of nulls. A short line (fewer
    fields) also leaves the last column null, and DuckDB rejects that: only the general path
    can say so, so a row whose last field is empty must be a blank line here."""
    short = rows.get_column("_short")
    if not short.any():
        return rows
    raw = rows.select(pl.col("^c[0-9]+$"))
    blank = short & raw.select(pl.all_horizontal(pl.all().is_null())).to_series()
    if (short & ~blank).any():
        raise NotFastPath("a row's last field is empty (a short line reads the same)")
    blank_lines += rows.filter(blank).get_column("_line").to_list()
    return rows.filter(~blank)


def _seconds_between(started: pl.Series, ended: pl.Series) -> pl.Series:
    """`dwell_s`: (ended - started) in seconds, divided as DuckDB divides. Polars divides by a
    constant as a multiplication by its reciprocal, which is off in the last bit (24.464 ->
    24.464000000000002); numpy's division is exact IEEE."""
    millis = (ended.dt.epoch("ms") - started.dt.epoch("ms")).cast(pl.Float64).to_numpy()
    return pl.Series("dwell_s", millis / 1000.0, nan_to_null=True)


def _timestamps(odd: _OddValues, batch: pl.DataFrame, raw: str, name: str) -> pl.Series:
    """Milliseconds polars read, and for the values it could not, DuckDB's `times.sql`."""
    text = batch.get_column(raw)
    stamps = batch.get_column(f"_m_{name}").cast(pl.Datetime("ms"))
    todo = stamps.is_null() & text.is_not_null()
    if not todo.any():
        return stamps
    fixed = odd.values(text.filter(todo), f"epoch_ms({times.sql('v')})", pl.Int64())
    return stamps.scatter(todo.arg_true(), fixed.cast(pl.Datetime("ms")))


def _face_score(odd: _OddValues, batch: pl.DataFrame, raw: str) -> pl.Series:
    """The score polars read, and DuckDB's TRY_CAST where polars' cast could not."""
    score = batch.get_column("_fs")
    text = batch.get_column(raw)
    todo = score.is_null() & text.is_not_null()
    if not todo.any():
        return score
    fixed = odd.values(text.filter(todo), "TRY_CAST(v AS DOUBLE)", pl.Float64())
    return score.scatter(todo.arg_true(), fixed.cast(pl.Float64))


class _OddValues:
    """DuckDB's reading of the values polars' casts reject, remembered per expression: a
    dirty export repeats a few bad values ('not-a-date', 'N/A') on thousands of rows, and a
    query per batch cost more than its rows (10 M rows: 77 queries, 1.3 s of the main
    thread). A batch with many distinct odd values (ISO times) goes to DuckDB as it is."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.known: dict[str, dict[str, Any]] = {}

    def values(self, texts: pl.Series, expression: str, dtype: pl.DataType) -> pl.Series:
        known = self.known.setdefault(expression, {})
        distinct = texts.unique()
        if len(distinct) > _REMEMBERED_VALUES - len(known):
            return _duckdb_values(self.con, texts, expression).cast(dtype)
        new = [v for v in distinct.to_list() if v not in known]
        if new:
            read = _duckdb_values(self.con, pl.Series("v", new, pl.String), expression)
            known.update(zip(new, read.cast(dtype).to_list(), strict=True))
        return texts.replace_strict(known, return_dtype=dtype)


def _duckdb_values(con: Any, texts: pl.Series, expression: str) -> pl.Series:
    """`expression` of `v` for each of `texts`, in DuckDB (the general path's semantics)."""
    con.register("_texts", pa.table({"v": texts.to_arrow()}))
    try:
        query = f"SELECT {expression} FROM _texts"
        return pl.Series(con.execute(query).to_arrow_table().column(0))
    finally:
        con.unregister("_texts")


def _code(limits: Limits) -> pl.Expr:
    """The first failing check as a number, in `csvfile.row_checks`' order."""
    lo = pl.datetime(limits.min_year, 1, 1, time_unit="ms")
    hi = pl.datetime(limits.max_year, 1, 1, time_unit="ms")
    pid, dwell = pl.col("_pid"), pl.col("dwell_s")
    started, ended = pl.col("_t_utc_time_started"), pl.col("_t_utc_time_ended")
    return (
        pl.when(pid.is_null() | (pid == ""))
        .then(0)
        .when(started.is_null())
        .then(1)
        .when(ended.is_null())
        .then(2)
        .when((started < lo) | (started >= hi))
        .then(3)
        .when(dwell < 0)
        .then(4)
        .when(dwell > limits.max_dwell_s)
        .then(5)
    )


def _lake_columns(rows: pl.DataFrame, mapped: dict[str, str], upload_id: str) -> list[pl.Expr]:
    """EVENT_SCHEMA's columns in order; text that looks like a formula gets a leading '."""
    any_formula = bool((rows.get_column("_fx") != 0).any())
    out = []
    for field in EVENT_SCHEMA:
        name = field.name
        if name in _STRING_COLUMNS:
            if name not in mapped:
                out.append(pl.lit(None, pl.String).alias(name))
                continue
            value = pl.col("_pid" if name == "person_id" else mapped[name])
            if any_formula:
                bit = 1 << _STRING_COLUMNS.index(name)
                value = pl.when((pl.col("_fx") & bit) != 0).then("'" + value).otherwise(value)
            out.append(value.alias(name))
        elif name in TIME_COLUMNS:
            present = name in mapped
            out.append(
                (pl.col(f"_t_{name}") if present else pl.lit(None, pl.Datetime("ms"))).alias(name)
            )
        elif name == "face_score":
            out.append(pl.col("_score").alias(name))
        elif name == "dwell_s":
            out.append(pl.col("dwell_s"))
        elif name == "upload_id":
            out.append(pl.lit(upload_id, pl.String).alias(name))
        elif name == "source_line":
            out.append(pl.col("_line").alias(name))
        else:  # extra
            out.append(
                (pl.col("_extra") if "_extra" in rows.columns else pl.lit(None, pl.String)).alias(
                    name
                )
            )
    return out


def _held_rows(
    rows: pl.DataFrame, mapped: dict[str, str], upload_id: str, limits: Limits
) -> pa.Table:
    """Bad and held rows as `parallel.finish` reads them: lake columns, the day as text, the
    line, and for a failed check its reason, column and the value shown (the trimmed
    person, or the raw text)."""
    checks = csvfile.row_checks(limits)
    code = pl.col("_code")
    reason, column, value = (
        pl.lit(None, pl.String),
        pl.lit(None, pl.String),
        pl.lit(None, pl.String),
    )
    for k, (_, why, name, _) in enumerate(checks):
        shown = pl.col("_pid") if name == "person_id" else pl.col(mapped[name])
        reason = pl.when(code == k).then(pl.lit(why)).otherwise(reason)
        column = pl.when(code == k).then(pl.lit(name)).otherwise(column)
        value = pl.when(code == k).then(shown).otherwise(value)
    frame = rows.select(
        *_lake_columns(rows, mapped, upload_id),
        pl.col("dt").dt.to_string("%Y-%m-%d"),
        "_line",
        reason.alias("_reason"),
        column.alias("_column"),
        value.alias("_value"),
    )
    return frame.to_arrow().cast(_HELD_SCHEMA)


def _count(out: ChunkOutput, rows: pl.DataFrame, good: pl.Series) -> None:
    """Add a batch's rows, good rows (repeats included), bad scores and formulas (column
    arithmetic: filtering the batch would copy every column)."""
    out.parsed += rows.height
    out.good += int(good.sum())
    out.face_score_bad += int((good & rows.get_column("_fsbad")).sum())
    fx = rows.get_column("_fx").zip_with(good, pl.Series([0], dtype=pl.Int32))
    if (fx != 0).any():
        for k in range(len(_STRING_COLUMNS)):
            out.formulas[k] += int(((fx & (1 << k)) != 0).sum())


@dataclass(frozen=True)
class _Lines:
    """What the raw bytes say: the newlines, whether the last line ends with one, and
    whether every line is shorter than half the line limit (`window` bytes = a quarter of
    it: a line of two windows or more covers a whole aligned window without a newline)."""

    newlines: int
    ends_with_newline: bool
    short: bool

    @classmethod
    def of(cls, path: str, limits: Limits) -> _Lines:
        window = max(1, limits.max_line_bytes // 4)
        buffer = np.empty(max(window, _READ_BYTES // window * window), np.uint8)
        newlines, short, last = 0, True, 10
        with open(path, "rb", buffering=0) as f:
            while size := f.readinto(buffer):  # type: ignore[arg-type]
                newline = buffer[:size] == 10
                newlines += int(np.count_nonzero(newline))
                whole = size // window * window
                short = short and bool(newline[:whole].reshape(-1, window).any(axis=1).all())
                last = int(buffer[size - 1])
        return cls(newlines, last == 10, short)


def _check_lines(lines: _Lines, parsed: int, blank_lines: list[int]) -> None:
    """Rows must be lines (no quoted line break), blank lines only at the end (DuckDB skips
    a blank line without a trace, so one in the middle shifts its line numbers), and no
    line near the length limit (DuckDB rejects a longer one)."""
    rows = parsed + len(blank_lines)
    if lines.newlines - 1 + (0 if lines.ends_with_newline else 1) != rows:
        raise NotFastPath("a quoted field holds a line break")
    if blank_lines != list(range(parsed + 2, rows + 2)):
        raise NotFastPath("a blank line before the last row")
    if not lines.short:
        raise NotFastPath("a line may be near the line length limit")


class _DayWriter:
    """Good rows to one file per day, `_FLUSH_ROWS` at a time (a row group per day per
    flush), written on a second thread while the next rows are read. The files are
    `<directory>/dt=<day>/part.parquet`; one open file per day, not one per flush and day,
    halves the fixed cost of the many small pieces a file that mixes its days cuts into."""

    def __init__(self, directory: str, reader: _Reader, upload_id: str) -> None:
        self.directory, self.upload_id = directory, upload_id
        self.mapped = reader.by_name
        self.zstd = [
            f.name
            for f in EVENT_SCHEMA
            if _has_values(f.name, reader) and f.name not in _DICTIONARY_COLUMNS
        ]
        self.files: list[str] = []
        self.days: dict[str, int] = {}
        self._open: dict[str, pq.ParquetWriter] = {}
        self._pending: list[pl.DataFrame] = []
        self._rows = 0
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._writing: Future[None] | None = None

    def add(self, rows: pl.DataFrame, keep: pl.Series) -> None:
        """Queue the `keep` rows of a batch. Only the lake columns are taken (no copy), and
        the rows are picked out when the day files are cut (one gather, not two)."""
        day = pl.when(keep).then(pl.col("dt"))
        self._pending.append(
            rows.select(*_lake_columns(rows, self.mapped, self.upload_id), day.alias("dt"))
        )
        self._rows += rows.height
        if self._rows >= _FLUSH_ROWS:
            self._flush()

    def close(self) -> None:
        self._flush()
        self._wait()
        for writer in self._open.values():
            writer.close()
        self._open.clear()

    def abandon(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for writer in self._open.values():
            writer.close()

    def _flush(self) -> None:
        if not self._pending:
            return
        frame = pl.concat(self._pending)
        self._pending, self._rows = [], 0
        self._wait()  # one write in flight at most: bounded memory
        self._writing = self._pool.submit(self._write, frame)

    def _wait(self) -> None:
        if self._writing is not None:
            self._writing.result()
            self._writing = None

    def _write(self, frame: pl.DataFrame) -> None:
        for (day,), part in frame.partition_by("dt", as_dict=True, include_key=False).items():
            if day is None:  # rows not kept
                continue
            table = part.to_arrow(compat_level=pl.CompatLevel.newest())  # views: no copy
            name = day.isoformat()
            if name not in self._open:
                self._open[name] = self._new_file(name, table.schema)
            self._open[name].write_table(table)
            self.days[name] = self.days.get(name, 0) + part.height

    def _new_file(self, day: str, schema: pa.Schema) -> pq.ParquetWriter:
        """Written as the DuckDB-written day files are (`_DICTIONARY_COLUMNS`), but zstd
        only on the columns it shrinks: not the all-null ones, nor the dictionary-encoded
        ones, whose pages of run-length codes it shrank by ~2 % (10 M rows: 1.6 of the
        writer's 7 CPU-s went on compressing them). The line and the times are delta
        encoded instead (`_DELTA_COLUMNS`)."""
        directory = os.path.join(self.directory, f"dt={day}")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "part.parquet")
        self.files.append(path)
        delta = [c for c in _DELTA_COLUMNS if c in self.zstd]
        zstd = [c for c in self.zstd if c not in delta]
        return pq.ParquetWriter(
            path,
            schema,
            compression={f.name: "zstd" if f.name in zstd else "none" for f in EVENT_SCHEMA},
            compression_level=dict.fromkeys(zstd, 1),
            use_dictionary=_DICTIONARY_COLUMNS,
            column_encoding=dict.fromkeys(delta, "DELTA_BINARY_PACKED"),
            write_statistics=list(TIME_COLUMNS),
            store_schema=False,
        )


def _has_values(name: str, reader: _Reader) -> bool:
    """Whether lake column `name` can hold values for this file (else it is all null)."""
    if name in _STRING_COLUMNS or name in TIME_COLUMNS or name == "face_score":
        return name in reader.by_name
    return name != "extra" or bool(reader.cmap.unknown)
