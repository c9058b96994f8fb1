"""Prepare -> processing job (entrypoint as a subprocess, as the local stack runs it) -> Publish."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from wandr import spatial_store
from wandr.resources import Resources
from wandr.vision import prepare as vprep
from wandr.vision import publish as vpub
from wandr.vision.video import ffmpeg_exe

_spec = importlib.util.spec_from_file_location("footage", Path(__file__).with_name("footage.py"))
footage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(footage)
REPO = footage.REPO
R = Resources()
PIN = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [0, 0]},
    "properties": {"id": "gate", "label": "Gate", "pin_kind": "entrance", "adjacent_to": []},
}


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for b in (R.raw_bucket, R.results_bucket, R.lake_bucket):
            s3.create_bucket(Bucket=b)
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=spatial_store.SpatialItem.Meta.table_name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
        yield s3


def _upload(s3, tmp_path: Path, body: bytes | None = None) -> dict:
    key = "tenant=t1/kind=video/upload=u1/gate.mp4"
    if body is None:
        clip = tmp_path / "gate.mp4"
        src = str(footage.vtest_path())
        cmd = [ffmpeg_exe(), "-v", "error", "-y", "-i", src, "-t", "6", "-c:v", "libx264"]
        subprocess.run([*cmd, "-preset", "ultrafast", str(clip)], check=True)
        body = clip.read_bytes()
    s3.put_object(Bucket=R.raw_bucket, Key=key, Body=body)
    return {"tenant": "t1", "upload_id": "u1", "kind": "video", "bucket": R.raw_bucket,
            "key": key, "etag": "abc", "size": len(body)}  # fmt: skip


def _run_job(s3, job: dict, root: Path) -> int:
    """What the local stack's runner does with a CreateProcessingJob request."""
    for inp in job["ProcessingInputs"]:
        bucket, prefix = inp["S3Input"]["S3Uri"].removeprefix("s3://").split("/", 1)
        for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            rel = obj["Key"][len(prefix) :].lstrip("/") or obj["Key"].rsplit("/", 1)[-1]
            dest = root / "input" / inp["InputName"] / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(dest))
    env = {**os.environ, **job["Environment"], "WANDR_PROCESSING_ROOT": str(root)}
    done = subprocess.run([sys.executable, "containers/vision/entrypoint.py"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    out = job["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    bucket, prefix = out.removeprefix("s3://").split("/", 1)
    for path in (root / "output").rglob("*"):
        if path.is_file():
            s3.upload_file(str(path), bucket, prefix + str(path.relative_to(root / "output")))
    return done.returncode


def test_an_uploaded_video_becomes_tracklets_and_journeys_in_the_lake_and_table(aws, tmp_path):
    spatial_store.put_map("t1", {"type": "FeatureCollection", "features": [PIN]})
    spatial_store.register_video("t1", "u1", "gate", recorded_at="2024-05-01T10:00:00Z")
    job = vprep.prepare(_upload(aws, tmp_path))
    assert job["ProcessingJobName"] == vprep.job_name("t1", "u1", "abc")
    assert len(job["ProcessingJobName"]) <= 63
    assert job["Environment"]["WANDR_VISION_PIN_ID"] == "gate"
    assert _run_job(aws, job, tmp_path / "proc") == 0
    report = vpub.publish({"tenant": "t1", "upload_id": "u1", "prepared": {"job": job}})
    assert report["tracklets"] >= 1 and report["journeys"] >= 1
    journeys = spatial_store.list_journeys("t1", date="2024-05-01")
    assert journeys and all(j["entry_pin"] == "gate" for j in journeys)
    assert spatial_store.get_report("t1", "summary")["journeys"] == report["journeys"]
    keys = [o["Key"] for o in aws.list_objects_v2(Bucket=R.lake_bucket)["Contents"]]
    assert "vision_journeys/tenant=t1/part-0.parquet" in keys
    media = aws.list_objects_v2(Bucket=R.results_bucket, Prefix="vision/tenant=t1/upload=u1/media/")
    assert {o["Key"].rsplit("/", 1)[-1] for o in media["Contents"]} == {
        "proxy.mp4",
        "thumbnail.jpg",
    }
    # publishing again replaces rather than duplicates
    vpub.publish({"tenant": "t1", "upload_id": "u1", "prepared": {"job": job}})
    assert len(spatial_store.list_journeys("t1")) == len(journeys)


def test_a_file_that_is_not_a_video_is_rejected_with_a_reason(aws, tmp_path):
    spatial_store.put_map("t1", {"type": "FeatureCollection", "features": [PIN]})
    spatial_store.register_video("t1", "u1", "gate")
    with pytest.raises(vprep.VideoRejected, match="video"):
        vprep.prepare(_upload(aws, tmp_path, b"this is not a video at all"))


def test_a_job_whose_pin_is_not_on_the_map_fails_with_output_failure(tmp_path):
    (tmp_path / "input" / "config").mkdir(parents=True)
    (tmp_path / "input" / "video").mkdir()
    (tmp_path / "input" / "config" / "job.json").write_text(json.dumps(
        {"upload_id": "u1", "pin_id": "nowhere",
         "mall_map": {"type": "FeatureCollection", "features": [PIN]}}))  # fmt: skip
    env = {**os.environ, "WANDR_PROCESSING_ROOT": str(tmp_path)}
    done = subprocess.run([sys.executable, "containers/vision/entrypoint.py"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0
    assert "nowhere" in (tmp_path / "output" / "failure").read_text()
