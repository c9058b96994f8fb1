"""Every analytics endpoint over HTTP on the local stack, against hand-computed numbers.

One small camera-event file for a day no other test uses (2025-03-15) is uploaded through
the API and ingested by the real workflow; every request then filters to that day.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests

from wandr.client import ApiError

DAY = "2025-03-15"
FILE = (
    "event_id,person_id,camera_id,camera_group_id,camera_group_name,camera_description,"
    "gender_outcome,utc_time_started,utc_time_ended\n"
    f"a1,p1,cam-1,g1,Atrium,=cmd|' /C calc'!A0,female,{DAY}T10:00:00Z,{DAY}T10:05:00Z\n"
    f"a2,p2,cam-1,g1,Atrium,Entrance,male,{DAY}T10:01:00Z,{DAY}T10:21:00Z\n"
    f"a3,p1,cam-2,g2,Food court,Court,female,{DAY}T11:00:00Z,{DAY}T11:30:00Z\n"
    f"a4,p3,cam-2,g2,Food court,Court,male,{DAY}T11:10:00Z,{DAY}T11:12:00Z\n"
    f"a5,p4,cam-2,g2,Food court,Court,female,{DAY}T11:20:00Z,{DAY}T11:25:00Z\n"
)
# dwell: a1 300, a2 1200, a3 1800, a4 120, a5 300 seconds
DAY_FILTER = {"start": DAY, "end": DAY}


@pytest.fixture(scope="module")
def analyst(stack, tmp_path_factory):
    path = tmp_path_factory.mktemp("analytics") / "analytics-day.csv"
    path.write_text(FILE)
    admin = stack.client("demo", "admin")
    upload = admin.wait(admin.upload(path)["upload_id"], timeout=180)
    assert upload["status"] == "succeeded", upload["error"]
    return stack.client("demo", "analyst")


def get(client, route, **params):
    return client.call("GET", f"/analytics/{route}", params={**DAY_FILTER, **params})


def test_the_summary_cards_hold_the_hand_computed_numbers(analyst):
    cards = get(analyst, "summary")
    assert cards["events"] == 5
    assert cards["visitors"] == 4
    assert cards["max_dwell_s"] == 1800
    assert cards["avg_dwell_s"] == pytest.approx((300 + 1200 + 1800 + 120 + 300) / 5)
    assert cards["busiest_camera"] == "cam-2"
    assert cards["peak_hour"] == 11


def test_a_camera_filter_narrows_every_card(analyst):
    cards = get(analyst, "summary", camera="cam-1")
    assert (cards["events"], cards["visitors"], cards["max_dwell_s"]) == (2, 2, 1200)


def test_the_dwell_histogram_counts_every_event_once(analyst):
    bins = get(analyst, "dwell-histogram", bin_s=600)
    assert sum(b["events"] for b in bins) == 5
    assert bins[0] == {"from_s": 0.0, "to_s": 600.0, "events": 3}


def test_the_occupancy_timeline_peaks_when_visits_overlap(analyst):
    series = get(analyst, "occupancy", level="camera", resolution="hour")
    by_camera = {s["key"]: s["points"] for s in series}
    assert max(p["peak"] for p in by_camera["cam-1"]) == 2  # a1 and a2 overlap 10:01-10:05
    assert max(p["peak"] for p in by_camera["cam-2"]) == 2  # a3 with a4, then a3 with a5


def test_rankings_order_cameras_by_events(analyst):
    ranked = get(analyst, "rankings", by="camera")
    assert [(r["key"], r["events"]) for r in ranked] == [("cam-2", 3), ("cam-1", 2)]


def test_waiting_counts_events_over_the_threshold(analyst):
    waiting = get(analyst, "waiting")
    # threshold 600 s: a2 (1200 s at 10h) and a3 (1800 s at 11h)
    day = next(d for d in waiting["by_day"] if d["dt"] == DAY)
    assert day["waiting_events"] == 2


def test_demographics_count_the_filtered_population(analyst):
    demographics = get(analyst, "demographics")
    assert sum(demographics["gender"].values()) >= 4
    assert set(demographics["gender"]) >= {"female", "male"}


@pytest.mark.parametrize("route", ["crowd-hourly", "repeat-visitors", "insight-merge"])
def test_the_other_analytics_endpoints_answer_for_the_day(analyst, route):
    assert get(analyst, route) is not None


def test_detail_rows_page_with_a_cursor_and_cover_the_day_exactly(analyst):
    first = get(analyst, "detail", limit=3, sort="dwell_s", order="desc")
    second = get(
        analyst, "detail", limit=3, sort="dwell_s", order="desc", cursor=first["next_cursor"]
    )
    ids = [r["event_id"] for r in first["rows"] + second["rows"]]
    assert len(first["rows"]) == 3
    # dwell 1800, 1200, then the two 300 s events (a tie, in either order), then 120
    assert ids[:2] == ["a3", "a2"]
    assert sorted(ids[2:4]) == ["a1", "a5"]
    assert ids[4] == "a4"
    assert second["next_cursor"] is None


def test_the_csv_export_holds_exactly_the_filtered_rows_with_formulas_neutralised(analyst):
    exported = analyst.call(
        "POST", "/analytics/detail/export", params={**DAY_FILTER, "camera": "cam-1"}
    )
    text = requests.get(exported["url"], timeout=30).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert exported["rows"] == 2
    assert sorted(r["event_id"] for r in rows) == ["a1", "a2"]
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)


def test_a_bad_filter_is_a_client_error_in_the_one_error_shape(analyst):
    with pytest.raises(ApiError) as bad:
        analyst.call("GET", "/analytics/summary", params={"start": "2025-03-16", "end": DAY})
    assert bad.value.status in (400, 422)
    assert "start must not be after end" in bad.value.message
