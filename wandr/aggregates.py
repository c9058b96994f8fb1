"""Aggregates of a tenant's whole history, recomputed only for the days an upload touched.

Every aggregate here is a sum over days of per-day facts that depend only on that day's
events (visits never span UTC midnight; occupancy of a day also looks at the previous
day's events that run past midnight). So when an upload changes some days, recomputing
exactly those days from the lake - all uploads, not only the new one - keeps every
aggregate equal to a full recompute, and the cost follows the size of the touched days,
not the tenant's history.

Outputs, per day: Parquet aggregate tables under `agg_*/tenant=<t>/dt=<day>/` (for Athena
and `wandr sql`) and `Cell`s (one per day and camera, group and the site) for DynamoDB.

The work is SQL in DuckDB over the days' Parquet, a few days per pass (bounded memory):
GROUP BYs for the tables, GROUPING SETS over camera/group/site for the cells, one window
per person-day for visits, and the occupancy sweep of `wandr.occupancy`'s definition as
islands + running sum. `wandr.dwell`/`wandr.occupancy` keep the reference definitions in
polars; the tests hold both to the same hand-computed numbers.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
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
INSIGHT_COLUMNS_NEEDED = [
    "event_id",
    "person_id",
    "camera_id",
    "insight_type",
    "utc_time_recorded",
    "loitering_duration",
    "gender",
    "age_group",
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


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _connect() -> Any:
    con = duckdb.connect()
    con.execute(f"SET memory_limit='{os.environ.get('WANDR_DUCKDB_MEMORY', '1200MB')}'")
    con.execute(f"SET threads={int(os.environ.get('WANDR_DUCKDB_THREADS', 2))}")
    con.execute("SET TimeZone='UTC'")
    spill = os.environ.get("WANDR_WORK_DIR") or tempfile.gettempdir()
    con.execute(f"SET temp_directory='{os.path.join(spill, 'wandr-duckdb-agg')}'")
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
            columns=INSIGHT_COLUMNS_NEEDED
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
    paths) also holds the day before each of them. The heavy lifting is SQL in DuckDB, a few
    days per pass (`batch_days`) so memory stays bounded whatever the number of days."""
    days = sorted(set(days))
    tables: dict[str, list[pl.DataFrame]] = {}
    cells: list[Cell] = []
    for i in range(0, max(len(days), 1), batch_days()):
        batch = days[i : i + batch_days()]
        ins = insights
        if insights.height and batch:
            ins = insights.filter(
                pl.col("utc_time_recorded").dt.date().cast(pl.String).is_in(batch)
            )
        con = _connect()
        try:
            part = _compute(con, events_window, ins, batch, rule, waiting_threshold_s)
        finally:
            con.close()
        cells += part.cells
        for name, frame in part.tables.items():
            if frame.height:
                tables.setdefault(name, []).append(frame)
    joined = {name: pl.concat(frames, how="vertical_relaxed") for name, frames in tables.items()}
    return DayAggregates(joined, cells, days)


