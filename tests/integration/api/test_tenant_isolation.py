"""Tenant isolation: with acme's token, every route refuses or hides demo's ids and rows.

The walk enumerates the routes from /openapi.json, so a new route is walked without
editing this test. Demo's data carries marker strings; no response to acme may contain one,
and demo's data must be unchanged after acme has called every route with demo's ids.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from wandr import spatial_store
from wandr import uploads as store

MARK = "demoonlysecret"


@pytest.fixture(scope="module")
def demo_data(callers):
    """Rows of every kind in tenant demo, each carrying the marker."""
    admin = callers["demo/admin"]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [0, 0]},
                "properties": {
                    "id": f"{MARK}-pin",
                    "label": MARK,
                    "pin_kind": "entrance",
                    "adjacent_to": [],
                    "transit_times": {},
                },
            }
        ],
    }
    assert admin.call("PUT", "/map", json=geo).status_code == 200
    data = MARK.encode()
    ticket = admin.call(
        "POST",
        "/uploads",
        json={
            "filename": f"{MARK}.mp4",
            "kind": "video",
            "size": len(data),
            "pin_id": f"{MARK}-pin",
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    ).json()
    upload_id = ticket["upload"]["upload_id"]
    store.advance("demo", upload_id, "succeeded")
    spatial_store.put_job("demo", upload_id, {"status": MARK})
    spatial_store.put_tracklets("demo", upload_id, [{"tracklet_id": MARK, "pin_id": "p"}])
    spatial_store.replace_associations("demo", [{"link_id": MARK, "decision": "link"}])
    spatial_store.replace_journeys(
        "demo",
        [
            {
                "journey_id": f"{MARK}-j",
                "date": "2026-11-01",
                "confidence": 1.0,
                "entry_pin": f"{MARK}-pin",
            }
        ],
    )
    spatial_store.put_reports("demo", {name: {"marker": MARK} for name in spatial_store.REPORTS})
    multipart = admin.call(
        "POST",
        "/uploads/multipart",
        json={
            "filename": f"{MARK}-2.mp4",
            "kind": "video",
            "size": 6 * 1024 * 1024,
            "sha256": "f" * 64,
        },
    ).json()
    return {
        "upload_id": upload_id,
        "pin_id": f"{MARK}-pin",
        "journey_id": f"{MARK}-j",
        "name": "summary",
        "multipart_id": multipart["upload"]["upload_id"],
        "snapshot": _snapshot(admin),
    }


def _snapshot(admin) -> str:
    return "".join(
        admin.call("GET", path).text
        for path in ("/map", "/pins", "/uploads", "/videos", "/jobs", "/journeys")
    )


BODIES = {
    "create_upload": {"filename": "a.csv", "kind": "csv", "size": 1, "sha256": "0" * 64},
    "initiate_multipart": {"filename": "a.mp4", "kind": "video", "size": 1, "sha256": "1" * 64},
    "part_urls": {"part_numbers": [1]},
    "complete_multipart": {"parts": [{"part_number": 1, "etag": "x"}]},
    "put_pin": {"label": "mine"},
    "put_map": {"type": "FeatureCollection", "features": []},
}


def _routes(http):
    doc = http.get("/openapi.json").json()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if op.get("security"):
                yield path, method.upper(), op["operationId"]


def _fill(path: str, ids: dict, upload_key: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "upload_id":
            return ids["multipart_id"] if upload_key == "multipart" else ids["upload_id"]
        return ids[name]

    return re.sub(r"\{(\w+)\}", value, path)


def test_every_route_hides_the_other_tenants_data(http, callers, demo_data):
    acme = callers["acme/admin"]
    walked = 0
    for path, method, op_id in _routes(http):
        if op_id in ("put_map", "delete_pin"):
            continue  # acme's own map: walked below without touching demo's
        for which in ("upload", "multipart"):
            url = _fill(path, demo_data, which)
            response = acme.call(method, url, json=BODIES.get(op_id))
            walked += 1
            assert response.status_code < 500, (method, url, response.text)
            # A 404 may repeat the id the caller sent; anything else of demo's is a leak.
            text = response.text
            for segment in url.split("/"):
                text = text.replace(segment, "") if MARK in segment else text
            assert MARK not in text, (method, url, response.text)
            assert "tenant=demo" not in text, (method, url, response.text)
            if "{" in path and op_id not in ("put_pin", "get_report"):  # names, not ids
                assert response.status_code in (400, 404, 409, 422), (method, url)
    assert walked > 40
    acme.call("PUT", "/map", json=BODIES["put_map"])
    acme.call("DELETE", f"/pins/{demo_data['pin_id']}")
    assert _snapshot(callers["demo/admin"]) == demo_data["snapshot"]


def test_every_route_but_login_and_the_document_needs_a_token(http, demo_data):
    for path, method, _ in _routes(http):
        response = http.request(method, _fill(path, demo_data, "upload"))
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "unauthorized"


def test_the_tenant_in_a_request_body_or_query_is_never_used(callers):
    acme = callers["acme/analyst"]
    smuggled = acme.call(
        "POST",
        "/uploads",
        json={"filename": "a.csv", "kind": "csv", "size": 1, "sha256": "2" * 64, "tenant": "demo"},
    )
    assert smuggled.status_code == 422
    listed = acme.call("GET", "/uploads", params={"tenant": "demo"}).json()["items"]
    assert all(u["key"].startswith("tenant=acme/") for u in listed)
