"""The card endpoints answer from the aggregates, cached per process and tenant version.

One day no other test uses (2025-04-20) gets a first file, then a second one: the cards
change with the second upload (the aggregate step's new version token invalidates the
cache), and they still answer, cold, once the day's raw event Parquet is gone from the lake.
"""

from __future__ import annotations

import pytest

from wandr import card_cache, queries
from wandr.api import analytics
from wandr.lake import partition

DAY = "2025-04-20"
HEADER = (
    "event_id,person_id,camera_id,camera_group_id,camera_group_name,camera_description,"
    "gender_outcome,utc_time_started,utc_time_ended\n"
)
FIRST = (
    f"c1,q1,cam-1,g1,Atrium,Entrance,female,{DAY}T09:00:00Z,{DAY}T09:10:00Z\n"
    f"c2,q2,cam-2,g2,Food court,Court,male,{DAY}T09:30:00Z,{DAY}T09:32:00Z\n"
)
SECOND = f"c3,q3,cam-2,g2,Food court,Court,male,{DAY}T14:00:00Z,{DAY}T14:40:00Z\n"
CARDS = ("summary", "dwell-histogram", "occupancy", "waiting", "rankings", "demographics")


@pytest.fixture(scope="module")
def clients(stack):
    return stack.client("demo", "admin"), stack.client("demo", "viewer")


def upload(admin, folder, name, rows):
    path = folder / name
    path.write_text(HEADER + rows)
    done = admin.wait(admin.upload(path)["upload_id"], timeout=180)
    assert done["status"] == "succeeded", done["error"]


def summary(viewer):
    return viewer.call("GET", "/analytics/summary", params={"start": DAY, "end": DAY})


def test_a_new_upload_changes_the_cached_cards(clients, tmp_path):
    admin, viewer = clients
    upload(admin, tmp_path, "cache-day-1.csv", FIRST)
    first = summary(viewer)
    assert summary(viewer) == first  # answered again, from the warm cache
    assert (first["events"], first["visitors"], first["max_dwell_s"]) == (2, 2, 600)

    upload(admin, tmp_path, "cache-day-2.csv", SECOND)
    second = summary(viewer)
    assert (second["events"], second["visitors"], second["max_dwell_s"]) == (3, 3, 2400)
    assert second["peak_hour"] == 9
    ranked = viewer.call("GET", "/analytics/rankings", params={"start": DAY, "end": DAY})
    assert [(r["key"], r["events"]) for r in ranked] == [("cam-2", 2), ("cam-1", 1)]


def test_the_cards_answer_without_the_raw_events(clients):
    _admin, viewer = clients
    before = summary(viewer)
    lake = queries.default_lake()
    lake.delete_dir(partition("events", "demo", DAY))
    assert not lake.exists(partition("events", "demo", DAY))
    card_cache.clear()  # cold: the next request reloads from the aggregates
    analytics.answers.clear()
    assert summary(viewer) == before
    for route in CARDS:
        assert viewer.call("GET", f"/analytics/{route}", params={"start": DAY, "end": DAY})
    crowd = viewer.call("GET", "/analytics/crowd-hourly", params={"start": DAY, "end": DAY})
    assert isinstance(crowd, list)