def _compute(
    con: Any,
    events_window: Any,
    insights: pl.DataFrame,
    days: list[str],
    rule: dwell.VisitRule,
    waiting_threshold_s: float,
) -> DayAggregates:
    _register(con, events_window)
    # Materialised once per pass (a few days): every query below then scans memory, not
    # Parquet, and the day/hour/keys are computed once per row.
    window = ", ".join(f"DATE '{d}'" for d in window_days(days)) or "NULL"
    con.execute(f"""CREATE TEMP TABLE win AS SELECT person_id, camera_id, camera_description,
        camera_group_id, camera_group_name, gender_outcome, age_group_outcome,
        CAST(utc_time_started AS TIMESTAMP) AS s, CAST(utc_time_ended AS TIMESTAMP) AS e,
        dwell_s FROM win_src WHERE CAST(utc_time_started AS DATE) IN ({window})""")
    dates = ", ".join(f"DATE '{d}'" for d in days) or "NULL"
    con.execute(f"""CREATE TEMP TABLE ev AS SELECT * EXCLUDE (d), CAST(d AS VARCHAR) AS dt
        FROM (SELECT *, CAST(s AS DATE) AS d, CAST(hour(s) AS INTEGER) AS hour,
            coalesce(camera_id, 'unknown') AS ckey, coalesce(camera_group_id, 'unknown') AS gkey
            FROM win) WHERE d IN ({dates})""")
    thr = float(waiting_threshold_s)
    tables: dict[str, pl.DataFrame] = {}
    tables["agg_camera_hour"] = con.execute(f"""SELECT dt, camera_id, camera_group_id,
        camera_group_name, hour, count(*) AS events, count(DISTINCT person_id) AS visitors,
        sum(dwell_s) AS dwell_sum_s, max(dwell_s) AS dwell_max_s,
        count(*) FILTER (WHERE dwell_s > {thr}) AS waiting_events
        FROM ev GROUP BY ALL ORDER BY dt, camera_id, hour""").pl()
    tables["agg_dwell_dist"] = con.execute("""SELECT dt, camera_id,
        CAST(floor(dwell_s) AS BIGINT) AS dwell_whole_s, count(*) AS events
        FROM ev GROUP BY ALL ORDER BY dt, camera_id, dwell_whole_s""").pl()
    tables["agg_demographics"] = con.execute(f"""SELECT dt, camera_id,
        coalesce(gender_outcome, '{NOT_DETERMINED}') AS gender,
        coalesce(age_group_outcome, '{NOT_DETERMINED}') AS age_group,
        count(*) AS events, count(DISTINCT person_id) AS visitors
        FROM ev GROUP BY ALL ORDER BY dt, camera_id, gender, age_group""").pl()
    tables["agg_person_day"] = _person_days(con, rule)
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
    occ_keys, occ = _occupancy(con, days)
    tables["agg_occupancy_minute"] = _occupancy_long(occ_keys, occ)
    merges: list[pl.DataFrame] = []
    if ins.height:
        camera_group = dict(
            con.execute(
                "SELECT camera_id, min(camera_group_id) FROM ev WHERE camera_id IS NOT NULL "
                "GROUP BY 1"
            ).fetchall()
        )
        for day in days:
            arrays: dict[str, dict[str, np.ndarray]] = {lvl: {} for lvl in LEVELS}
            for i, (d, level, key) in enumerate(occ_keys):
                if d == day:
                    arrays[level][key] = occ[i]
            merges.append(
                crowd.merge(ins, _day(day), camera_group, arrays).with_columns(
                    pl.lit(day).alias("dt")
                )
            )
    tables["agg_insight_merge"] = pl.concat(merges) if merges else pl.DataFrame()
    cells = _cells(con, tables["agg_crowd_hour"], occ_keys, occ, thr)
    return DayAggregates(tables, cells, days)


def _mode(column: str) -> str:
    """Most frequent non-null value; ties go to the smallest (histogram keys are sorted)."""
    h = f"histogram({column})"
    return f"map_keys({h})[list_position(map_values({h}), list_max(map_values({h})))]"


def _person_days(con: Any, rule: dwell.VisitRule) -> pl.DataFrame:
    """Per person and day (definitions in wandr.dwell.person_days), in one SQL pass."""
    gap_ms = int(rule.gap_s * 1000)
    frame = con.execute(f"""
        WITH w AS (
            SELECT person_id, dt, s, e, dwell_s, camera_id, camera_group_id, gender_outcome,
                age_group_outcome,
                max(epoch_ms(e)) OVER (PARTITION BY person_id, dt ORDER BY s
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM ev)
        SELECT person_id, dt, count(*) AS events, sum(dwell_s) AS dwell_s,
            CAST(min(s) AS TIMESTAMP_MS) AS first_seen,
            CAST(max(e) AS TIMESTAMP_MS) AS last_seen,
            coalesce(list_sort(list(DISTINCT camera_id)
                FILTER (WHERE camera_id IS NOT NULL)), []) AS cameras,
            coalesce(list_sort(list(DISTINCT camera_group_id)
                FILTER (WHERE camera_group_id IS NOT NULL)), []) AS groups,
            {_mode("gender_outcome")} AS gender,
            {_mode("age_group_outcome")} AS age_group,
            CAST(count(*) FILTER (WHERE reach IS NULL OR epoch_ms(s) - {gap_ms} > reach)
                AS INTEGER) AS visits
        FROM w GROUP BY person_id, dt""").pl()
    return frame if frame.height else pl.DataFrame()


