"""Crowd and loitering analytics over Insight Report events, and their merge with occupancy.

The merge answers "how full was this camera (and its group, and the site) at the minute the
crowd alert fired?", which neither source answers alone.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

# The insight columns the merge keeps (per_hour needs a subset): all the aggregates read.
INSIGHT_COLUMNS = (
    "event_id",
    "person_id",
    "camera_id",
    "insight_type",
    "utc_time_recorded",
    "loitering_duration",
    "gender",
    "age_group",
)


def per_hour(insights: pl.DataFrame) -> pl.DataFrame:
    """Crowd/loitering events and loitering seconds per camera, day and UTC hour."""
    return (
        insights.with_columns(
            pl.col("utc_time_recorded").dt.date().alias("dt"),
            pl.col("utc_time_recorded").dt.hour().alias("hour"),
        )
        .group_by("dt", "camera_id", "hour")
        .agg(
            pl.len().alias("crowd_events"),
            pl.col("loitering_duration").fill_null(0).sum().alias("loitering_s"),
        )
        .sort("dt", "camera_id", "hour")
    )


def merge(
    insights: pl.DataFrame,
    day: date,
    camera_group: dict[str, str],
    occupancy: dict[str, dict[str, np.ndarray]],
) -> pl.DataFrame:
    """Each insight event of `day` with the occupancy of its camera, group and site then.

    `occupancy` is {"camera"|"group"|"site": {key: 1440-minute array}} for that day.
    """
    frame = insights.filter(pl.col("utc_time_recorded").dt.date() == day)
    minute = (
        frame.get_column("utc_time_recorded").dt.hour().cast(pl.Int64) * 60
        + frame.get_column("utc_time_recorded").dt.minute().cast(pl.Int64)
    ).to_numpy()
    cameras = frame.get_column("camera_id").to_list()
    groups = [camera_group.get(c) for c in cameras]

    def at(level: str, keys: list[str | None]) -> list[int]:
        arrays = occupancy.get(level, {})
        return [int(arrays[k][m]) if k in arrays else 0 for k, m in zip(keys, minute, strict=True)]

    return frame.select(INSIGHT_COLUMNS).with_columns(
        pl.Series("camera_group_id", groups, pl.String),
        pl.Series("occupancy_camera", at("camera", cameras), pl.Int64),
        pl.Series("occupancy_group", at("group", groups), pl.Int64),
        pl.Series("occupancy_site", at("site", ["site"] * len(cameras)), pl.Int64),
    )
