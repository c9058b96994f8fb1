"""Every metric against a fixture small enough to compute by hand (see the comments)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from wandr import aggregates, crowd, dwell, occupancy

# p1: c1 10:00:00-10:02:00 (120 s), c2 10:01:30-10:03:00 (90 s), c1 11:00:00-11:10:30
#     (630 s; 57 min after 10:03 > 30 min gap -> a second visit)
# p2: c1 10:01:00-10:01:20 (20 s)        p3: c3 (group g2) 12:00:00-12:00:59 (59 s)
ROWS = [
    ("p1", "c1", "g1", "10:00:00", "10:02:00", "male", "25-34"),
    ("p1", "c2", "g1", "10:01:30", "10:03:00", "male", "25-34"),
    ("p1", "c1", "g1", "11:00:00", "11:10:30", "male", "25-34"),
    ("p2", "c1", "g1", "10:01:00", "10:01:20", "female", "18-24"),
    ("p3", "c3", "g2", "12:00:00", "12:00:59", None, None),
]


def _events() -> pl.DataFrame:
    def ts(t: str) -> datetime:
        return datetime.fromisoformat(f"2024-03-01T{t}")

    frame = pl.DataFrame(
        {
            "person_id": [r[0] for r in ROWS],
            "camera_id": [r[1] for r in ROWS],
            "camera_group_id": [r[2] for r in ROWS],
            "camera_description": [f"cam {r[1]}" for r in ROWS],
            "camera_group_name": [f"group {r[2]}" for r in ROWS],
            "utc_time_started": [ts(r[3]) for r in ROWS],
            "utc_time_ended": [ts(r[4]) for r in ROWS],
            "gender_outcome": [r[5] for r in ROWS],
            "age_group_outcome": [r[6] for r in ROWS],
        },
        schema_overrides={
            "utc_time_started": pl.Datetime("ms"),
            "utc_time_ended": pl.Datetime("ms"),
        },
    )
    return frame.with_columns(
        (
            (pl.col("utc_time_ended") - pl.col("utc_time_started")).dt.total_milliseconds() / 1000.0
        ).alias("dwell_s")
    )


def test_the_summary_cards_match_the_hand_computed_values() -> None:
    s = dwell.summary(_events())
    assert s["events"] == 5
    assert s["visitors"] == 3
    assert s["total_dwell_s"] == 919.0
    assert s["avg_dwell_s"] == pytest.approx(183.8)
    assert s["median_dwell_s"] == 90.0  # sorted 20 59 90 120 630, rank ceil(2.5) = 3
    assert s["p95_dwell_s"] == 630.0  # rank ceil(4.75) = 5
    assert s["max_dwell_s"] == 630.0
    assert s["repeat_visitors"] == 1  # p1 has two visits
    assert s["peak_hour"] == 10
    assert s["busiest_camera"] == "c1"


def test_visits_split_where_the_person_was_away_longer_than_the_gap() -> None:
    v = dwell.visits(_events())
    p1 = v.filter(pl.col("person_id") == "p1")
    assert p1.get_column("events").to_list() == [2, 1]
    assert p1.get_column("dwell_s").to_list() == [210.0, 630.0]
    assert dwell.visits(_events(), dwell.VisitRule(gap_s=3600)).height == 3


def test_the_histogram_puts_each_dwell_in_its_bin() -> None:
    bins = {b["from_s"]: b["events"] for b in dwell.histogram(_events().get_column("dwell_s"))}
    assert bins == {0: 1, 30: 1, 60: 1, 120: 1, 300: 0, 600: 1, 900: 0, 1800: 0, 3600: 0}


def test_waiting_counts_only_dwell_over_the_threshold() -> None:
    w = dwell.waiting(_events(), threshold_s=600)
    assert w.select("hour", "waiting_events").rows() == [(11, 1)]


def test_occupancy_counts_distinct_people_per_minute_by_sweep() -> None:
    day = date(2024, 3, 1)
    cams = occupancy.day_arrays(_events(), "camera", day)
    assert cams["c1"][600:604].tolist() == [1, 2, 1, 0]  # 10:00 .. 10:03
    groups = occupancy.day_arrays(_events(), "group", day)
    assert groups["g1"][600:604].tolist() == [1, 2, 1, 1]  # p1 on two cameras counts once
    site = occupancy.day_arrays(_events(), "site", day)
    assert (
        int(site["site"][720]) == 1 and int(site["site"].sum()) == 4 + 11 + 1 + 1
    )  # p1 4 + 11, p2 1, p3 1


def test_crowd_events_merge_with_the_occupancy_of_their_minute() -> None:
    insights = pl.DataFrame(
        {
            "event_id": ["i1"],
            "person_id": ["p9"],
            "camera_id": ["c1"],
            "insight_type": ["crowd"],
            "utc_time_recorded": [datetime(2024, 3, 1, 10, 1, 40)],
            "loitering_duration": [30.0],
            "gender": ["male"],
            "age_group": ["25-34"],
        },
        schema_overrides={"utc_time_recorded": pl.Datetime("ms")},
    )
    day = date(2024, 3, 1)
    arrays = {lvl: occupancy.day_arrays(_events(), lvl, day) for lvl in ("camera", "group", "site")}
    merged = crowd.merge(insights, day, {"c1": "g1"}, arrays)
    assert merged.select("occupancy_camera", "occupancy_group", "occupancy_site").row(0) == (
        2,
        2,
        2,
    )
    assert crowd.per_hour(insights).select("hour", "crowd_events").row(0) == (10, 1)


def test_day_cells_combine_to_the_same_numbers_as_the_events() -> None:
    aggs = aggregates.compute(_events(), pl.DataFrame(), ["2024-03-01"])
    site = next(c for c in aggs.cells if c.level == "site")
    assert (site.events, site.visitors, site.dwell_sum_s) == (5, 3, 919.0)
    assert dwell.percentile(site.dwell_values, site.dwell_counts, 50) == 90.0
    assert site.hourly_events[10] == 3 and site.hourly_waiting[11] == 1
    assert site.gender == {"male": 3, "female": 1, "not_determined": 1}
    c1 = next(c for c in aggs.cells if c.level == "camera" and c.key == "c1")
    assert (c1.events, c1.visitors) == (3, 2)