def _occupancy(con: Any, days: list[str]) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """Per (day, level, key): distinct people present in each of the day's 1440 minutes.

    Per camera, group and site, each person's events form islands of minutes (an event
    continues an island while it starts no later than one minute after the furthest end so
    far). Each island adds +1 at its first minute and -1 after its last; a running sum over
    the minutes gives the occupancy - one sort, never a per-minute expansion of the events.
    """
    if not days:
        return [], np.zeros((0, occupancy.MINUTES_PER_DAY), np.int64)
    day0 = [(_day(d) - date(1970, 1, 1)).days * occupancy.MINUTES_PER_DAY for d in days]
    last = max(day0) + occupancy.MINUTES_PER_DAY
    points = con.execute(f"""
        WITH r AS (
            SELECT 'camera' AS level, coalesce(camera_id, 'unknown') AS key, person_id,
                epoch_ms(s) // 60000 AS sm, epoch_ms(e) // 60000 AS em FROM win
            UNION ALL SELECT 'group', coalesce(camera_group_id, 'unknown'), person_id,
                epoch_ms(s) // 60000, epoch_ms(e) // 60000 FROM win
            UNION ALL SELECT 'site', '{occupancy.SITE}', person_id,
                epoch_ms(s) // 60000, epoch_ms(e) // 60000 FROM win),
        w AS (
            SELECT level, key, sm, max(em) OVER before AS prev_reach,
                max(em) OVER upto AS reach, lead(sm) OVER person AS next_s
            FROM r
            WINDOW person AS (PARTITION BY level, key, person_id ORDER BY sm),
                before AS (person ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                upto AS (person ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
        p AS (
            SELECT level, key, sm AS m, 1 AS x FROM w
                WHERE prev_reach IS NULL OR sm - 1 > prev_reach
            UNION ALL SELECT level, key, prev_reach + 1, -1 FROM w
                WHERE prev_reach IS NOT NULL AND sm - 1 > prev_reach
            UNION ALL SELECT level, key, reach + 1, -1 FROM w WHERE next_s IS NULL)
        SELECT level, key, m, CAST(sum(x) AS BIGINT) AS x FROM p WHERE m < {last}
        GROUP BY ALL ORDER BY level, key, m""").pl()
    keys: list[tuple[str, str, str]] = []
    rows: list[np.ndarray] = []
    if points.height == 0:
        return keys, np.zeros((0, occupancy.MINUTES_PER_DAY), np.int64)
    for (level, key), part in points.partition_by(
        "level", "key", as_dict=True, maintain_order=True
    ).items():
        m = part.get_column("m").to_numpy()
        x = part.get_column("x").to_numpy()
        running = np.cumsum(x)
        for day, start in zip(days, day0, strict=True):
            lo = int(np.searchsorted(m, start))
            hi = int(np.searchsorted(m, start + occupancy.MINUTES_PER_DAY))
            carry = int(running[lo - 1]) if lo else 0
            if carry == 0 and lo == hi:
                continue
            diff = np.zeros(occupancy.MINUTES_PER_DAY, np.int64)
            diff[0] = carry
            diff[m[lo:hi] - start] += x[lo:hi]
            minutes = np.cumsum(diff)
            if minutes.any():
                keys.append((day, str(level), str(key)))
                rows.append(minutes)
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    return [keys[i] for i in order], (
        np.array([rows[i] for i in order])
        if rows
        else np.zeros((0, occupancy.MINUTES_PER_DAY), np.int64)
    )


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
            "dt": np.array([k[0] for k in keys], dtype=object)[rows].astype(str),
            "level": np.array([k[1] for k in keys], dtype=object)[rows].astype(str),
            "key": np.array([k[2] for k in keys], dtype=object)[rows].astype(str),
            "minute": (dts[rows] + cols.astype("timedelta64[m]")).astype("datetime64[ms]"),
            "occupancy": minutes[rows, cols].astype(np.int64),
        },
        schema=schema,
    )


