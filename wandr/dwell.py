"""Dwell analytics, each metric defined once, on polars frames of lake events.

Definitions (the hand-computed fixtures in tests/unit/analytics follow them):
- dwell of an event = utc_time_ended - utc_time_started, in seconds;
- a visit = a person's events on one UTC day, split where the person was absent for more
  than `VisitRule.gap_s` (absence = next start minus the latest end so far);
- a repeat visitor has at least `VisitRule.min_visits` visits over the period considered;
- median and p95 are nearest-rank percentiles of dwell in whole seconds (rounded down), so
  they can be combined exactly from per-day distributions;
- the peak hour is the UTC hour of day in which most events started.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from wandr.occupancy import new_runs

HISTOGRAM_EDGES_S: tuple[float, ...] = (0, 30, 60, 120, 300, 600, 900, 1800, 3600)
WAITING_THRESHOLD_S = 600.0


@dataclass(frozen=True)
class VisitRule:
    gap_s: float = 1800.0
    min_visits: int = 2


DEFAULT_RULE = VisitRule()


def with_day(events: pl.DataFrame) -> pl.DataFrame:
    return events.with_columns(
        pl.col("utc_time_started").dt.date().alias("dt"),
        pl.col("utc_time_started").dt.hour().alias("hour"),
    )


def visits(events: pl.DataFrame, rule: VisitRule = DEFAULT_RULE) -> pl.DataFrame:
    """One row per visit: person_id, dt, visit_no, start, end, events, dwell_s."""
    key = ["person_id", "dt"]
    frame = with_day(events).sort(*key, "utc_time_started")
    gap_ms = int(rule.gap_s * 1000)
    runs = new_runs(
        frame.select(
            *key,
            (pl.col("utc_time_started").dt.epoch("ms") - gap_ms).alias("s"),
            pl.col("utc_time_ended").dt.epoch("ms").alias("e"),
        ),
        key,
        "s",
        "e",
    )
    frame = frame.with_columns(runs.alias("visit_no"))
    return (
        frame.group_by([*key, "visit_no"])
        .agg(
            pl.col("utc_time_started").min().alias("start"),
            pl.col("utc_time_ended").max().alias("end"),
            pl.len().alias("events"),
            pl.col("dwell_s").sum().alias("dwell_s"),
        )
        .sort(*key, "visit_no")
    )


def person_days(events: pl.DataFrame, rule: VisitRule = DEFAULT_RULE) -> pl.DataFrame:
    """Per person and day: events, visits, dwell, first/last seen, cameras, demographics."""
    per_visit = visits(events, rule).group_by("person_id", "dt").agg(pl.len().alias("visits"))
    frame = with_day(events)
    days = frame.group_by("person_id", "dt").agg(
        pl.len().alias("events"),
        pl.col("dwell_s").sum().alias("dwell_s"),
        pl.col("utc_time_started").min().alias("first_seen"),
        pl.col("utc_time_ended").max().alias("last_seen"),
        pl.col("camera_id").drop_nulls().unique().sort().alias("cameras"),
        pl.col("camera_group_id").drop_nulls().unique().sort().alias("groups"),
        pl.col("gender_outcome").drop_nulls().mode().sort().first().alias("gender"),
        pl.col("age_group_outcome").drop_nulls().mode().sort().first().alias("age_group"),
    )
    return days.join(per_visit, on=["person_id", "dt"]).sort("dt", "person_id")


def repeat_visitors(
    person_days_frame: pl.DataFrame, rule: VisitRule = DEFAULT_RULE
) -> pl.DataFrame:
    """Per person over the days given: visits, visit days, total/average dwell, repeat."""
    return (
        person_days_frame.group_by("person_id")
        .agg(
            pl.col("visits").sum().alias("visits"),
            pl.col("dt").n_unique().alias("visit_days"),
            pl.col("dwell_s").sum().alias("total_dwell_s"),
            pl.col("events").sum().alias("events"),
        )
        .with_columns(
            (pl.col("total_dwell_s") / pl.col("visits")).alias("avg_visit_dwell_s"),
            (pl.col("visits") >= rule.min_visits).alias("is_repeat"),
        )
        .sort("person_id")
    )


def dwell_counts(dwell_s: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The dwell distribution in whole seconds: (values ascending, counts)."""
    whole = dwell_s.drop_nulls().floor().cast(pl.Int64).to_numpy()
    values, counts = np.unique(whole, return_counts=True)
    return values.astype(np.int64), counts.astype(np.int64)


