"""Camera-event CSV validation: stream the file, clean each block, yield good rows.

The file is read with pyarrow's streaming CSV reader (every column as text, so a bad value
can never abort a block) and each block is checked with vectorised polars expressions. Good
rows come out in the lake schema; bad rows are counted by reason and the first ones kept
with their line numbers. Duplicates by event_id are found across the whole file at the end
(`Duplicates`), so memory stays at one block plus 16 bytes per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from wandr.events import EVENT_COLUMNS, EVENT_SCHEMA
from wandr.validation import times
from wandr.validation.columns import ColumnMap, Sniffed, map_columns, sniff
from wandr.validation.report import InvalidUpload, Limits, Report

_FORMULA = r"^[=+@\t\r]|^-[^0-9.\s]"
_STRING_COLUMNS = [
    f.name
    for f in EVENT_SCHEMA
    if pa.types.is_string(f.type) and f.name not in ("upload_id", "extra")
]


@dataclass
class Duplicates:
    """Event-id hashes and line numbers of every accepted row, checked once at the end."""

    hashes: list[np.ndarray] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)

    def add(self, event_ids: pl.Series, lines: pl.Series) -> None:
        keep = event_ids.is_not_null()
        self.hashes.append(event_ids.filter(keep).hash(seed=7).to_numpy())
        self.lines.append(lines.filter(keep).to_numpy())

    def later_lines(self) -> pl.DataFrame:
        """Rows whose event_id appeared on an earlier line: (line, first_line)."""
        if not self.hashes:
            return pl.DataFrame(
                {"line": [], "first_line": []}, schema={"line": pl.Int64, "first_line": pl.Int64}
            )
        frame = pl.DataFrame(
            {"h": np.concatenate(self.hashes), "line": np.concatenate(self.lines).astype(np.int64)}
        )
        first = (
            frame.group_by("h")
            .agg(pl.col("line").min().alias("first_line"), pl.len().alias("n"))
            .filter(pl.col("n") > 1)
        )
        if first.height == 0:
            return pl.DataFrame(
                {"line": [], "first_line": []}, schema={"line": pl.Int64, "first_line": pl.Int64}
            )
        return (
            frame.join(first, on="h")
            .filter(pl.col("line") != pl.col("first_line"))
            .select("line", "first_line")
        )


def read_blocks(
    stream: Any,
    sniffed: Sniffed,
    block_bytes: int,
    on_invalid: Callable[[int | None, str, str], None],
) -> Iterator[pa.RecordBatch]:
    """Blocks of the CSV with positional column names c0..cN, all as strings."""
    names = [f"c{i}" for i in range(len(sniffed.headers))]

    def invalid(row: Any) -> str:
        on_invalid(
            row.number,
            f"has {row.actual_columns} fields, the header has {row.expected_columns}",
            row.text,
        )
        return "skip"

    if sniffed.encoding != "utf-8":
        stream = pa.transcoding_input_stream(stream, sniffed.encoding, "utf-8")
    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=block_bytes),
        parse_options=pacsv.ParseOptions(
            delimiter=sniffed.delimiter, newlines_in_values=False, invalid_row_handler=invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    yield from reader


def clean_block(
    block: pa.RecordBatch, cmap: ColumnMap, first_line: int, upload_id: str, report: Report
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One block -> (good rows in lake order, bad rows with line, reason, column, value)."""
    limits = report.limits
    raw = pl.from_arrow(block)
    assert isinstance(raw, pl.DataFrame)
    n = raw.height
    cols: dict[str, pl.Series] = {}
    for pos, name in cmap.canonical.items():
        cols[name] = raw.get_column(f"c{pos}").alias(name)
    frame = pl.DataFrame(list(cols.values())).with_columns(
        pl.int_range(first_line, first_line + n, dtype=pl.Int64).alias("source_line"),
        pl.int_range(0, n, dtype=pl.Int64).alias("_row"),
    )
    for name in EVENT_COLUMNS:
        if name not in frame.columns and name not in (
            "dwell_s",
            "upload_id",
            "extra",
            "source_line",
        ):
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    parsed = {
        c: times.parse(frame.get_column(c))
        for c in ("utc_time_started", "utc_time_ended", "utc_time_recorded")
    }
    frame = frame.with_columns(
        pl.col("person_id").str.strip_chars(),
        *(s.alias(f"_{c}") for c, s in parsed.items()),
    ).with_columns(
        (
            (pl.col("_utc_time_ended") - pl.col("_utc_time_started")).dt.total_milliseconds()
            / 1000.0
        ).alias("dwell_s"),
    )
    lo, hi = pl.datetime(limits.min_year, 1, 1), pl.datetime(limits.max_year, 1, 1)
    checks: list[tuple[pl.Expr, str, str]] = [
        (
            pl.col("person_id").is_null() | (pl.col("person_id") == ""),
            "person_id is empty",
            "person_id",
        ),
        (
            pl.col("_utc_time_started").is_null(),
            "utc_time_started is missing or not a timestamp",
            "utc_time_started",
        ),
        (
            pl.col("_utc_time_ended").is_null(),
            "utc_time_ended is missing or not a timestamp",
            "utc_time_ended",
        ),
        (
            (pl.col("_utc_time_started") < lo) | (pl.col("_utc_time_started") >= hi),
            f"utc_time_started is outside {limits.min_year}-{limits.max_year}",
            "utc_time_started",
        ),
        (pl.col("dwell_s") < 0, "utc_time_ended is before utc_time_started", "utc_time_ended"),
        (
            pl.col("dwell_s") > limits.max_dwell_s,
            f"duration over {limits.max_dwell_s / 3600:g} h (absurd)",
            "utc_time_ended",
        ),
    ]
    reason = pl.lit(None, pl.String)
    column = pl.lit(None, pl.String)
    for cond, why, col in reversed(checks):
        reason = pl.when(cond).then(pl.lit(why)).otherwise(reason)
        column = pl.when(cond).then(pl.lit(col)).otherwise(column)
    frame = frame.with_columns(reason.alias("_reason"), column.alias("_column"))
    bad = frame.filter(pl.col("_reason").is_not_null())
    bad_out = pl.DataFrame()
    if bad.height:
        value = pl.coalesce(
            *(
                pl.when(pl.col("_column") == c).then(pl.col(c).cast(pl.String))
                for c in ("person_id", "utc_time_started", "utc_time_ended")
            )
        )
        bad_out = bad.select(
            pl.col("source_line").alias("line"),
            pl.col("_reason").alias("reason"),
            pl.col("_column").alias("column"),
            value.alias("value"),
        )
    good = frame.filter(pl.col("_reason").is_null())
    good = _neutralise_formulas(good, report)
    good = good.with_columns(
        pl.col("_utc_time_started").alias("utc_time_started"),
        pl.col("_utc_time_ended").alias("utc_time_ended"),
        pl.col("_utc_time_recorded").alias("utc_time_recorded"),
        _face_score(good, report),
        pl.lit(upload_id).alias("upload_id"),
        _extra(raw, cmap, good),
    ).select(EVENT_COLUMNS)
    return good, bad_out


