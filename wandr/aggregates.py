"""Aggregates of a tenant's whole history, recomputed only for the days an upload touched.

Every aggregate here is a sum over days of per-day facts that depend only on that day's
events (visits never span UTC midnight; occupancy of a day also looks at the previous
day's events that run past midnight). So when an upload changes some days, recomputing
exactly those days from the lake - all uploads, not only the new one - keeps every
aggregate equal to a full recompute, and the cost follows the size of the touched days,
not the tenant's history.

Outputs, per day: Parquet aggregate tables under `agg_*/tenant=<t>/dt=<day>/` (for Athena
and `wandr sql`) and `Cell`s (one per day and camera, group and the site) for DynamoDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
from pyarrow import fs as pafs

from wandr import crowd, dwell, occupancy
from wandr.lake import Lake, partition, read_days

EVENT_COLUMNS_NEEDED = [
    "person_id", "camera_id", "camera_description", "camera_group_id", "camera_group_name",
    "gender_outcome", "age_group_outcome", "utc_time_started", "utc_time_ended", "dwell_s",
]
INSIGHT_COLUMNS_NEEDED = [
    "event_id", "person_id", "camera_id", "insight_type", "utc_time_recorded",
    "loitering_duration", "gender", "age_group",
]
AGG_TABLES = ("agg_camera_hour", "agg_dwell_dist", "agg_demographics", "agg_person_day",
              "agg_occupancy_minute", "agg_crowd_hour", "agg_insight_merge")
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


def _frame(table: pa.Table | None, columns: list[str]) -> pl.DataFrame:
    if table is None:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _day(text: str) -> date:
    return date.fromisoformat(text)


def load(lake: Lake, tenant: str, days: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events of `days` and the day before each (for occupancy across midnight), insights."""
    wanted = sorted({d for day in days for d in (day, str(_day(day) - timedelta(days=1)))})
    events = _frame(read_days(lake, "events", tenant, wanted, EVENT_COLUMNS_NEEDED),
                    EVENT_COLUMNS_NEEDED)
    insights = _frame(read_days(lake, "insights", tenant, days, INSIGHT_COLUMNS_NEEDED),
                      INSIGHT_COLUMNS_NEEDED)
    return events, insights


def spill_days(events: pl.DataFrame, days: list[str]) -> list[str]:
    """Days after `days` whose occupancy the events of `days` reach (events past midnight)."""
    if events.height == 0:
        return []
    ends = (events.filter(pl.col("utc_time_started").dt.date().cast(pl.String).is_in(days))
            .select(pl.col("utc_time_ended").dt.date().cast(pl.String).unique())
            .to_series().to_list())
    return sorted(set(ends) - set(days))


