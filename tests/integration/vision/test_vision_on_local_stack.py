"""The vision workflow end to end on the embedded local stack, driven through the API only:
map with pins -> video upload registered to a pin -> the real vision ASL workflow (Prepare,
SageMaker Processing job run as a subprocess of containers/vision/entrypoint.py, the
Wait/Describe loop, Publish, RecordSucceeded) -> jobs, tracklets and journeys via the API."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wandr.client import WandrClient
from wandr.vision.video import ffmpeg_exe

_spec = importlib.util.spec_from_file_location("footage", Path(__file__).with_name("footage.py"))
footage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(footage)

CLIP_SECONDS = 15


def _pin(pin_id: str, kind: str, adjacent: list[str], x: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [x, 0.0]},
        "properties": {
            "id": pin_id, "label": pin_id.title(), "pin_kind": kind, "adjacent_to": adjacent,
            "transit_times": {a: {"mu_sec": 20, "tau_sec": 10} for a in adjacent},
            "camera_fps": 10,
        },
    }  # fmt: skip


MALL = {
    "type": "FeatureCollection",
    "features": [_pin("gate", "entrance", ["atrium"], 0.0), _pin("atrium", "normal", [], 1.0)],
}


def _upload_video(client: WandrClient, path: Path, pin_id: str) -> dict[str, Any]:
    """POST /uploads with the camera pin (WandrClient.upload has no pin_id), then the file."""
    body = path.read_bytes()
    ticket = client.call("POST", "/uploads", json={
        "filename": path.name, "kind": "video", "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(), "pin_id": pin_id,
        "recorded_at": "2024-05-01T10:00:00Z"})  # fmt: skip
    assert not ticket["duplicate"]
    post = ticket["post"]
    response = client.session.post(post["url"], data=post["fields"],
                                   files={"file": (path.name, body)}, timeout=60)  # fmt: skip
    assert response.status_code < 300, response.text
    return dict(ticket["upload"])


def _entered_states(stack, execution_arn: str) -> list[str]:
    sfn = stack.aws("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events
            if "stateEnteredEventDetails" in e]  # fmt: skip


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """The first 15 s of vtest.avi as H.264 MP4 (real pedestrians, 768x576)."""
    out = tmp_path_factory.mktemp("vision") / "gate.mp4"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(footage.vtest_path()),
           "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
           str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=120)
    return out


def test_a_video_uploaded_to_a_pin_runs_the_vision_workflow_and_its_journeys_reach_the_api(
    stack, clip
):
    client = stack.client(tenant="demo", role="admin")
    client.call("PUT", "/map", json=MALL)
    assert {p["id"] for p in client.call("GET", "/pins")["items"]} == {"gate", "atrium"}

    upload = client.wait(_upload_video(client, clip, "gate")["upload_id"], timeout=240)

    assert upload["status"] == "succeeded", upload.get("error")
    states = _entered_states(stack, upload["execution_arn"])
    assert states[:2] == ["Prepare", "StartProcessingJob"]
    assert states[-2:] == ["Publish", "RecordSucceeded"]
    loop = states[2:-2]  # polled until the job subprocess finished: Wait -> Describe -> Choice
    assert loop and loop == ["WaitForJob", "DescribeJob", "JobFinished?"] * (len(loop) // 3)
    job = client.call("GET", f"/jobs/{upload['upload_id']}")
    assert job["status"] == "Completed" and job["pin_id"] == "gate"
    assert upload["upload_id"] in {j["upload_id"] for j in client.call("GET", "/jobs")["items"]}
    tracklets = client.call("GET", "/tracklets", params={"upload_id": upload["upload_id"]})
    assert len(tracklets["items"]) >= 3  # vtest has several walkers in its first 15 s
    for t in tracklets["items"]:
        assert t["pin_id"] == "gate"
        assert 0 <= t["t_in"] - 1714557600 <= t["t_out"] - 1714557600 <= CLIP_SECONDS
    journeys = client.call("GET", "/journeys", params={"date": "2024-05-01"})["items"]
    assert journeys and all(j["entry_pin"] == "gate" for j in journeys)
    video = client.call("GET", f"/videos/{upload['upload_id']}")
    assert video["pin_id"] == "gate" and video["status"] == "processed"


def test_a_file_that_is_not_a_video_uploaded_as_one_fails_with_a_clear_reason(stack, tmp_path):
    client = stack.client(tenant="demo", role="admin")
    client.call("PUT", "/map", json=MALL)
    fake = tmp_path / "atrium.mp4"
    fake.write_bytes(b"this is plain text, not an MP4 at all\n" * 20)

    upload = client.wait(_upload_video(client, fake, "atrium")["upload_id"], timeout=120)

    assert upload["status"] == "failed"
    assert "not a readable video" in (upload.get("error") or "")
    assert _entered_states(stack, upload["execution_arn"]) == [
        "Prepare", "RecordFailed", "VisionFailed"]  # fmt: skip