def _face_score(good: pl.DataFrame, report: Report) -> pl.Expr:
    text = good.get_column("face_score")
    score = text.cast(pl.Float64, strict=False)
    wrong = int((score.is_null() & text.is_not_null()).sum())
    if wrong:
        report.column_problems["face_score: not a number (kept as null)"] += wrong
    return pl.lit(score).alias("face_score")


def _neutralise_formulas(good: pl.DataFrame, report: Report) -> pl.DataFrame:
    """Prefix spreadsheet formulas (`=cmd|...`) with `'` so no export can execute them."""
    fixes = []
    for name in _STRING_COLUMNS:
        if name not in good.columns or good.schema[name] != pl.String:
            continue
        hits = good.get_column(name).str.contains(_FORMULA).fill_null(False)
        count = int(hits.sum())
        if count:
            report.column_problems[
                f"{name}: looks like a spreadsheet formula (stored with a leading ')"
            ] += count
            fixes.append(
                pl.when(hits).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
            )
    return good.with_columns(fixes) if fixes else good


def _extra(raw: pl.DataFrame, cmap: ColumnMap, good: pl.DataFrame) -> pl.Expr:
    """Unknown columns as one JSON object per row, so nothing a tenant sent is dropped."""
    if not cmap.unknown or good.height == 0:
        return pl.lit(None, pl.String).alias("extra")
    unknown = raw.select([pl.col(f"c{i}").alias(name) for i, name in cmap.unknown.items()])
    encoded = unknown.select(pl.struct(pl.all()).struct.json_encode()).to_series()
    return pl.lit(encoded.gather(good.get_column("_row"))).alias("extra")


