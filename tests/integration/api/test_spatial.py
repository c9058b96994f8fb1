"""Spatial endpoints over HTTP: mall map, pins, videos, jobs, journeys, reports."""

from __future__ import annotations

import hashlib

from wandr import spatial_store


def _pin(pin_id: str, kind: str, adjacent: list[str]) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [1.0, 2.0]},
        "properties": {
            "id": pin_id,
            "label": pin_id.title(),
            "pin_kind": kind,
            "adjacent_to": adjacent,
            "transit_times": {a: {"mu_sec": 30, "tau_sec": 10} for a in adjacent},
            "camera_fps": 10,
        },
    }


MAP = {
    "type": "FeatureCollection",
    "features": [
        _pin("north-door", "entrance", ["atrium"]),
        _pin("atrium", "normal", ["north-door"]),
    ],
}


def test_an_admin_puts_a_mall_map_and_every_role_reads_its_pins(callers):
    put = callers["acme/admin"].call("PUT", "/map", json=MAP)
    assert put.status_code == 200, put.text
    assert callers["acme/viewer"].call("GET", "/map").json()["features"] == MAP["features"]
    pins = callers["acme/viewer"].call("GET", "/pins").json()["items"]
    assert {p["id"] for p in pins} == {"north-door", "atrium"}
    pin = callers["acme/analyst"].call("GET", "/pins/atrium").json()
    assert pin["transit_times"] == {"north-door": {"mu_sec": 30, "tau_sec": 10}}


def test_a_map_with_broken_references_is_422_listing_every_problem(callers):
    bad = {
        "type": "FeatureCollection",
        "features": [_pin("a", "entrance", ["ghost"]), _pin("b", "sideways", [])],
    }
    response = callers["acme/admin"].call("PUT", "/map", json=bad)
    assert response.status_code == 422
    problems = response.json()["error"]["details"]
    assert any("ghost" in p for p in problems) and any("sideways" in p for p in problems)


def test_an_analyst_cannot_change_the_map(callers):
    assert callers["acme/analyst"].call("PUT", "/map", json=MAP).status_code == 403


def test_pins_are_created_replaced_and_deleted_with_their_links(callers):
    admin = callers["acme/admin"]
    admin.call("PUT", "/map", json=MAP)
    made = admin.call(
        "PUT",
        "/pins/food-court",
        json={
            "label": "Food court",
            "adjacent_to": ["atrium"],
            "transit_times": {"atrium": {"mu_sec": 45, "tau_sec": 15}},
            "coordinates": [3, 4],
        },
    )
    assert made.status_code == 200, made.text
    assert made.json()["adjacent_to"] == ["atrium"]
    unknown = admin.call("PUT", "/pins/kiosk", json={"label": "K", "adjacent_to": ["nowhere"]})
    assert unknown.status_code == 422
    assert admin.call("DELETE", "/pins/food-court").json() == {"deleted": "food-court"}
    assert admin.call("GET", "/pins/food-court").status_code == 404
    assert admin.call("DELETE", "/pins/food-court").status_code == 404


def test_a_video_upload_registers_its_pin_and_lists_under_videos(callers):
    admin = callers["acme/admin"]
    admin.call("PUT", "/map", json=MAP)
    data = b"not really a video"
    ticket = admin.call(
        "POST",
        "/uploads",
        json={
            "filename": "door.mp4",
            "kind": "video",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "pin_id": "north-door",
            "recorded_at": "2026-11-01T10:00:00Z",
        },
    ).json()
    upload_id = ticket["upload"]["upload_id"]
    videos = admin.call("GET", "/videos", params={"pin_id": "north-door"}).json()["items"]
    assert upload_id in [v["upload_id"] for v in videos]
    assert admin.call("GET", f"/videos/{upload_id}").json()["pin_id"] == "north-door"
    original = admin.call("GET", f"/videos/{upload_id}/stream", params={"variant": "original"})
    assert original.status_code == 200 and "tenant%3Dacme" in original.json()["url"].replace(
        "=", "%3D"
    )
    assert admin.call("GET", f"/videos/{upload_id}/thumbnail").status_code == 404
    assert admin.call("DELETE", f"/videos/{upload_id}").status_code == 200
    assert admin.call("GET", f"/videos/{upload_id}").status_code == 404


def test_a_video_for_a_pin_not_on_the_map_is_refused(callers):
    response = callers["acme/admin"].call(
        "POST",
        "/uploads",
        json={
            "filename": "x.mp4",
            "kind": "video",
            "size": 1,
            "sha256": "e" * 64,
            "pin_id": "moon",
        },
    )
    assert response.status_code == 400


def test_jobs_tracklets_associations_journeys_and_reports_read_what_the_table_holds(callers):
    spatial_store.put_job("acme", "u1", {"status": "running", "progress": 0.5})
    spatial_store.put_tracklets("acme", "u1", [{"tracklet_id": "t1", "pin_id": "atrium"}])
    spatial_store.replace_associations(
        "acme", [{"link_id": "l1", "decision": "link", "score": 0.9, "outfit": 0.8}]
    )
    spatial_store.replace_journeys(
        "acme",
        [
            {
                "journey_id": "j1",
                "date": "2026-11-01",
                "confidence": 0.9,
                "entry_pin": "north-door",
                "start": "10:00",
            },
            {
                "journey_id": "j2",
                "date": "2026-11-02",
                "confidence": 0.4,
                "entry_pin": "atrium",
                "start": "11:00",
            },
        ],
    )
    spatial_store.put_reports("acme", {"summary": {"journeys": 2}})
    viewer = callers["acme/viewer"]
    assert viewer.call("GET", "/jobs/u1").json()["progress"] == 0.5
    assert [j["upload_id"] for j in viewer.call("GET", "/jobs").json()["items"]] == ["u1"]
    assert (
        viewer.call("GET", "/tracklets", params={"upload_id": "u1"}).json()["items"][0][
            "tracklet_id"
        ]
        == "t1"
    )
    assert (
        viewer.call("GET", "/associations", params={"decision": "link"}).json()["items"][0][
            "outfit"
        ]
        == 0.8
    )
    confident = viewer.call("GET", "/journeys", params={"min_confidence": 0.5}).json()["items"]
    assert [j["journey_id"] for j in confident] == ["j1"]
    by_day = viewer.call("GET", "/journeys", params={"date": "2026-11-02"}).json()["items"]
    assert [j["journey_id"] for j in by_day] == ["j2"]
    by_entry = viewer.call("GET", "/journeys", params={"entry_pin": "north-door"}).json()
    assert [j["journey_id"] for j in by_entry["items"]] == ["j1"]
    assert viewer.call("GET", "/journeys/j2").json()["entry_pin"] == "atrium"
    assert viewer.call("GET", "/reports/summary").json() == {"journeys": 2}
    assert viewer.call("GET", "/reports/first_store").json() == {}
    assert viewer.call("GET", "/reports/nonsense").status_code == 404
    assert viewer.call("GET", "/journeys", params={"min_confidence": 2}).status_code == 422
