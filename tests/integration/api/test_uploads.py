"""Uploads over HTTP: presigned POST, deduplication, multipart with resume, list and status."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import httpx
import pytest

from tests.integration.api.conftest import Caller
from wandr import aws
from wandr import uploads as store

MiB = 1024 * 1024


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _start(caller: Caller, data: bytes, filename: str = "events.csv", kind: str = "csv"):
    return caller.call(
        "POST",
        "/uploads",
        json={"filename": filename, "kind": kind, "size": len(data), "sha256": _sha(data)},
    )


def _policy(ticket: dict) -> dict:
    return json.loads(base64.b64decode(ticket["post"]["fields"]["policy"]))


def test_a_presigned_post_is_scoped_to_the_tenant_prefix_and_the_exact_size(callers):
    data = f"person_id,utc_time_started,utc_time_ended\n{time.time_ns()},1,2\n".encode()
    response = _start(callers["demo/analyst"], data, filename="../../etc/passwd")
    assert response.status_code == 201, response.text
    ticket = response.json()
    upload = ticket["upload"]
    assert upload["status"] == "awaiting_upload" and not ticket["duplicate"]
    assert upload["key"] == f"tenant=demo/kind=csv/upload={upload['upload_id']}/passwd"
    conditions = _policy(ticket)["conditions"]
    assert ["content-length-range", len(data), len(data)] in conditions
    assert {"key": upload["key"]} in conditions
    assert ticket["expires_in"] <= 900


def test_a_posted_file_lands_at_its_key_and_its_status_is_readable(callers, api_stack):
    caller = callers["demo/analyst"]
    data = f"person_id,utc_time_started,utc_time_ended\n{time.time_ns()},1,2\n".encode()
    ticket = _start(caller, data).json()
    post = ticket["post"]
    sent = httpx.post(post["url"], data=post["fields"], files={"file": ("e.csv", data)})
    assert sent.status_code in (200, 201, 204), sent.text
    upload_id = ticket["upload"]["upload_id"]
    status = caller.call("GET", f"/uploads/{upload_id}")
    assert status.status_code == 200
    assert status.json()["upload_id"] == upload_id
    assert status.json()["status"] in ("awaiting_upload", "processing", "succeeded", "failed")


def test_the_same_bytes_again_return_the_earlier_upload_as_a_duplicate(callers):
    caller = callers["demo/analyst"]
    data = f"dedupe {time.time_ns()}".encode()
    first = _start(caller, data).json()["upload"]
    store.advance("demo", first["upload_id"], "succeeded")
    again = _start(caller, data, filename="renamed.csv")
    assert again.status_code == 201
    assert again.json()["duplicate"] is True
    assert again.json()["post"] is None
    assert again.json()["upload"]["upload_id"] == first["upload_id"]


def test_deduplication_never_crosses_tenants(callers):
    data = f"shared bytes {time.time_ns()}".encode()
    demo = _start(callers["demo/analyst"], data).json()["upload"]
    store.advance("demo", demo["upload_id"], "succeeded")
    acme = _start(callers["acme/analyst"], data).json()
    assert acme["duplicate"] is False
    assert acme["upload"]["key"].startswith("tenant=acme/")


def test_uploads_are_listed_newest_first_with_a_cursor(callers):
    caller = callers["acme/admin"]
    ids = [
        _start(caller, f"list {i} {time.time_ns()}".encode()).json()["upload"]["upload_id"]
        for i in range(3)
    ]
    first = caller.call("GET", "/uploads", params={"limit": 2}).json()
    assert [u["upload_id"] for u in first["items"]] == ids[::-1][:2]
    rest = caller.call("GET", "/uploads", params={"limit": 2, "cursor": first["next_cursor"]})
    assert rest.json()["items"][0]["upload_id"] == ids[0]


def test_a_forged_cursor_is_a_400_not_a_500(callers):
    bad = base64.urlsafe_b64encode(b'{"tenant":"demo","upload_id":"x"}').decode()
    response = callers["acme/viewer"].call("GET", "/uploads", params={"cursor": bad})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_viewer_may_read_uploads_but_not_create_them(callers):
    response = _start(callers["demo/viewer"], b"x")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert callers["demo/viewer"].call("GET", "/uploads").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"filename": "a.csv", "kind": "csv", "size": 200 * MiB, "sha256": "a" * 64}, "size"),
        ({"filename": "a.csv", "kind": "pdf", "size": 1, "sha256": "a" * 64}, "kind"),
        ({"filename": "a.csv", "kind": "csv", "size": 1, "sha256": "XYZ"}, "sha256"),
        (
            {"filename": "a.csv", "kind": "csv", "size": 1, "sha256": "a" * 64, "tenant": "acme"},
            "tenant",
        ),
    ],
)
def test_invalid_upload_requests_are_422_with_the_offending_field(callers, body, field):
    response = callers["demo/analyst"].call("POST", "/uploads", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert [field] in [d["loc"] for d in error["details"]]


def test_a_body_that_is_not_json_is_a_400(callers):
    response = callers["demo/analyst"].call(
        "POST", "/uploads", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_multipart_video_upload_resumes_from_the_parts_already_sent(callers, api_stack):
    caller = callers["demo/analyst"]
    data = bytes(range(256)) * (int(5.5 * MiB) // 256)  # two parts: 5 MiB + 0.5 MiB
    started = caller.call(
        "POST",
        "/uploads/multipart",
        json={
            "filename": "entrance cam.mp4",
            "kind": "video",
            "size": len(data),
            "sha256": _sha(data),
            "part_size": 5 * MiB,
        },
    )
    assert started.status_code == 201, started.text
    ticket = started.json()
    upload_id = ticket["upload"]["upload_id"]
    assert ticket["part_count"] == 2

    urls = caller.call("POST", f"/uploads/{upload_id}/parts", json={"part_numbers": [1]}).json()
    first = httpx.put(urls["parts"][0]["url"], content=data[: 5 * MiB])
    assert first.status_code == 200

    # The browser is closed here; later it asks what S3 already has and sends the rest.
    held = caller.call("GET", f"/uploads/{upload_id}/parts").json()
    assert [p["part_number"] for p in held["parts"]] == [1]
    assert held["uploaded_bytes"] == 5 * MiB
    urls = caller.call("POST", f"/uploads/{upload_id}/parts", json={"part_numbers": [2]}).json()
    second = httpx.put(urls["parts"][0]["url"], content=data[5 * MiB :])
    parts = [
        {"part_number": 1, "etag": held["parts"][0]["etag"]},
        {"part_number": 2, "etag": second.headers["ETag"]},
    ]
    done = caller.call("POST", f"/uploads/{upload_id}/complete", json={"parts": parts})
    assert done.status_code == 200, done.text
    head = aws.client("s3").head_object(
        Bucket=api_stack.resources.raw_bucket, Key=ticket["upload"]["key"]
    )
    assert head["ContentLength"] == len(data)


def test_completing_with_fewer_bytes_than_declared_is_refused(callers):
    caller = callers["demo/analyst"]
    started = caller.call(
        "POST",
        "/uploads/multipart",
        json={
            "filename": "short.mp4",
            "kind": "video",
            "size": 12 * MiB,
            "sha256": "b" * 64,
            "part_size": 6 * MiB,
        },
    ).json()
    upload_id = started["upload"]["upload_id"]
    url = caller.call("POST", f"/uploads/{upload_id}/parts", json={"part_numbers": [1]}).json()
    etag = httpx.put(url["parts"][0]["url"], content=b"x" * (6 * MiB)).headers["ETag"]
    done = caller.call(
        "POST", f"/uploads/{upload_id}/complete", json={"parts": [{"part_number": 1, "etag": etag}]}
    )
    assert done.status_code == 400
    assert done.json()["error"]["details"] == {"uploaded_bytes": 6 * MiB, "declared": 12 * MiB}


def test_an_aborted_multipart_upload_is_marked_failed_and_takes_no_more_parts(callers):
    caller = callers["demo/analyst"]
    started = caller.call(
        "POST",
        "/uploads/multipart",
        json={"filename": "gone.mp4", "kind": "video", "size": 10 * MiB, "sha256": "c" * 64},
    ).json()
    upload_id = started["upload"]["upload_id"]
    aborted = caller.call("POST", f"/uploads/{upload_id}/abort")
    assert aborted.status_code == 200
    assert aborted.json()["status"] == "failed"
    again = caller.call("POST", f"/uploads/{upload_id}/parts", json={"part_numbers": [1]})
    assert again.status_code == 409


def test_part_numbers_beyond_the_declared_size_are_refused(callers):
    caller = callers["demo/analyst"]
    started = caller.call(
        "POST",
        "/uploads/multipart",
        json={"filename": "small.mp4", "kind": "video", "size": 6 * MiB, "sha256": "d" * 64},
    ).json()
    upload_id = started["upload"]["upload_id"]
    response = caller.call("POST", f"/uploads/{upload_id}/parts", json={"part_numbers": [3]})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"invalid": [3]}