def to_arrow(good: pl.DataFrame) -> pa.Table:
    return good.to_arrow().cast(EVENT_SCHEMA)


class Sink:
    """Where good rows go: `write` each table; `discard` everything written so far."""

    def write(self, table: pa.Table) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def discard(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class _NotUtf8(Exception):
    pass


def validate(
    open_stream: Callable[[], Any],
    size: int,
    upload_id: str,
    sink: Sink,
    limits: Limits | None = None,
) -> tuple[Report, pl.DataFrame]:
    """Validate a whole CSV, streaming good rows to `sink`.

    Returns the report and the (line, first_line) of rows that repeat an earlier event_id;
    those rows were already written to the sink, so the caller drops them from its staging.
    """
    limits = limits or Limits()
    with open_stream() as stream:
        head = stream.read(min(size, limits.max_line_bytes + 1) if size else 65536)
    sniffed = sniff(head, size if size else len(head), limits)
    cmap = map_columns(sniffed.headers)
    try:
        return _validate(open_stream, sniffed, cmap, upload_id, sink, limits)
    except _NotUtf8:
        sink.discard()
        latin = Sniffed("latin-1", sniffed.delimiter, sniffed.headers)
        return _validate(open_stream, latin, cmap, upload_id, sink, limits)


def _validate(
    open_stream: Callable[[], Any],
    sniffed: Sniffed,
    cmap: ColumnMap,
    upload_id: str,
    sink: Sink,
    limits: Limits,
) -> tuple[Report, pl.DataFrame]:
    report = Report(
        "csv", upload_id, encoding=sniffed.encoding, delimiter=sniffed.delimiter, limits=limits
    )
    report.columns = {sniffed.headers[i]: c for i, c in cmap.canonical.items()}
    report.unknown_columns = list(cmap.unknown.values())
    report.notes = list(cmap.notes)
    dups = Duplicates()
    emitted = 0
    skipped = [0]

    def on_invalid(line: int | None, reason: str, text: str) -> None:
        skipped[0] += 1
        report.rows_total += 1
        report.add_bad(line, reason, None, text)

    try:
        with open_stream() as stream:
            before = 0  # rows skipped in earlier blocks (this block's are already counted)
            for block in read_blocks(stream, sniffed, limits.block_bytes, on_invalid):
                first_line = 2 + emitted + before
                before = skipped[0]
                emitted += block.num_rows
                report.rows_total += block.num_rows
                good, bad = clean_block(block, cmap, first_line, upload_id, report)
                _count_bad(report, bad)
                if good.height:
                    dups.add(good.get_column("event_id"), good.get_column("source_line"))
                    report.rows_good += good.height
                    sink.write(to_arrow(good))
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text and sniffed.encoding == "utf-8":
            raise _NotUtf8 from exc
        if "straddling" in text or "block" in text:
            text = f"a line is longer than {limits.block_bytes} bytes"
        raise InvalidUpload(f"the CSV cannot be read near line {2 + emitted}: {text}") from exc
    repeats = dups.later_lines()
    if repeats.height:
        report.duplicates = repeats.height
        report.rows_good -= repeats.height
        for line, first in repeats.sort("line").iter_rows():
            report.add_bad(line, "duplicate event_id", "event_id", f"first seen on line {first}")
    if report.rows_total == 0:
        raise InvalidUpload("the file has a header line and no data rows")
    return report, repeats


def _count_bad(report: Report, bad: pl.DataFrame) -> None:
    if bad.height == 0:
        return
    room = max(0, report.limits.stored_bad_rows - len(report.bad_rows))
    for row in bad.head(room).iter_rows(named=True):
        if row["value"] is not None:
            row["value"] = str(row["value"])[:200]
        report.bad_rows.append(row)
    report.rows_bad += bad.height
    for reason, count in bad.group_by("reason").len().iter_rows():
        report.reasons[reason] += count
