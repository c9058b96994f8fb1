"""Aggregates of a tenant's whole history, recomputed only for the days an upload touched.

Every aggregate here is a sum over days of per-day facts that depend only on that day's
events (visits never span UTC midnight; occupancy of a day also looks at the previous
day's events that run past midnight). So when an upload changes some days, recomputing
exactly those days from the lake - all uploads, not only the new one - keeps every
aggregate equal to a full recompute, and the cost follows the size of the touched days,
not the tenant's history.

Outputs, per day: Parquet aggregate tables under `agg_*/tenant=<t>/dt=<day>/` (for Athena
and `wandr sql`) and `Cell`s (one per day and camera, group and the site) for DynamoDB.

The work is numpy over the days' events as integer codes, a few days per pass (bounded
memory): one argsort by person and start (visits, person-days, the site's occupancy
islands), a stable radix re-sort per camera and group key (their islands and visitors),
packed-int64 sorts for distinct people and sorted lists, and one fine group-by that every
table and cell rolls up from. `wandr.dwell`/`wandr.occupancy` keep the reference definitions
in polars; tests/unit/analytics/test_fast_aggregates.py holds both to the same numbers.
"""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyarrow import fs as pafs

from wandr import crowd, dwell, occupancy
from wandr.events import EVENT_SCHEMA, INSIGHT_SCHEMA, NOT_DETERMINED
from wandr.lake import Lake, partition

EVENT_COLUMNS_NEEDED = [
    "person_id",
    "camera_id",
    "camera_description",
    "camera_group_id",
    "camera_group_name",
    "gender_outcome",
    "age_group_outcome",
    "utc_time_started",
    "utc_time_ended",
    "dwell_s",
]
AGG_TABLES = (
    "agg_camera_hour",
    "agg_dwell_dist",
    "agg_demographics",
    "agg_person_day",
    "agg_occupancy_minute",
    "agg_crowd_hour",
    "agg_insight_merge",
)
LEVELS = ("camera", "group", "site")


@dataclass
class Cell:
    """One day of one camera, group or the site: what the dashboard cards are made of."""

    dt: str
    level: str
    key: str
    name: str | None = None
    group_id: str | None = None
    events: int = 0
    visitors: int = 0
    dwell_sum_s: float = 0.0
    dwell_max_s: float = 0.0
    waiting_events: int = 0
    crowd_events: int = 0
    loitering_s: float = 0.0
    hourly_events: list[int] = field(default_factory=lambda: [0] * 24)
    hourly_dwell_s: list[float] = field(default_factory=lambda: [0.0] * 24)
    hourly_waiting: list[int] = field(default_factory=lambda: [0] * 24)
    hourly_crowd: list[int] = field(default_factory=lambda: [0] * 24)
    gender: dict[str, int] = field(default_factory=dict)
    age_group: dict[str, int] = field(default_factory=dict)
    dwell_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dwell_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    occupancy: np.ndarray = field(default_factory=lambda: np.zeros(1440, np.int64))


@dataclass
class DayAggregates:
    tables: dict[str, pl.DataFrame]
    cells: list[Cell]
    days: list[str]
    # per day, the later days its events end on (their occupancy sees this day's events)
    reaches: dict[str, set[str]] = field(default_factory=dict)
    # tables built as Arrow (the person-days), written as they are: a polars round trip of
    # their strings and lists cost a tenth of the pass, holding the GIL
    arrow: dict[str, pa.Table] = field(default_factory=dict)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _connect() -> Any:
    con = duckdb.connect()
    con.execute(f"SET memory_limit='{os.environ.get('WANDR_DUCKDB_MEMORY', '1200MB')}'")
    con.execute(f"SET threads={int(os.environ.get('WANDR_DUCKDB_THREADS', 2))}")
    con.execute("SET TimeZone='UTC'")
    # One spill directory per thread: DuckDB instances name their temp files alike, and two
    # spilling into one directory at once overwrite each other's.
    spill = os.environ.get("WANDR_WORK_DIR") or tempfile.gettempdir()
    own = f"wandr-duckdb-agg-{os.getpid()}-{threading.get_ident()}"
    con.execute(f"SET temp_directory='{os.path.join(spill, own)}'")
    return con


def _files(lake: Lake, table: str, tenant: str, days: list[str]) -> list[str]:
    out = []
    for day in days:
        directory = lake.path(partition(table, tenant, day))
        infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
        out += sorted(i.path for i in infos if i.path.endswith(".parquet"))
    return out


def _empty(columns: list[str], table: str) -> pa.Table:
    schema = EVENT_SCHEMA if table == "events" else INSIGHT_SCHEMA
    return pa.schema([schema.field(c) for c in columns]).empty_table()


def window_days(days: list[str]) -> list[str]:
    """`days` and the day before each (occupancy of a day reads the previous day's events)."""
    return sorted({d for day in days for d in (day, str(_day(day) - timedelta(days=1)))})


def local_files(lake: Lake, table: str, tenant: str, days: list[str], workdir: str) -> list[str]:
    """Local paths of the table's files for `days`: the files themselves on a local lake,
    else copies downloaded once into `workdir` (DuckDB then scans them several times)."""
    files = _files(lake, table, tenant, days)
    if lake.local_dir("") is not None:
        return files
    out = []
    for k, path in enumerate(files):
        target = os.path.join(workdir, f"{table}-{k:06d}.parquet")
        pafs.copy_files(
            path, target, source_filesystem=lake.fs, destination_filesystem=pafs.LocalFileSystem()
        )
        out.append(target)
    return out


def load(lake: Lake, tenant: str, days: list[str], workdir: str) -> tuple[list[str], pl.DataFrame]:
    """Local Parquet paths of the events of `days` and the day before each, and the
    insights of `days` (small, in memory)."""
    events = local_files(lake, "events", tenant, window_days(days), workdir)
    ins_files = _files(lake, "insights", tenant, days)
    insights = pl.DataFrame()
    if ins_files:
        table = ds.dataset(ins_files, filesystem=lake.fs, format="parquet").to_table(
            columns=list(crowd.INSIGHT_COLUMNS)
        )
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        insights = frame
    return events, insights


def _register(con: Any, events_window: Any) -> None:
    if isinstance(events_window, list):
        if events_window:
            files = _sql_list(events_window)
            cols = ", ".join(EVENT_COLUMNS_NEEDED)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW win_src AS SELECT {cols} "
                f"FROM read_parquet({files}, union_by_name=true)"
            )
            return
        events_window = _empty(EVENT_COLUMNS_NEEDED, "events")
    if isinstance(events_window, pl.DataFrame) and events_window.height == 0:
        events_window = _empty(EVENT_COLUMNS_NEEDED, "events")
    con.register("win_src", events_window)