_LEVEL_OF = (
    "CASE WHEN GROUPING(ckey) = 0 THEN 'camera' WHEN GROUPING(gkey) = 0 THEN 'group' "
    "ELSE 'site' END"
)
_KEY_OF = (
    "CASE WHEN GROUPING(ckey) = 0 THEN ckey WHEN GROUPING(gkey) = 0 THEN gkey "
    f"ELSE '{occupancy.SITE}' END"
)


def _sets(*extra: str) -> str:
    tail = "".join(f", {e}" for e in extra)
    return f"GROUPING SETS ((dt, ckey{tail}), (dt, gkey{tail}), (dt{tail}))"


def _cells(
    con: Any,
    crowd_hour: pl.DataFrame,
    occ_keys: list[tuple[str, str, str]],
    occ: np.ndarray,
    thr: float,
) -> list[Cell]:
    """One Cell per day and camera, group and the site; contents computed in SQL."""
    base = con.execute(f"""SELECT dt, {_LEVEL_OF} AS level, {_KEY_OF} AS key,
        count(*) AS events, count(DISTINCT person_id) AS visitors, sum(dwell_s) AS dsum,
        max(dwell_s) AS dmax, count(*) FILTER (WHERE dwell_s > {thr}) AS waiting,
        min(camera_description) AS cdesc, min(camera_group_name) AS gname,
        min(camera_group_id) AS gid
        FROM ev GROUP BY {_sets()}""").fetchall()
    cells: dict[tuple[str, str, str], Cell] = {}
    for dt, level, key, n, visitors, dsum, dmax, waiting, cdesc, gname, gid in base:
        cells[(dt, level, key)] = Cell(
            dt,
            level,
            key,
            name={"camera": cdesc, "group": gname}.get(level, "site"),
            group_id=gid if level != "site" else None,
            events=int(n),
            visitors=int(visitors),
            dwell_sum_s=float(dsum or 0.0),
            dwell_max_s=float(dmax or 0.0),
            waiting_events=int(waiting),
        )

    def cell(dt: str, level: str, key: str) -> Cell:
        return cells.setdefault((dt, level, key), Cell(dt, level, key))

    for dt, level, key, hour, n, dsum, waiting in con.execute(f"""SELECT dt, {_LEVEL_OF},
            {_KEY_OF}, hour, count(*), sum(dwell_s), count(*) FILTER (WHERE dwell_s > {thr})
            FROM ev GROUP BY {_sets("hour")}""").fetchall():
        c = cell(dt, level, key)
        c.hourly_events[hour], c.hourly_dwell_s[hour], c.hourly_waiting[hour] = (
            int(n),
            float(dsum or 0.0),
            int(waiting),
        )
    for column, attr in (("gender_outcome", "gender"), ("age_group_outcome", "age_group")):
        for dt, level, key, value, n in con.execute(f"""SELECT dt, {_LEVEL_OF}, {_KEY_OF}, v,
                count(*) FROM (SELECT *, coalesce({column}, '{NOT_DETERMINED}') AS v FROM ev)
                GROUP BY {_sets("v")}""").fetchall():
            getattr(cell(dt, level, key), attr)[value] = int(n)
    dist = con.execute(f"""SELECT dt, {_LEVEL_OF} AS level, {_KEY_OF} AS key, v, count(*) AS n
        FROM (SELECT *, CAST(floor(dwell_s) AS BIGINT) AS v FROM ev)
        GROUP BY {_sets("v")} ORDER BY dt, level, key, v""").pl()
    if dist.height:
        ids = dist.select(pl.struct("dt", "level", "key").rle_id()).to_series().to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        values = dist.get_column("v").to_numpy().astype(np.int64)
        counts = dist.get_column("n").to_numpy().astype(np.int64)
        bounds = [*starts[1:], len(ids)]
        for lo, hi in zip(starts, bounds, strict=True):
            dt, level, key = dist.row(int(lo))[:3]
            c = cell(dt, level, key)
            c.dwell_values, c.dwell_counts = values[lo:hi], counts[lo:hi]
    if crowd_hour.height:
        for dt, camera, hour, n, loiter in crowd_hour.iter_rows():
            c = cell(dt, "camera", camera)
            c.crowd_events += n
            c.loitering_s += float(loiter)
            c.hourly_crowd[hour] += n
    for i, key3 in enumerate(occ_keys):
        cell(*key3).occupancy = occ[i]
    return sorted(cells.values(), key=lambda c: (c.dt, c.level, c.key))


