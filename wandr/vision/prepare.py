"""Adapter for the Prepare step: probe, proxy and thumbnail, job inputs, job request.

Fails with a clear reason (VideoRejected) for a corrupt or non-video file, a video with no
camera pin, or a tenant without a mall map; the workflow records that reason on the upload.
The video's pin comes from its record in the spatial table (written when the upload was
created) or the object's `x-amz-meta-pin-id` metadata; its start time from `recorded_at` /
`x-amz-meta-recorded-at` (ISO-8601), else the object's upload time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from wandr import aws, mallmap, rawkeys, spatial_store
from wandr.resources import current
from wandr.vision.video import VideoError, make_proxy, make_thumbnail, probe

INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
DEFAULT_ROLE = current().vision_job_role_arn  # the workflow passes this same role


class VideoRejected(ValueError):
    """The upload cannot be processed; the message is shown to the tenant."""


def job_name(tenant: str, upload_id: str, etag: str) -> str:
    """Unique per object version, deterministic, <= 63 chars of [a-zA-Z0-9-]."""
    digest = hashlib.sha256(f"{tenant}/{upload_id}/{etag.strip(chr(34))}".encode()).hexdigest()
    return f"wandr-vision-{digest[:40]}"


def results_prefix(tenant: str, upload_id: str) -> str:
    return f"vision/tenant={tenant}/upload={upload_id}/"


def _epoch(value: str | None, fallback: datetime) -> float:
    if value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError as exc:
            raise VideoRejected(f"recorded_at {value!r} is not an ISO-8601 time") from exc
    return fallback.timestamp()


def _pin_and_start(tenant: str, upload_id: str, head: dict[str, Any]) -> tuple[str, float]:
    record = spatial_store.get_video(tenant, upload_id) or {}
    meta = head.get("Metadata", {})
    pin = record.get("pin_id") or meta.get("pin-id") or meta.get("pin")
    if not pin:
        raise VideoRejected("the video has no camera pin: register it with the upload "
                            "(pin_id) or set x-amz-meta-pin-id")  # fmt: skip
    return pin, _epoch(record.get("recorded_at") or meta.get("recorded-at"), head["LastModified"])


def _media(s3: Any, local: Path, results: str, prefix: str) -> dict[str, Any]:
    try:
        info = probe(local)
        proxy = make_proxy(local, local.with_name("proxy.mp4"))
        thumb = make_thumbnail(
            local, local.with_name("thumbnail.jpg"), min(1.0, info.duration_sec / 2)
        )
    except VideoError as exc:
        raise VideoRejected(f"{local.name}: {exc}") from exc
    s3.upload_file(str(proxy), results, f"{prefix}media/proxy.mp4")
    s3.upload_file(str(thumb), results, f"{prefix}media/thumbnail.jpg")
    return {"probe": info.to_dict(), "proxy_key": f"{prefix}media/proxy.mp4",
            "thumbnail_key": f"{prefix}media/thumbnail.jpg"}  # fmt: skip


def _stage_config(s3: Any, results: str, tenant: str, upload_id: str, job: dict) -> str:
    """Write job.json and the tenant's other tracklets under a config prefix; return its URI."""
    prefix = f"vision-inputs/tenant={tenant}/upload={upload_id}/config/"
    s3.put_object(Bucket=results, Key=f"{prefix}job.json", Body=json.dumps(job).encode())
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=results, Prefix=f"vision/tenant={tenant}/"):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            other = key.split("/upload=", 1)[-1].split("/", 1)[0]
            if key.endswith("/tracklets.json") and other != upload_id:
                s3.copy_object(Bucket=results, Key=f"{prefix}tracklets/{other}.json",
                               CopySource={"Bucket": results, "Key": key})  # fmt: skip
    return f"s3://{results}/{prefix}"