def spill_days(events_window: Any, days: list[str]) -> list[str]:
    """Days after `days` whose occupancy the events of `days` reach (events past midnight)."""
    con = _connect()
    _register(con, events_window)
    rows = con.execute(
        "SELECT DISTINCT CAST(CAST(utc_time_ended AS DATE) AS VARCHAR) FROM win_src "
        "WHERE CAST(CAST(utc_time_started AS DATE) AS VARCHAR) "
        f"IN (SELECT unnest({_sql_list(days)}))"
    ).fetchall()
    con.close()
    return sorted({r[0] for r in rows} - set(days))


def compute(
    events_window: Any,
    insights: pl.DataFrame,
    days: list[str],
    rule: dwell.VisitRule = dwell.DEFAULT_RULE,
    waiting_threshold_s: float = dwell.WAITING_THRESHOLD_S,
) -> DayAggregates:
    """All aggregates of `days`; `events_window` (a polars frame, Arrow table or local Parquet
    paths) also holds the day before each of them. Days are aggregated `batch_days()` at a
    time so memory stays bounded whatever the number of days."""
    aggs = _compute_days(events_window, insights, days, rule, waiting_threshold_s)
    for name, table in aggs.arrow.items():
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        aggs.tables[name] = frame
    return DayAggregates(aggs.tables, aggs.cells, aggs.days, aggs.reaches)


def _compute_days(
    events_window: Any,
    insights: pl.DataFrame,
    days: list[str],
    rule: dwell.VisitRule,
    waiting_threshold_s: float,
) -> DayAggregates:
    """`compute`, with the Arrow tables left as Arrow (`write_tables` takes them as such)."""
    days = sorted(set(days))
    tables: dict[str, list[pl.DataFrame]] = {}
    arrow: dict[str, list[pa.Table]] = {}
    cells: list[Cell] = []
    reaches: dict[str, set[str]] = {}
    for i in range(0, max(len(days), 1), batch_days()):
        batch = days[i : i + batch_days()]
        ins = insights
        if insights.height and batch:
            ins = insights.filter(
                pl.col("utc_time_recorded").dt.date().cast(pl.String).is_in(batch)
            )
        part = _compute(_read_events(events_window, batch), ins, batch, rule, waiting_threshold_s)
        cells += part.cells
        reaches.update(part.reaches)
        for name, frame in part.tables.items():
            if frame.height:
                tables.setdefault(name, []).append(frame)
        for name, table in part.arrow.items():
            arrow.setdefault(name, []).append(table)
    joined = {name: pl.concat(frames, how="vertical_relaxed") for name, frames in tables.items()}
    arrow_joined = {name: pa.concat_tables(parts) for name, parts in arrow.items()}
    return DayAggregates(joined, cells, days, reaches, arrow_joined)


def _compute(
    events: _Events,
    insights: pl.DataFrame,
    days: list[str],
    rule: dwell.VisitRule,
    waiting_threshold_s: float,
) -> DayAggregates:
    thr = float(waiting_threshold_s)
    fine = _fine_groups(events, thr)
    tables: dict[str, pl.DataFrame] = {
        "agg_camera_hour": _camera_hour(events, fine),
        "agg_dwell_dist": pl.DataFrame(),
        "agg_demographics": _demographics(events, fine),
    }
    batch_order = _person_order(events, np.flatnonzero(events.batch))
    person_days = _person_days(events, batch_order, rule)
    dist = _dwell_counts(events)
    tables["agg_dwell_dist"] = (
        dist.group_by("dt", "camera_id", "dwell_whole_s")
        .agg(pl.col("events").sum())
        .sort("dt", "camera_id", "dwell_whole_s", nulls_last=True)
    )
    ins = (
        insights.with_columns(pl.col("utc_time_recorded").cast(pl.Datetime("ms")))
        if insights.height
        else pl.DataFrame()
    )
    tables["agg_crowd_hour"] = (
        crowd.per_hour(ins).with_columns(pl.col("dt").cast(pl.String))
        if ins.height
        else pl.DataFrame()
    )
    levels = _levels(events, batch_order)
    occ_keys, occ = _occupancy(events, levels)
    tables["agg_occupancy_minute"] = _occupancy_long(occ_keys, occ)
    tables["agg_insight_merge"] = _insight_merge(ins, days, fine, occ_keys, occ)
    cells = _cells(events, fine, dist, levels, tables["agg_crowd_hour"], occ_keys, occ)
    arrow = {"agg_person_day": person_days} if person_days.num_rows else {}
    return DayAggregates(tables, cells, days, _reaches(events), arrow)


def _reaches(events: _Events) -> dict[str, set[str]]:
    """Per batch day, the other days its events end on: what `spill_days` asks, answered
    from the pass's own arrays instead of a second scan."""
    b = events.batch_rows
    end_day = events.end_us[b] // US_PER_DAY
    cross = end_day != events.day[b]
    pairs = np.unique(events.bday[b][cross] * (1 << 32) + end_day[cross])
    out: dict[str, set[str]] = {d: set() for d in events.days}
    for bday, epoch_day in zip(pairs >> 32, pairs & 0xFFFFFFFF, strict=True):
        out[events.days[bday]].add(str(date(1970, 1, 1) + timedelta(days=int(epoch_day))))
    return out


# --- Events as integer codes -------------------------------------------------------------
# Every aggregate is a group-by over a handful of small string columns plus the person. The
# strings are encoded once per pass into integer codes whose order is the strings' order
# (null last), so group keys pack into one int64, a group-by is a bincount or one sort, and
# "smallest value" / "sorted list" fall out of the code order.

_STRING_COLUMNS = tuple(EVENT_COLUMNS_NEEDED[1:7])  # camera_id .. age_group_outcome
US_PER_MINUTE = 60_000_000
US_PER_DAY = 86_400_000_000
MS_PER_DAY = 86_400_000


@dataclass
class _Codes:
    """A string column as codes into `names` (sorted, then None for null)."""

    codes: np.ndarray
    names: list[str | None]

    @property
    def size(self) -> int:
        return len(self.names)

    def decode(self, codes: np.ndarray) -> pl.Series:
        return pl.Series(self.names, dtype=pl.String).gather(codes)

    def decode_arrow(self, codes: np.ndarray) -> pa.Array:
        """As `decode`, as the large strings polars would hand to Arrow."""
        return pa.array(self.names, pa.large_string()).take(pa.array(codes))