def compute(events_window: pl.DataFrame, insights: pl.DataFrame, days: list[str],
            rule: dwell.VisitRule = dwell.DEFAULT_RULE,
            waiting_threshold_s: float = dwell.WAITING_THRESHOLD_S) -> DayAggregates:
    """All aggregates of `days`; `events_window` also holds the day before each of them."""
    day_str = pl.col("utc_time_started").dt.date().cast(pl.String)
    events = events_window.filter(day_str.is_in(days)) if events_window.height else (
        events_window)
    ev = dwell.with_day(events).with_columns(pl.col("dt").cast(pl.String))
    waiting = (pl.col("dwell_s") > waiting_threshold_s).sum().alias("waiting_events")
    tables: dict[str, pl.DataFrame] = {}
    tables["agg_camera_hour"] = ev.group_by(
        "dt", "camera_id", "camera_group_id", "camera_group_name", "hour").agg(
        pl.len().alias("events"),
        pl.col("person_id").n_unique().alias("visitors"),
        pl.col("dwell_s").sum().alias("dwell_sum_s"),
        pl.col("dwell_s").max().alias("dwell_max_s"),
        waiting,
    ).sort("dt", "camera_id", "hour")
    tables["agg_dwell_dist"] = ev.group_by(
        "dt", "camera_id", pl.col("dwell_s").floor().cast(pl.Int64).alias("dwell_whole_s")
    ).agg(pl.len().alias("events")).sort("dt", "camera_id", "dwell_whole_s")
    tables["agg_demographics"] = ev.group_by(
        "dt", "camera_id", pl.col("gender_outcome").fill_null("not_determined").alias("gender"),
        pl.col("age_group_outcome").fill_null("not_determined").alias("age_group"),
    ).agg(pl.len().alias("events"), pl.col("person_id").n_unique().alias("visitors")
          ).sort("dt", "camera_id", "gender", "age_group")
    person_day = dwell.person_days(events, rule) if events.height else pl.DataFrame()
    tables["agg_person_day"] = (person_day.with_columns(pl.col("dt").cast(pl.String))
                                if person_day.height else person_day)
    ins = (insights.with_columns(pl.col("utc_time_recorded").cast(pl.Datetime("ms")))
           if insights.height else pl.DataFrame())
    tables["agg_crowd_hour"] = (crowd.per_hour(ins).with_columns(pl.col("dt").cast(pl.String))
                                if ins.height else pl.DataFrame())
    camera_group = dict(ev.select("camera_id", "camera_group_id").unique("camera_id")
                        .iter_rows()) if ev.height else {}
    occupancy_rows: list[pl.DataFrame] = []
    merges: list[pl.DataFrame] = []
    arrays_by_day: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    ranges = {lvl: occupancy.presence_ranges(events_window, lvl) for lvl in LEVELS}
    for day in days:
        arrays = {lvl: occupancy.day_arrays(events_window, lvl, _day(day), ranges[lvl])
                  if events_window.height else {} for lvl in LEVELS}
        arrays_by_day[day] = arrays
        occupancy_rows.append(_occupancy_long(day, arrays))
        if ins.height:
            merges.append(crowd.merge(ins, _day(day), camera_group, arrays)
                          .with_columns(pl.lit(day).alias("dt")))
    tables["agg_occupancy_minute"] = pl.concat(occupancy_rows) if occupancy_rows else (
        pl.DataFrame())
    tables["agg_insight_merge"] = pl.concat(merges) if merges else pl.DataFrame()
    cells = _cells(ev, tables, arrays_by_day, days, waiting_threshold_s)
    return DayAggregates(tables, cells, days)


def _occupancy_long(day: str, arrays: dict[str, dict[str, np.ndarray]]) -> pl.DataFrame:
    start = np.datetime64(day, "m")
    parts = []
    for level, per_key in arrays.items():
        for key, minutes in per_key.items():
            nz = np.flatnonzero(minutes)
            parts.append(pl.DataFrame({
                "dt": [day] * len(nz), "level": [level] * len(nz), "key": [key] * len(nz),
                "minute": (start + nz.astype("timedelta64[m]")).astype("datetime64[ms]"),
                "occupancy": minutes[nz].astype(np.int64),
            }))
    if not parts:
        return pl.DataFrame(schema={"dt": pl.String, "level": pl.String, "key": pl.String,
                                    "minute": pl.Datetime("ms"), "occupancy": pl.Int64})
    return pl.concat(parts)


def _cells(ev: pl.DataFrame, tables: dict[str, pl.DataFrame],
           arrays_by_day: dict[str, dict[str, dict[str, np.ndarray]]], days: list[str],
           waiting_threshold_s: float) -> list[Cell]:
    cells: dict[tuple[str, str, str], Cell] = {}

    def cell(dt: str, level: str, key: str) -> Cell:
        return cells.setdefault((dt, level, key), Cell(dt, level, key))

    if ev.height:
        keyed = ev.with_columns(
            occupancy.level_key("camera").alias("camera"),
            occupancy.level_key("group").alias("group"),
            occupancy.level_key("site").alias("site"),
        )
        for level in LEVELS:
            _fill_level(keyed, level, cell, waiting_threshold_s)
    crowd_hour = tables["agg_crowd_hour"]
    if crowd_hour.height:
        for dt, camera, hour, n, loiter in crowd_hour.iter_rows():
            c = cell(dt, "camera", camera)
            c.crowd_events += n
            c.loitering_s += float(loiter)
            c.hourly_crowd[hour] += n
    for day, arrays in arrays_by_day.items():
        for level, per_key in arrays.items():
            for key, minutes in per_key.items():
                cell(day, level, key).occupancy = minutes
    return sorted(cells.values(), key=lambda c: (c.dt, c.level, c.key))