def percentile(values: np.ndarray, counts: np.ndarray, q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of a value/count distribution."""
    total = int(counts.sum())
    if total == 0:
        return None
    rank = max(1, math.ceil(q / 100.0 * total))
    return float(values[int(np.searchsorted(np.cumsum(counts), rank))])


def summary(events: pl.DataFrame, rule: VisitRule = DEFAULT_RULE) -> dict[str, object]:
    """KPI cards straight from events (the reference the aggregate path must equal)."""
    values, counts = dwell_counts(events.get_column("dwell_s"))
    d = events.get_column("dwell_s").drop_nulls().to_numpy()
    reps = repeat_visitors(person_days(events, rule), rule) if events.height else None
    hours = peak_hours(events)
    busiest_cam = busiest(events, "camera_id")
    return {
        "events": events.height,
        "visitors": events.get_column("person_id").n_unique() if events.height else 0,
        "total_dwell_s": float(d.sum()),
        "avg_dwell_s": float(d.mean()) if d.size else None,
        "median_dwell_s": percentile(values, counts, 50),
        "p95_dwell_s": percentile(values, counts, 95),
        "max_dwell_s": float(d.max()) if d.size else None,
        "repeat_visitors": int(reps.get_column("is_repeat").sum()) if reps is not None else 0,
        "peak_hour": (
            int(hours.sort(["events", "hour"], descending=[True, False]).get_column("hour")[0])
            if hours.height
            else None
        ),
        "busiest_camera": busiest_cam.get_column("camera_id")[0] if busiest_cam.height else None,
    }


def histogram(
    dwell_s: pl.Series, edges: tuple[float, ...] = HISTOGRAM_EDGES_S
) -> list[dict[str, object]]:
    """Counts per dwell bin [edge_i, edge_i+1); the last bin is open-ended."""
    values = dwell_s.drop_nulls().to_numpy()
    bounds = np.array([*edges, np.inf])
    counts, _ = np.histogram(values, bins=bounds)
    return [
        {"from_s": float(lo), "to_s": None if math.isinf(hi) else float(hi), "events": int(n)}
        for lo, hi, n in zip(bounds[:-1], bounds[1:], counts, strict=True)
    ]


def busiest(events: pl.DataFrame, by: str) -> pl.DataFrame:
    """Cameras or groups by events (ties by id): events, visitors, total and average dwell."""
    return (
        events.group_by(by)
        .agg(
            pl.len().alias("events"),
            pl.col("person_id").n_unique().alias("visitors"),
            pl.col("dwell_s").sum().alias("total_dwell_s"),
            pl.col("dwell_s").mean().alias("avg_dwell_s"),
        )
        .sort(["events", by], descending=[True, False])
    )


def peak_hours(events: pl.DataFrame) -> pl.DataFrame:
    """Events started per UTC hour of day."""
    return with_day(events).group_by("hour").agg(pl.len().alias("events")).sort("hour")


def waiting(events: pl.DataFrame, threshold_s: float = WAITING_THRESHOLD_S) -> pl.DataFrame:
    """Events whose dwell exceeds the threshold, per day and hour."""
    return (
        with_day(events)
        .filter(pl.col("dwell_s") > threshold_s)
        .group_by("dt", "hour")
        .agg(pl.len().alias("waiting_events"), pl.col("dwell_s").mean().alias("avg_wait_s"))
        .sort("dt", "hour")
    )
