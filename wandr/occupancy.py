"""Occupancy: how many distinct people are present, minute by minute, per camera/group/site.

A person is present in minute m when one of their events overlaps [m, m+1). Each person's
events are first merged into disjoint minute ranges (so a person seen by two cameras of a
group in the same minute counts once for the group), then a sweep adds +1 at each range's
first minute and -1 after its last and takes a running sum: the cost is one sort of the
events, never a per-minute expansion of them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

MINUTES_PER_DAY = 1440
SITE = "site"


def level_key(level: str) -> pl.Expr:
    """The column that names a camera, a group or the whole site."""
    if level == "camera":
        return pl.col("camera_id").fill_null("unknown")
    if level == "group":
        return pl.col("camera_group_id").fill_null("unknown")
    if level == "site":
        return pl.lit(SITE)
    raise ValueError(f"occupancy level must be camera, group or site, not {level!r}")


def new_runs(sorted_frame: pl.DataFrame, group: list[str], start: str, end: str) -> pl.Series:
    """Run ids over a frame sorted by (group..., start): a run continues while an interval
    starts no later than the furthest end so far in its group.

    The group's cumulative maximum is taken in one global pass by adding a per-group offset
    larger than any value range (`over()` with millions of small groups is far slower).
    """
    g = sorted_frame.select(pl.struct(group).rle_id().cast(pl.Int64)).to_series()
    e = sorted_frame.get_column(end).cast(pl.Int64)
    s = sorted_frame.get_column(start).cast(pl.Int64)
    both = np.concatenate([s.to_numpy(), e.to_numpy()]) if len(s) else np.zeros(1, np.int64)
    low = int(both.min())
    span = int(both.max()) - low + 2
    reach = ((e - low) + g * span).cum_max().shift(1) - g * span + low
    first = (g != g.shift(1)).fill_null(True)
    return (first | (s > reach)).cast(pl.Int64).cum_sum()


def presence_ranges(events: pl.DataFrame, level: str) -> pl.DataFrame:
    """Disjoint (key, person, s, e) ranges of minutes (epoch minutes, inclusive)."""
    frame = events.select(
        level_key(level).alias("key"),
        pl.col("person_id"),
        (pl.col("utc_time_started").dt.epoch("ms") // 60_000).alias("s"),
        (pl.col("utc_time_ended").dt.epoch("ms") // 60_000).alias("e"),
    ).sort("key", "person_id", "s")
    if frame.height == 0:
        return frame
    # Adjacent minutes may belong to one person's two events: they must not count twice in
    # one minute, and ranges that touch the same minute merge (s <= reach).
    runs = new_runs(frame.with_columns(pl.col("s") - 1), ["key", "person_id"], "s", "e")
    return (
        frame.with_columns(runs.alias("run"))
        .group_by("key", "person_id", "run")
        .agg(pl.col("s").min(), pl.col("e").max())
    )


def day_start_minute(day: date) -> int:
    return int(
        (datetime(day.year, day.month, day.day) - datetime(1970, 1, 1)) / timedelta(minutes=1)
    )


def day_arrays(
    events: pl.DataFrame, level: str, day: date, ranges: pl.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Per key, occupancy for each minute of `day` (length 1440) by a sweep."""
    start = day_start_minute(day)
    ranges = presence_ranges(events, level) if ranges is None else ranges
    if ranges.height == 0:
        return {}
    ranges = ranges.filter((pl.col("e") >= start) & (pl.col("s") < start + MINUTES_PER_DAY))
    out: dict[str, np.ndarray] = {}
    for (key,), part in ranges.partition_by("key", as_dict=True).items():
        s = np.clip(part.get_column("s").to_numpy() - start, 0, MINUTES_PER_DAY)
        e = np.clip(part.get_column("e").to_numpy() - start + 1, 0, MINUTES_PER_DAY)
        diff = np.zeros(MINUTES_PER_DAY + 1, dtype=np.int64)
        np.add.at(diff, s, 1)
        np.add.at(diff, e, -1)
        out[str(key)] = np.cumsum(diff[:MINUTES_PER_DAY])
    return out


def resample(minutes: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak and mean occupancy per window of `step` minutes."""
    if step <= 1:
        return minutes, minutes.astype(float)
    usable = len(minutes) - len(minutes) % step
    windows = minutes[:usable].reshape(-1, step)
    return windows.max(axis=1), windows.mean(axis=1)