def _fill_level(keyed: pl.DataFrame, level: str, cell: object,
                waiting_threshold_s: float) -> None:
    make = cell  # a callable (dt, level, key) -> Cell
    base = keyed.group_by("dt", level).agg(
        pl.len().alias("events"),
        pl.col("person_id").n_unique().alias("visitors"),
        pl.col("dwell_s").sum().alias("dwell_sum_s"),
        pl.col("dwell_s").max().alias("dwell_max_s"),
        (pl.col("dwell_s") > waiting_threshold_s).sum().alias("waiting"),
        pl.col("camera_description").drop_nulls().first().alias("desc"),
        pl.col("camera_group_name").drop_nulls().first().alias("group_name"),
        pl.col("camera_group_id").drop_nulls().first().alias("group_id"),
    )
    for row in base.iter_rows(named=True):
        c = make(row["dt"], level, row[level])  # type: ignore[operator]
        c.events, c.visitors = row["events"], row["visitors"]
        c.dwell_sum_s, c.dwell_max_s = float(row["dwell_sum_s"]), float(row["dwell_max_s"])
        c.waiting_events = row["waiting"]
        c.name = {"camera": row["desc"], "group": row["group_name"], "site": "site"}[level]
        c.group_id = row["group_id"] if level != "site" else None
    hourly = keyed.group_by("dt", level, "hour").agg(
        pl.len().alias("n"), pl.col("dwell_s").sum().alias("d"),
        (pl.col("dwell_s") > waiting_threshold_s).sum().alias("w"))
    for dt, key, hour, n, d, w in hourly.iter_rows():
        c = make(dt, level, key)  # type: ignore[operator]
        c.hourly_events[hour], c.hourly_dwell_s[hour], c.hourly_waiting[hour] = n, float(d), w
    for column, attr in (("gender_outcome", "gender"), ("age_group_outcome", "age_group")):
        demo = keyed.group_by("dt", level, pl.col(column).fill_null("not_determined")).agg(
            pl.len().alias("n"))
        for dt, key, value, n in demo.iter_rows():
            getattr(make(dt, level, key), attr)[value] = n  # type: ignore[operator]
    dist = keyed.group_by("dt", level, pl.col("dwell_s").floor().cast(pl.Int64).alias("v")
                          ).agg(pl.len().alias("n")).sort("dt", level, "v")
    for (dt, key), part in dist.partition_by("dt", level, as_dict=True).items():
        c = make(dt, level, key)  # type: ignore[operator]
        c.dwell_values = part.get_column("v").to_numpy().astype(np.int64)
        c.dwell_counts = part.get_column("n").to_numpy().astype(np.int64)


def write_tables(lake: Lake, tenant: str, aggs: DayAggregates) -> None:
    """Replace each touched day's aggregate files; days left empty lose theirs."""
    for name in AGG_TABLES:
        frame = aggs.tables.get(name, pl.DataFrame())
        by_day = ({str(k[0]): v for k, v in frame.partition_by(
            "dt", as_dict=True, include_key=False).items()} if frame.height else {})
        for day in aggs.days:
            rel = f"{partition(name, tenant, day)}/part-0.parquet"
            part = by_day.get(day)
            if part is None or part.height == 0:
                lake.delete(rel)
            else:
                lake.write_parquet(rel, part.to_arrow())


def recompute(lake: Lake, tenant: str, touched_days: list[str],
              rule: dwell.VisitRule = dwell.DEFAULT_RULE) -> DayAggregates:
    """Recompute and write the aggregates of the touched days (and the days they spill into)."""
    days = sorted(set(touched_days))
    events, insights = load(lake, tenant, days)
    extra = spill_days(events, days)
    if extra:
        days = sorted(set(days) | set(extra))
        events, insights = load(lake, tenant, days)
    aggs = compute(events, insights, days, rule)
    write_tables(lake, tenant, aggs)
    return aggs


def tenant_days(lake: Lake, tenant: str, table: str = "events") -> list[str]:
    """Every day that holds data for the tenant (used for a full recompute)."""
    directory = lake.path(f"{table}/tenant={tenant}")
    infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    return sorted(i.base_name.removeprefix("dt=") for i in infos
                  if i.type == pafs.FileType.Directory and i.base_name.startswith("dt="))