def prepare(event: dict[str, Any]) -> dict[str, Any]:
    tenant, upload_id = event["tenant"], event["upload_id"]
    bucket, key, etag = event["bucket"], event["key"], str(event.get("etag", ""))
    results = os.environ.get("WANDR_RESULTS_BUCKET", current().results_bucket)
    s3 = aws.client("s3")
    head = s3.head_object(Bucket=bucket, Key=key)
    pin, start = _pin_and_start(tenant, upload_id, head)
    geo = spatial_store.get_map(tenant)
    if geo is None:
        raise VideoRejected("the tenant has no mall map: upload one before videos")
    try:
        if pin not in mallmap.parse(geo).pins:
            raise VideoRejected(f"camera pin {pin!r} is not on the tenant's mall map")
    except mallmap.MallMapError as exc:
        raise VideoRejected(str(exc)) from exc
    prefix = results_prefix(tenant, upload_id)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / rawkeys.safe_filename(key.rsplit("/", 1)[-1])
        s3.download_file(bucket, key, str(local))
        media = _media(s3, local, results, prefix)
    spatial_store.update_video(tenant, upload_id, pin_id=pin, status="processing",
                               recorded_at_epoch=start, **media)  # fmt: skip
    job = {"tenant": tenant, "upload_id": upload_id, "pin_id": pin, "recorded_at_epoch": start,
           "mall_map": geo}  # fmt: skip
    config_uri = _stage_config(s3, results, tenant, upload_id, job)
    return request(tenant, upload_id, etag, f"s3://{bucket}/{key}", config_uri,
                   f"s3://{results}/{prefix}", pin, media["probe"]["duration_sec"])  # fmt: skip


def _input(name: str, uri: str) -> dict[str, Any]:
    return {"InputName": name, "S3Input": {
        "S3Uri": uri, "LocalPath": f"{INPUT_ROOT}/{name}", "S3DataType": "S3Prefix",
        "S3InputMode": "File"}}  # fmt: skip


def request(
    tenant: str, upload_id: str, etag: str, video_uri: str, config_uri: str, output_uri: str,
    pin: str, duration_sec: float,
) -> dict[str, Any]:  # fmt: skip
    """The CreateProcessingJob request (plus PollSeconds for the workflow's wait loop)."""
    env = os.environ
    inputs = [_input("video", video_uri), _input("config", config_uri)]
    if env.get("WANDR_VISION_MODEL_URI"):
        inputs.append(_input("model", env["WANDR_VISION_MODEL_URI"]))
    max_runtime = int(min(86400, max(1800, duration_sec * 2)))
    return {
        "ProcessingJobName": job_name(tenant, upload_id, etag),
        "RoleArn": env.get("WANDR_VISION_ROLE_ARN", DEFAULT_ROLE),
        "AppSpecification": {
            "ImageUri": env.get("WANDR_VISION_IMAGE_URI", "wandr/vision:local"),
            "ContainerEntrypoint": ["python3", "/opt/program/entrypoint.py"],
        },
        "ProcessingResources": {"ClusterConfig": {
            "InstanceCount": 1,
            "InstanceType": env.get("WANDR_VISION_INSTANCE_TYPE", "ml.g5.xlarge"),
            "VolumeSizeInGB": 30}},
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "results", "S3Output": {
            "S3Uri": output_uri, "LocalPath": OUTPUT_ROOT, "S3UploadMode": "EndOfJob"}}]},
        "Environment": {
            "WANDR_VISION_SAMPLE_FPS": env.get("WANDR_VISION_SAMPLE_FPS", "1"),
            "WANDR_VISION_DETECTOR": env.get("WANDR_VISION_DETECTOR", "ssdlite"),
            "WANDR_VISION_PIN_ID": pin,
            "WANDR_TENANT": tenant,
            "WANDR_UPLOAD_ID": upload_id,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime},
        "PollSeconds": int(env.get("WANDR_VISION_POLL_SECONDS", "30")),
    }  # fmt: skip