@dataclass
class _Events:
    """One pass: the events starting on the batch days, and those of the day before each
    that run past its midnight (the others cannot change a batch day's occupancy: an island
    they end before midnight, or continue at the midnight minute, has the same piece after
    midnight without them).

    `day` is the start's epoch day; `bday` its index in `days` (-1 for a previous day,
    which only occupancy reads); `batch` marks the rows of `days`. Validated events always
    have a person, start, end and dwell.
    """

    days: list[str]
    person: np.ndarray
    person_names: pa.Array
    start_us: np.ndarray
    end_us: np.ndarray
    start_minute: np.ndarray  # epoch minutes, divided once for the three levels' islands
    end_minute: np.ndarray
    dwell: np.ndarray
    day: np.ndarray
    bday: np.ndarray
    batch: np.ndarray
    strings: dict[str, _Codes]
    keys: dict[str, _Codes]  # camera / group keys of the cells: null coalesced to 'unknown'

    @property
    def batch_rows(self) -> np.ndarray | slice:
        """Index of the batch rows: a slice of every row (columns come as views, not copies)
        when the pass holds no previous-day rows, as most passes do."""
        return slice(None) if self.batch.all() else self.batch


def _read_events(events_window: Any, days: list[str]) -> _Events:
    """The pass's events: Parquet paths read with the small string columns as dictionaries
    (no per-row strings; the reader builds them far cheaper than encoding the strings
    afterwards), or a polars frame / Arrow table as given. Person ids are nearly all distinct
    per file, so a dictionary per file costs more than one encoding of the whole pass."""
    if isinstance(events_window, list):
        if events_window:
            fmt = ds.ParquetFileFormat(
                read_options=ds.ParquetReadOptions(dictionary_columns=list(_STRING_COLUMNS))
            )
            dataset = ds.dataset(events_window, format=fmt)
            # Files whose statistics rule out every row `_encode` keeps (most of the day
            # before the batch: nobody is there at midnight) are not read at all.
            wanted = _kept_rows(days)
            fragments = [f for f in dataset.get_fragments() if f.subset(wanted).num_row_groups]
            dataset = ds.FileSystemDataset(fragments, dataset.schema, fmt, dataset.filesystem)
            table = dataset.to_table(columns=EVENT_COLUMNS_NEEDED)
        else:
            table = _empty(EVENT_COLUMNS_NEEDED, "events")
    elif isinstance(events_window, pl.DataFrame):
        table = events_window.select(EVENT_COLUMNS_NEEDED).to_arrow()
    else:
        table = events_window.select(EVENT_COLUMNS_NEEDED)
    return _encode(table, days)


def _kept_rows(days: list[str]) -> pc.Expression:
    """The rows `_encode` keeps, as a filter: events starting on a batch day, and those of
    the day before each that end after its midnight."""
    keep: pc.Expression | None = None
    started, ended = pc.field("utc_time_started"), pc.field("utc_time_ended")
    for day in window_days(days):
        low = pa.scalar(datetime.fromisoformat(day), pa.timestamp("ms"))
        high = pa.scalar(datetime.fromisoformat(day) + timedelta(days=1), pa.timestamp("ms"))
        rows = (started >= low) & (started < high)
        if day not in days:
            rows = rows & (ended >= high)
        keep = rows if keep is None else keep | rows
    assert keep is not None
    return keep


def _timestamps_us(column: pa.ChunkedArray) -> np.ndarray:
    """Epoch microseconds; one chunk first (a pass reads dozens of files): one cast, and
    numpy gets the buffer instead of a concatenation."""
    one = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return np.asarray(one.cast(pa.timestamp("us")).cast(pa.int64()).to_numpy())