def write_tables(lake: Lake, tenant: str, aggs: DayAggregates) -> None:
    """Replace each touched day's aggregate files; days left empty lose theirs."""
    for name in AGG_TABLES:
        frame = aggs.tables.get(name, pl.DataFrame())
        by_day = (
            {
                str(k[0]): v
                for k, v in frame.partition_by("dt", as_dict=True, include_key=False).items()
            }
            if frame.height
            else {}
        )
        for day in aggs.days:
            rel = f"{partition(name, tenant, day)}/part-0.parquet"
            part = by_day.get(day)
            if part is None or part.height == 0:
                lake.delete(rel)
            else:
                lake.write_parquet(rel, part.to_arrow())


def batch_days() -> int:
    """Days aggregated per DuckDB pass (WANDR_AGG_BATCH_DAYS, default 4): every aggregate is
    a per-day fact, so batching bounds memory by a few days of events, whatever the history."""
    return max(1, int(os.environ.get("WANDR_AGG_BATCH_DAYS") or 4))


def recompute(
    lake: Lake, tenant: str, touched_days: list[str], rule: dwell.VisitRule = dwell.DEFAULT_RULE
) -> DayAggregates:
    """Recompute and write the aggregates of the touched days (and the days they spill into)."""
    days = sorted(set(touched_days))
    with tempfile.TemporaryDirectory(dir=os.environ.get("WANDR_WORK_DIR")) as work:
        touched = local_files(lake, "events", tenant, days, work)
        extra = spill_days(touched, days) if days and touched else []
        if lake.local_dir("") is None:
            for path in touched:
                os.remove(path)
        days = sorted(set(days) | set(extra))
        cells: list[Cell] = []
        step = batch_days()
        for i in range(0, len(days), step):
            batch = days[i : i + step]
            events, insights = load(lake, tenant, batch, work)
            aggs = compute(events, insights, batch, rule)
            write_tables(lake, tenant, aggs)
            cells += aggs.cells
            if lake.local_dir("") is None:
                for path in events:
                    os.remove(path)
    return DayAggregates({}, sorted(cells, key=lambda c: (c.dt, c.level, c.key)), days)


def tenant_days(lake: Lake, tenant: str, table: str = "events") -> list[str]:
    """Every day that holds data for the tenant (used for a full recompute)."""
    directory = lake.path(f"{table}/tenant={tenant}")
    infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    return sorted(
        i.base_name.removeprefix("dt=")
        for i in infos
        if i.type == pafs.FileType.Directory and i.base_name.startswith("dt=")
    )