def _dictionary(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(codes, values) of a string column, null as code len(values). The values stay Arrow:
    a pass has hundreds of thousands of person ids, too many to make Python strings of.
    Plain strings are encoded as one chunk: codes in order of first appearance, as unifying
    per-chunk dictionaries gives, at a fraction of the cost."""
    if not pa.types.is_dictionary(column.type):
        column = pa.chunked_array([pc.dictionary_encode(column.combine_chunks())])
    column = pa.chunked_array(column.chunks, column.type).unify_dictionaries()
    values = column.chunk(0).dictionary if column.num_chunks else pa.array([], pa.string())
    indices = pa.chunked_array([c.indices for c in column.chunks], pa.int32())
    codes = pc.fill_null(indices, len(values)).to_numpy() if len(indices) else np.zeros(0)
    return np.asarray(codes, np.int32), values


def _sorted_codes(codes: np.ndarray, values: list[str | None], default: str | None) -> _Codes:
    """Codes in string order, null last; with `default`, null and `default` are one value."""
    values = [*values, None]
    if default is not None:
        values = [default if v is None else v for v in values]
    names: list[str | None] = [*sorted({v for v in values if v is not None})]
    if default is None:
        names.append(None)
    position: dict[str | None, int] = {v: i for i, v in enumerate(names)}
    lut = np.array([position[v] for v in values], np.int32)
    return _Codes(lut[codes], names)


def _coalesced(column: _Codes, default: str) -> _Codes:
    """`column` with null and `default` as one value, re-coded from its codes (no string work)."""
    return _sorted_codes(column.codes, list(column.names[:-1]), default)


def _encode(table: pa.Table, days: list[str]) -> _Events:
    start = _timestamps_us(table.column("utc_time_started"))
    day = start // US_PER_DAY
    end = _timestamps_us(table.column("utc_time_ended"))
    bday = _day_index(days, day)
    in_window = _day_index(window_days(days), day) >= 0
    keep = (bday >= 0) | (in_window & (end // US_PER_DAY > day))
    if not keep.all():
        table = table.filter(pa.array(keep))
        start, day, end, bday = start[keep], day[keep], end[keep], bday[keep]
    person, person_names = _dictionary(table.column("person_id"))
    strings = {}
    for name in _STRING_COLUMNS:
        codes, values = _dictionary(table.column(name))
        strings[name] = _sorted_codes(codes, values.to_pylist(), None)
    keys = {
        level: _coalesced(strings[name], "unknown")
        for level, name in (("camera", "camera_id"), ("group", "camera_group_id"))
    }
    return _Events(
        days=days,
        person=person,
        person_names=person_names.cast(pa.string()),
        start_us=start,
        end_us=end,
        start_minute=start // US_PER_MINUTE,
        end_minute=end // US_PER_MINUTE,
        dwell=np.asarray(table.column("dwell_s").to_numpy(), np.float64),
        day=day,
        bday=bday,
        batch=bday >= 0,
        strings=strings,
        keys=keys,
    )


def _pack(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One int64 per row from (codes, number of codes) parts, the first part most significant."""
    total = 1
    packed = np.zeros(len(parts[0][0]), np.int64)
    for codes, size in parts:
        total *= max(size, 1)
        if total >= 2**62:
            raise ValueError("group keys too many to pack into one int64")
        packed *= max(size, 1)  # in place: no temporaries the size of the pass
        packed += codes
    return packed


def _unpack(packed: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """The parts of `_pack`, in the same order."""
    out = []
    for size in reversed(sizes):
        packed, part = np.divmod(packed, max(size, 1))
        out.append(part)
    return out[::-1]


# Packed keys below this use a lookup table (one bincount), above it one sort.
DENSE_GROUP_LIMIT = 1 << 22


def _group_ids(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group id of each row, the packed key of each group ascending)."""
    if len(packed) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if int(packed.max()) < DENSE_GROUP_LIMIT:
        present = np.bincount(packed) > 0
        keys = np.flatnonzero(present)
        lut = np.cumsum(present) - 1
        return lut[packed], keys
    keys = np.sort(packed)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    return np.searchsorted(keys, packed), keys


def _distinct_people(ids: np.ndarray, groups: int, person: np.ndarray) -> np.ndarray:
    """Distinct people per group id: one sort of (group, person) pairs."""
    if len(ids) == 0:
        return np.zeros(groups, np.int64)
    people = int(person.max()) + 1
    pairs = np.sort(ids.astype(np.int64) * people + person)
    first = np.r_[True, pairs[1:] != pairs[:-1]]
    return np.bincount(pairs[first] // people, minlength=groups)


def _run_starts(*sorted_columns: np.ndarray) -> np.ndarray:
    """True where any of the (already sorted) columns changes value: the first row of a run."""
    n = len(sorted_columns[0])
    first = np.zeros(n, bool)
    if n:
        first[0] = True
        for column in sorted_columns:
            first[1:] |= column[1:] != column[:-1]
    return first


def _small_int(size: int) -> type[np.integer[Any]]:
    """The integer type for codes below `size` that numpy's stable sort radix-sorts when it can."""
    return np.int16 if size < 2**15 else np.int32


def _day_names(events: _Events, bday: np.ndarray) -> pl.Series:
    return pl.Series(events.days, dtype=pl.String).gather(bday)


# --- Tables ------------------------------------------------------------------------------


def _fine_groups(events: _Events, thr: float) -> pl.DataFrame:
    """Events, dwell sum/max and waiting per (day, camera, description, group, group name,
    hour, gender, age): every table and cell without distinct people is a roll-up of it."""
    b = events.batch_rows
    s = events.strings
    # The four camera columns first become one code of the combinations present (a few
    # dozen), which keeps the whole key small enough for the bincount path of _group_ids.
    camera = [(s[name].codes[b], s[name].size) for name in _STRING_COLUMNS[:4]]
    combo, combos = _group_ids(_pack(camera))
    parts = [(events.bday[b], len(events.days)), (combo, len(combos))]
    parts += [(s[name].codes[b], s[name].size) for name in _STRING_COLUMNS[4:]]
    parts.append((((events.start_us[b] // 3_600_000_000) % 24), 24))
    ids, keys = _group_ids(_pack(parts))
    dwell = events.dwell[b]
    dmax = np.full(len(keys), -np.inf)
    np.maximum.at(dmax, ids, dwell)
    day, combo_of_key, *rest = _unpack(keys, [size for _, size in parts])
    cols = [day, *_unpack(combos[combo_of_key], [size for _, size in camera]), *rest]
    frame = pl.DataFrame(
        {
            "dt": _day_names(events, cols[0]),
            **{name: s[name].decode(c) for name, c in zip(_STRING_COLUMNS, cols[1:7], strict=True)},
            "hour": pl.Series(cols[7], dtype=pl.Int32),
            "events": np.bincount(ids, minlength=len(keys)).astype(np.int64),
            "dwell_sum_s": np.bincount(ids, weights=dwell, minlength=len(keys)),
            "dwell_max_s": dmax,
            "waiting_events": np.bincount(ids, weights=dwell > thr, minlength=len(keys)).astype(
                np.int64
            ),
        }
    )
    return frame.with_columns(
        pl.col("camera_id").fill_null("unknown").alias("ckey"),
        pl.col("camera_group_id").fill_null("unknown").alias("gkey"),
        pl.col("gender_outcome").fill_null(NOT_DETERMINED).alias("gender"),
        pl.col("age_group_outcome").fill_null(NOT_DETERMINED).alias("age_group"),
    )


def _visitors(events: _Events, columns: list[str], by_hour: bool = False) -> pl.DataFrame:
    """Distinct people per day and the given string columns (and hour): (dt, ..., visitors)."""
    b = events.batch_rows
    parts = [(events.bday[b], len(events.days))]
    parts += [(events.strings[c].codes[b], events.strings[c].size) for c in columns]
    if by_hour:
        parts.append((((events.start_us[b] // 3_600_000_000) % 24), 24))
    ids, keys = _group_ids(_pack(parts))
    cols = _unpack(keys, [size for _, size in parts])
    out: dict[str, Any] = {"dt": _day_names(events, cols[0])}
    for name, c in zip(columns, cols[1:], strict=False):
        out[name] = events.strings[name].decode(c)
    if by_hour:
        out["hour"] = pl.Series(cols[-1], dtype=pl.Int32)
    out["visitors"] = _distinct_people(ids, len(keys), events.person[b])
    return pl.DataFrame(out)


def _camera_hour(events: _Events, fine: pl.DataFrame) -> pl.DataFrame:
    key = ["dt", "camera_id", "camera_group_id", "camera_group_name", "hour"]
    sums = fine.group_by(key).agg(
        pl.col("events").sum(),
        pl.col("dwell_sum_s").sum(),
        pl.col("dwell_max_s").max(),
        pl.col("waiting_events").sum(),
    )
    visitors = _visitors(events, key[1:4], by_hour=True)
    return (
        sums.join(visitors, on=key, nulls_equal=True)
        .select(*key, "events", "visitors", "dwell_sum_s", "dwell_max_s", "waiting_events")
        .sort("dt", "camera_id", "hour", nulls_last=True)
    )


def _demographics(events: _Events, fine: pl.DataFrame) -> pl.DataFrame:
    """Events and distinct people per day, camera, gender and age (null as not_determined)."""
    b = events.batch_rows
    s = events.strings
    coalesced = {
        name: _coalesced(s[name], NOT_DETERMINED)
        for name in ("gender_outcome", "age_group_outcome")
    }
    parts = [(events.bday[b], len(events.days)), (s["camera_id"].codes[b], s["camera_id"].size)]
    parts += [(c.codes[b], c.size) for c in coalesced.values()]
    ids, keys = _group_ids(_pack(parts))
    cols = _unpack(keys, [size for _, size in parts])
    visitors = pl.DataFrame(
        {
            "dt": _day_names(events, cols[0]),
            "camera_id": s["camera_id"].decode(cols[1]),
            "gender": coalesced["gender_outcome"].decode(cols[2]),
            "age_group": coalesced["age_group_outcome"].decode(cols[3]),
            "visitors": _distinct_people(ids, len(keys), events.person[b]),
        }
    )
    key = ["dt", "camera_id", "gender", "age_group"]
    sums = fine.group_by(key).agg(pl.col("events").sum())
    return (
        sums.join(visitors, on=key, nulls_equal=True)
        .select(*key, "events", "visitors")
        .sort(key, nulls_last=True)
    )


def _dwell_counts(events: _Events) -> pl.DataFrame:
    """Events per day, camera, camera key, group key and whole second of dwell (one sort):
    the dwell distribution table and every cell's distribution roll up from it."""
    b = events.batch_rows
    whole = np.floor(events.dwell[b]).astype(np.int64)
    low = int(whole.min()) if len(whole) else 0
    span = int(whole.max()) - low + 1 if len(whole) else 1
    camera, ckey, gkey = events.strings["camera_id"], events.keys["camera"], events.keys["group"]
    sizes = [len(events.days), camera.size, ckey.size, gkey.size, span]
    packed = np.sort(
        _pack(
            [
                (events.bday[b], sizes[0]),
                (camera.codes[b], sizes[1]),
                (ckey.codes[b], sizes[2]),
                (gkey.codes[b], sizes[3]),
                (whole - low, span),
            ]
        )
    )
    first = np.flatnonzero(_run_starts(packed))
    counts = np.diff(np.r_[first, len(packed)])
    cols = _unpack(packed[first], sizes)
    return pl.DataFrame(
        {
            "dt": _day_names(events, cols[0]),
            "camera_id": camera.decode(cols[1]),
            "ckey": ckey.decode(cols[2]),
            "gkey": gkey.decode(cols[3]),
            "dwell_whole_s": cols[4] + low,
            "events": counts.astype(np.int64),
        }
    )


# --- Person-days and visits --------------------------------------------------------------


def _person_key(events: _Events, rows: np.ndarray, all_rows: np.ndarray) -> np.ndarray:
    """(person, day, start ms) of `rows` packed into one int64, days counted over `all_rows`."""
    day = events.day[all_rows]
    low = int(day.min()) if len(all_rows) else 0
    days = int(day.max()) - low + 1 if len(all_rows) else 1
    ms_of_day = (events.start_us[rows] // 1000) % MS_PER_DAY
    return _pack(
        [
            (events.person[rows], len(events.person_names) + 1),
            (events.day[rows] - low, days),
            (ms_of_day, MS_PER_DAY),
        ]
    )


def _person_order(events: _Events, rows: np.ndarray) -> np.ndarray:
    """`rows` sorted by person, day and start (ms): one argsort of one packed int64."""
    return rows[np.argsort(_person_key(events, rows, rows))]


def _grouped_cummax(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running maximum of `values` within consecutive groups (`group` ascending ids): one
    global cumulative max after lifting each group above every earlier one."""
    if len(values) == 0:
        return values
    low = int(values.min())
    span = int(values.max()) - low + 1
    lifted = (values - low) + group * span
    return np.maximum.accumulate(lifted) - group * span + low


def _reach_before(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per row, the max of `values` over the earlier rows of its run (undefined on a run's
    first row, which callers treat as a new run anyway)."""
    group = np.cumsum(first) - 1
    reach = _grouped_cummax(values, group)
    return np.r_[values[:1], reach[:-1]]


def _mode(pd_of_row: np.ndarray, days: int, column: _Codes, rows: np.ndarray) -> pa.Array:
    """Most frequent non-null value per person-day; ties go to the smallest (codes follow the
    strings' order); None when all are null."""
    values = column.size
    if values == 1:
        return pa.nulls(days, pa.large_string())
    # One row of counts per value (contiguous: a max down the rows is elementwise, several
    # times faster than argmax across a narrow axis); each count carries its value's rank so
    # that equal counts go to the smallest code, and a count of 0 stays below `values`.
    counts = np.bincount(column.codes[rows] * days + pd_of_row, minlength=values * days)
    ranked = counts.reshape(values, days)[:-1] * values
    ranked += np.arange(values - 1, 0, -1)[:, None]
    top = ranked.max(axis=0)
    return column.decode_arrow(np.where(top >= values, values - 1 - top % values, values - 1))


def _lists(pd_of_row: np.ndarray, days: int, column: _Codes, rows: np.ndarray) -> pa.Array:
    """Sorted distinct non-null values per person-day, as the Arrow large list of large
    strings polars would hand to Arrow."""
    codes = column.codes[rows]
    keep = codes < column.size - 1
    pairs = np.sort(pd_of_row[keep].astype(np.int64) * column.size + codes[keep])
    pairs = pairs[_run_starts(pairs)]
    owner, value = np.divmod(pairs, column.size)
    offsets = np.r_[0, np.cumsum(np.bincount(owner, minlength=days))].astype(np.int64)
    names = pa.array(column.names[:-1], pa.large_string())
    return pa.LargeListArray.from_arrays(pa.array(offsets), names.take(pa.array(value)))


def _person_days(events: _Events, rows: np.ndarray, rule: dwell.VisitRule) -> pa.Table:
    """Per person and day (definitions in wandr.dwell.person_days), from the batch rows in
    `_person_order`: visits split where the start is more than the gap after the latest end
    so far. Rows come by day, then person: each day's rows are one slice to write, in the
    order a partition of the person-major rows by day would give. The table has the Arrow
    types polars gave it before (large strings and lists), so the files stay the same."""
    if len(rows) == 0:
        return pa.table({})
    person, day = events.person[rows], events.day[rows]
    first = _run_starts(person, day)
    starts = np.flatnonzero(first)
    n = len(starts)
    by_day = np.argsort(
        events.bday[rows[starts]].astype(_small_int(len(events.days))), kind="stable"
    )
    label = np.empty(n, np.int64)
    label[by_day] = np.arange(n)
    pd_of_row = label[np.cumsum(first) - 1]
    start_ms, end_ms = events.start_us[rows] // 1000, events.end_us[rows] // 1000
    reach = _reach_before(end_ms, first)
    new_visit = first | (start_ms - int(rule.gap_s * 1000) > reach)
    s = events.strings
    first_rows = starts[by_day]
    day_names = pa.array(events.days, pa.large_string())
    return pa.table(
        {
            "person_id": events.person_names.take(pa.array(person[first_rows])).cast(
                pa.large_string()
            ),
            "dt": day_names.take(pa.array(events.bday[rows[first_rows]])),
            "events": np.diff(np.r_[starts, len(rows)]).astype(np.int64)[by_day],
            "dwell_s": np.add.reduceat(events.dwell[rows], starts)[by_day],
            "first_seen": start_ms[first_rows].astype("datetime64[ms]"),
            "last_seen": np.maximum.reduceat(end_ms, starts)[by_day].astype("datetime64[ms]"),
            "cameras": _lists(pd_of_row, n, s["camera_id"], rows),
            "groups": _lists(pd_of_row, n, s["camera_group_id"], rows),
            "gender": _mode(pd_of_row, n, s["gender_outcome"], rows),
            "age_group": _mode(pd_of_row, n, s["age_group_outcome"], rows),
            "visits": np.add.reduceat(new_visit.astype(np.int32), starts)[by_day].astype(np.int32),
        }
    )


# --- Occupancy ---------------------------------------------------------------------------


@dataclass
class _LevelRows:
    """All rows of the pass sorted by (level key, person, start), the level's key codes, and
    the key, person, minutes and batch day of each sorted row (islands and visitors both
    walk them)."""

    level: str
    keys: _Codes
    key: np.ndarray
    person: np.ndarray
    start_minute: np.ndarray
    end_minute: np.ndarray
    bday: np.ndarray


def _islands(events: _Events, lr: _LevelRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per key and person, merged minute ranges (key, first minute, last minute + 1): an event
    continues an island while it starts no later than one minute after the furthest end."""
    key, sm, em = lr.key, lr.start_minute, lr.end_minute
    first = _run_starts(key, lr.person)
    new = first | (sm - 1 > _reach_before(em, first))
    starts = np.flatnonzero(new)
    if len(starts) == 0:
        return key[:0], sm[:0], em[:0]
    return key[starts], sm[starts], np.maximum.reduceat(em, starts) + 1


def _day_pieces(
    key: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Islands cut at midnight as (key, epoch day, first minute of day, end minute of day):
    each island's piece of its first day, then the pieces of the later days of the few that
    cross midnight (no island is picked out or copied for the common case)."""
    per_day = occupancy.MINUTES_PER_DAY
    first_day, last_day = start // per_day, (end - 1) // per_day
    lo = start - first_day * per_day
    hi = np.minimum(end - first_day * per_day, per_day)
    cross = np.flatnonzero(last_day > first_day)
    if not len(cross):
        return key, first_day, lo, hi
    later = last_day[cross] - first_day[cross]  # pieces after the first
    island = np.repeat(cross, later)
    nth = np.arange(1, len(island) + 1) - np.repeat(np.cumsum(later) - later, later)
    day = first_day[island] + nth
    return (
        np.concatenate([key, key[island]]),
        np.concatenate([first_day, day]),
        np.concatenate([lo, np.zeros(len(island), lo.dtype)]),
        np.concatenate([hi, np.minimum(end[island] - day * per_day, per_day)]),
    )


def _day_index(days: list[str], epoch_day: np.ndarray) -> np.ndarray:
    """Index in `days` of each epoch day, -1 for a day not in them (one lookup table)."""
    if len(epoch_day) == 0:
        return np.zeros(0, np.int64)
    low = int(epoch_day.min())
    lut = np.full(int(epoch_day.max()) - low + 1, -1, np.int64)
    for i, d in enumerate(days):
        offset = (_day(d) - date(1970, 1, 1)).days - low
        if 0 <= offset < len(lut):
            lut[offset] = i
    return lut[epoch_day - low]


def _minutes(events: _Events, lr: _LevelRows) -> np.ndarray:
    """(batch day x key x 1440) occupancy of one level: islands cut at midnight, +1 at each
    piece's first minute and -1 after its last, one bincount and a running sum."""
    per_day = occupancy.MINUTES_PER_DAY
    key, day, lo, hi = _day_pieces(*_islands(events, lr))
    bday = _day_index(events.days, day)
    keep = bday >= 0
    row = (bday[keep] * lr.keys.size + key[keep]) * (per_day + 1)
    cells = len(events.days) * lr.keys.size * (per_day + 1)
    diff = np.bincount(row + lo[keep], minlength=cells) - np.bincount(
        row + hi[keep], minlength=cells
    )
    shaped = diff.reshape(len(events.days), lr.keys.size, per_day + 1)[:, :, :per_day]
    return np.cumsum(shaped, axis=2)


def _occupancy(
    events: _Events, levels: list[_LevelRows]
) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """Per (day, level, key) with anyone present: people present in each of the 1440 minutes."""
    keys: list[tuple[str, str, str]] = []
    rows: list[np.ndarray] = []
    per_level = [_minutes(events, lr) for lr in levels]
    for d, day in enumerate(events.days):
        for lr, minutes in zip(levels, per_level, strict=True):
            for k in np.flatnonzero(minutes[d].any(axis=1)):
                keys.append((day, lr.level, str(lr.keys.names[k])))
                rows.append(minutes[d, k])
    if not rows:
        return keys, np.zeros((0, occupancy.MINUTES_PER_DAY), np.int64)
    return keys, np.array(rows, np.int64)


def _all_by_person(events: _Events, batch_order: np.ndarray) -> np.ndarray:
    """Every row of the pass by person, day and start: the batch rows' order (already sorted
    for the person-days) with the few previous-day rows merged in, instead of a second
    argsort of the whole pass. A previous-day row never ties with a batch row (other day)."""
    previous = np.flatnonzero(~events.batch)
    if len(previous) == 0:
        return batch_order
    previous = _person_order(events, previous)
    every = np.arange(len(events.day))
    at = np.searchsorted(
        _person_key(events, batch_order, every), _person_key(events, previous, every)
    )
    return np.insert(batch_order, at, previous)


def _levels(events: _Events, batch_order: np.ndarray) -> list[_LevelRows]:
    """Every row of the pass sorted by (key, person, start) for the camera, group and site
    levels: the rows by person and start, then a stable radix sort by each level's key.
    The columns are gathered once in person order (the site's order); a level's stable
    sort reads them back in a few sequential streams, one per key, not at random."""
    by_person = _all_by_person(events, batch_order)
    columns = [
        events.person[by_person],
        events.start_minute[by_person],
        events.end_minute[by_person],
        events.bday[by_person],
    ]
    out = []
    for level in ("camera", "group"):
        keys = events.keys[level]
        small = keys.codes[by_person].astype(_small_int(keys.size))
        order = np.argsort(small, kind="stable")
        out.append(_LevelRows(level, keys, small[order], *(c[order] for c in columns)))
    site = _Codes(np.zeros(len(events.day), np.int32), [occupancy.SITE])
    out.append(_LevelRows("site", site, np.zeros(len(by_person), np.int16), *columns))
    return out


def _level_visitors(events: _Events, lr: _LevelRows) -> np.ndarray:
    """(batch day x key) distinct people: runs of (key, person, day) in the level's order that
    fall on a batch day. The previous day sorts before a batch day within (key, person), so
    these are the runs of the batch rows alone, without cutting those rows out first."""
    bday = lr.bday
    first = _run_starts(lr.key, lr.person, bday) & (bday >= 0)
    size = len(events.days) * lr.keys.size
    day = bday[first]
    counts = np.bincount(day * lr.keys.size + lr.key[first], minlength=size)
    return counts.reshape(len(events.days), lr.keys.size)


# --- Cells -------------------------------------------------------------------------------

_LEVEL_COLUMN = {"camera": "ckey", "group": "gkey", "site": "site"}


def _insight_merge(
    ins: pl.DataFrame,
    days: list[str],
    fine: pl.DataFrame,
    occ_keys: list[tuple[str, str, str]],
    occ: np.ndarray,
) -> pl.DataFrame:
    """Each insight event with the occupancy of its camera, group and site at its minute."""
    if not ins.height:
        return pl.DataFrame()
    camera_group = dict(
        fine.filter(pl.col("camera_id").is_not_null())
        .group_by("camera_id")
        .agg(pl.col("camera_group_id").min())
        .iter_rows()
    )
    merges = []
    for day in days:
        arrays: dict[str, dict[str, np.ndarray]] = {lvl: {} for lvl in LEVELS}
        for i, (d, level, key) in enumerate(occ_keys):
            if d == day:
                arrays[level][key] = occ[i]
        merges.append(
            crowd.merge(ins, _day(day), camera_group, arrays).with_columns(pl.lit(day).alias("dt"))
        )
    return pl.concat(merges)


def _cells(
    events: _Events,
    fine: pl.DataFrame,
    dist: pl.DataFrame,
    levels: list[_LevelRows],
    crowd_hour: pl.DataFrame,
    occ_keys: list[tuple[str, str, str]],
    occ: np.ndarray,
) -> list[Cell]:
    """One Cell per day and camera, group and the site: roll-ups of the fine groups and the
    dwell counts, distinct people from each level's sorted rows."""
    cells: dict[tuple[str, str, str], Cell] = {}

    def cell(dt: str, level: str, key: str) -> Cell:
        found = cells.get((dt, level, key))
        if found is None:
            found = cells[(dt, level, key)] = Cell(dt, level, key)
        return found

    fine = fine.with_columns(pl.lit(occupancy.SITE).alias("site"))
    dist = dist.with_columns(pl.lit(occupancy.SITE).alias("site"))
    for lr in levels:
        level, column = lr.level, _LEVEL_COLUMN[lr.level]
        visitors = _level_visitors(events, lr)
        key_code = {name: i for i, name in enumerate(lr.keys.names)}
        day_index = {d: i for i, d in enumerate(events.days)}
        base = fine.group_by("dt", column).agg(
            pl.col("events").sum(),
            pl.col("dwell_sum_s").sum(),
            pl.col("dwell_max_s").max(),
            pl.col("waiting_events").sum(),
            pl.col("camera_description").min(),
            pl.col("camera_group_name").min(),
            pl.col("camera_group_id").min(),
        )
        for dt, key, n, dsum, dmax, waiting, cdesc, gname, gid in base.iter_rows():
            cells[(dt, level, key)] = Cell(
                dt,
                level,
                key,
                name={"camera": cdesc, "group": gname}.get(level, "site"),
                group_id=gid if level != "site" else None,
                events=int(n),
                visitors=int(visitors[day_index[dt], key_code[key]]),
                dwell_sum_s=float(dsum),
                dwell_max_s=float(dmax),
                waiting_events=int(waiting),
            )
        hourly = fine.group_by("dt", column, "hour").agg(
            pl.col("events").sum(), pl.col("dwell_sum_s").sum(), pl.col("waiting_events").sum()
        )
        for dt, key, hour, n, dsum, waiting in hourly.iter_rows():
            c = cell(dt, level, key)
            c.hourly_events[hour] = int(n)
            c.hourly_dwell_s[hour] = float(dsum)
            c.hourly_waiting[hour] = int(waiting)
        for column_name, attr in (("gender", "gender"), ("age_group", "age_group")):
            counts = fine.group_by("dt", column, column_name).agg(pl.col("events").sum())
            for dt, key, value, n in counts.iter_rows():
                getattr(cell(dt, level, key), attr)[value] = int(n)
        _attach_dwell_counts(cell, level, dist, column)
    if crowd_hour.height:
        for dt, camera, hour, n, loiter in crowd_hour.iter_rows():
            c = cell(dt, "camera", camera)
            c.crowd_events += n
            c.loitering_s += float(loiter)
            c.hourly_crowd[hour] += n
    for i, key3 in enumerate(occ_keys):
        cell(*key3).occupancy = occ[i]
    return sorted(cells.values(), key=lambda c: (c.dt, c.level, c.key))


def _attach_dwell_counts(cell: Any, level: str, dist: pl.DataFrame, column: str) -> None:
    """Each cell's dwell distribution (values ascending, counts) from the dwell counts.
    Sorting by the value alone is enough: each cell's part keeps that order."""
    per_key = (
        dist.group_by("dt", column, "dwell_whole_s")
        .agg(pl.col("events").sum())
        .sort("dwell_whole_s")
    )
    for (dt, key), part in per_key.partition_by(
        "dt", column, as_dict=True, maintain_order=True
    ).items():
        c = cell(str(dt), level, str(key))
        c.dwell_values = part.get_column("dwell_whole_s").to_numpy().astype(np.int64)
        c.dwell_counts = part.get_column("events").to_numpy().astype(np.int64)


def _occupancy_long(keys: list[tuple[str, str, str]], minutes: np.ndarray) -> pl.DataFrame:
    schema: dict[str, Any] = {
        "dt": pl.String,
        "level": pl.String,
        "key": pl.String,
        "minute": pl.Datetime("ms"),
        "occupancy": pl.Int64,
    }
    if not keys:
        return pl.DataFrame(schema=schema)
    rows, cols = np.nonzero(minutes)
    dts = np.array([k[0] for k in keys], dtype="datetime64[m]")
    return pl.DataFrame(
        {
            # the strings of the (few) keys, gathered per row, not a Python string per row
            **{
                name: pl.Series([k[i] for k in keys], dtype=pl.String).gather(rows)
                for i, name in enumerate(("dt", "level", "key"))
            },
            "minute": (dts[rows] + cols.astype("timedelta64[m]")).astype("datetime64[ms]"),
            "occupancy": minutes[rows, cols].astype(np.int64),
        },
        schema=schema,
    )


def write_tables(lake: Lake, tenant: str, aggs: DayAggregates) -> None:
    """Replace each touched day's aggregate files; days left empty lose theirs. Files are
    encoded two at a time (Parquet encoding releases the GIL): the last pass of a recompute
    has no other pass beside it to keep the second core busy."""
    with ThreadPoolExecutor(max_workers=2) as writers:
        writes = []
        for name in AGG_TABLES:
            if name in aggs.arrow:
                by_day = _arrow_by_day(aggs.arrow[name])
            else:
                frames = _by_day(aggs.tables.get(name, pl.DataFrame()))
                by_day = {day: frame.to_arrow() for day, frame in frames.items() if frame.height}
            for day in aggs.days:
                rel = f"{partition(name, tenant, day)}/part-0.parquet"
                table = by_day.get(day)
                if table is None or table.num_rows == 0:
                    lake.delete(rel)
                else:
                    columns = _dictionary_columns(table)
                    writes.append(writers.submit(lake.write_parquet, rel, table, columns))
        for write in writes:
            write.result()


def _arrow_by_day(table: pa.Table) -> dict[str, pa.Table]:
    """`_by_day` of an Arrow table: slices of its runs of dt, or a filter per day where a
    day comes in more than one run."""
    dt = table.column("dt").combine_chunks()
    runs = pc.run_end_encode(dt)
    days, ends = runs.values.to_pylist(), runs.run_ends.to_numpy()
    rest = table.drop_columns(["dt"])
    if len(set(days)) < len(days):
        return {day: rest.filter(pc.equal(dt, day)) for day in set(days)}
    return {
        str(day): rest.slice(int(start), int(end - start))
        for day, start, end in zip(days, np.r_[0, ends[:-1]], ends, strict=True)
    }


def _by_day(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each day's rows, without dt. `compute` gives its tables in day order, so a day is a
    slice (no copy); a frame out of day order is partitioned (a gather)."""
    if not frame.height:
        return {}
    dt = frame.get_column("dt")
    if not dt.is_sorted():
        parts = frame.partition_by("dt", as_dict=True, include_key=False)
        return {str(k[0]): v for k, v in parts.items()}
    rest, out, at = frame.drop("dt"), {}, 0
    for day, rows in dt.rle().struct.unnest().select("value", "len").iter_rows():
        out[str(day)] = rest.slice(at, rows)
        at += rows
    return out


def _dictionary_columns(table: pa.Table) -> list[str]:
    """Columns whose values repeat (codes, names, counts): a dictionary there shrinks the
    file. Person ids are nearly all distinct per day and floats and timestamps mostly are, so
    a dictionary on them only costs hashing and a fallback (about half the write time)."""
    out = []
    for f in table.schema:
        if f.name == "person_id" or pa.types.is_floating(f.type) or pa.types.is_timestamp(f.type):
            continue
        nested = pa.types.is_list(f.type) or pa.types.is_large_list(f.type)
        out.append(f"{f.name}.list.element" if nested else f.name)
    return out


def batch_days() -> int:
    """Days aggregated per pass (WANDR_AGG_BATCH_DAYS, default 2): every aggregate is
    a per-day fact, so batching bounds memory by a few days of events, whatever the history.
    Two days take ~10 % less CPU and a third less memory than four on 10 M events (the
    arrays of two passes at once stay nearer the caches). A pass's unstable sort by person
    and start may order events with equal starts differently in another batch, so a float
    sum (a person-day's dwell) can differ in its last bit between batchings; every count,
    and every sum to the microsecond, is the same."""
    return max(1, int(os.environ.get("WANDR_AGG_BATCH_DAYS") or 2))


def compute_workers() -> int:
    """Passes run at once (WANDR_AGG_WORKERS, default 2). The sorts, Parquet reads and
    writes and polars group-bys release the GIL, so two passes keep two cores busy; memory
    grows by one pass's events and tables per worker."""
    return max(1, int(os.environ.get("WANDR_AGG_WORKERS") or 2))


def _pass(
    lake: Lake, tenant: str, batch: list[str], work: str, rule: dwell.VisitRule
) -> DayAggregates:
    """Load, aggregate and write one batch of days; the tables are dropped once written.
    Downloads go to the batch's own directory: passes run at once and would otherwise
    overwrite each other's copies."""
    own = tempfile.mkdtemp(dir=work)
    events, insights = load(lake, tenant, batch, own)
    aggs = _compute_days(events, insights, batch, rule, dwell.WAITING_THRESHOLD_S)
    write_tables(lake, tenant, aggs)
    if lake.local_dir("") is None:
        for path in events:
            os.remove(path)
    return DayAggregates({}, aggs.cells, aggs.days, aggs.reaches)


def recompute(
    lake: Lake, tenant: str, touched_days: list[str], rule: dwell.VisitRule = dwell.DEFAULT_RULE
) -> DayAggregates:
    """Recompute and write the aggregates of the touched days and the days they spill into
    (`spill_days`). Days go in ascending batches, `compute_workers()` passes at once, a new
    one starting as soon as any finishes; a touched day's spill days, found in its own pass,
    join the queue, so the events are read once."""
    touched = set(touched_days)
    pending = sorted(touched)
    done: list[str] = []
    cells: list[Cell] = []
    running: dict[Future[DayAggregates], list[str]] = {}
    with (
        tempfile.TemporaryDirectory(dir=os.environ.get("WANDR_WORK_DIR")) as work,
        ThreadPoolExecutor(max_workers=compute_workers()) as passes,
    ):
        while pending or running:
            while pending and len(running) < compute_workers():
                batch, pending = pending[: batch_days()], pending[batch_days() :]
                running[passes.submit(_pass, lake, tenant, batch, work, rule)] = batch
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                batch = running.pop(future)
                aggs = future.result()
                cells += aggs.cells
                done += batch
                queued = set(done).union(*running.values())
                spilled = {d for day in batch if day in touched for d in aggs.reaches.get(day, ())}
                pending = sorted(set(pending) | (spilled - touched - queued))
    return DayAggregates({}, sorted(cells, key=lambda c: (c.dt, c.level, c.key)), sorted(done))


def tenant_days(lake: Lake, tenant: str, table: str = "events") -> list[str]:
    """Every day that holds data for the tenant (used for a full recompute)."""
    directory = lake.path(f"{table}/tenant={tenant}")
    infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    return sorted(
        i.base_name.removeprefix("dt=")
        for i in infos
        if i.type == pafs.FileType.Directory and i.base_name.startswith("dt=")
    )
