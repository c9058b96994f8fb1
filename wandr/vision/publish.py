"""Adapter for the Publish step: a finished job's outputs -> lake Parquet + spatial table.

Idempotent: this video's tracklet partition and the tenant's association and journey
partitions are replaced, never appended to, so a retried step or a reprocessed video leaves
exactly one copy of every row.
"""

from __future__ import annotations

import json
import os
from typing import Any

from wandr import aws, spatial_store
from wandr.resources import current
from wandr.vision import lake

SUMMARY_KEYS = ("tracklet_id", "pin_id", "t_in", "t_out", "n_detections", "quality",
                "height_category", "aspect_ratio")  # fmt: skip


def _read(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _summary(t: dict[str, Any]) -> dict[str, Any]:
    row = {k: t[k] for k in SUMMARY_KEYS}
    row["colours"] = {r: t["outfit"][r]["colour"] for r in ("top", "bottom", "shoes")}
    return row


def publish(state: dict[str, Any]) -> dict[str, Any]:
    tenant, upload_id = state["tenant"], state["upload_id"]
    job = state["prepared"]["job"]
    uri = job["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
    bucket, prefix = uri.removeprefix("s3://").split("/", 1)
    s3 = aws.client("s3")
    manifest = _read(s3, bucket, f"{prefix}manifest.json")
    tracklets = _read(s3, bucket, f"{prefix}tracklets.json")
    decisions = _read(s3, bucket, f"{prefix}associations.json")
    paths = _read(s3, bucket, f"{prefix}journeys.json")
    reports = _read(s3, bucket, f"{prefix}reports.json")

    lake_bucket = os.environ.get("WANDR_LAKE_BUCKET", current().lake_bucket)
    lake.write_partition(s3, lake_bucket, f"vision_tracklets/tenant={tenant}/upload={upload_id}",
                         lake.table([lake.tracklet_row(t) for t in tracklets],
                                    lake.TRACKLET_COLUMNS))  # fmt: skip
    lake.write_partition(s3, lake_bucket, f"vision_associations/tenant={tenant}",
                         lake.table(decisions, lake.ASSOCIATION_COLUMNS))  # fmt: skip
    lake.write_partition(
        s3,
        lake_bucket,
        f"vision_journeys/tenant={tenant}",
        lake.table([lake.journey_row(j) for j in paths], lake.JOURNEY_COLUMNS),
    )

    spatial_store.put_tracklets(tenant, upload_id, [_summary(t) for t in tracklets])
    spatial_store.replace_associations(tenant, decisions)
    spatial_store.replace_journeys(tenant, paths)
    spatial_store.put_reports(tenant, reports)
    spatial_store.update_video(tenant, upload_id, status="processed",
                               tracklets=len(tracklets), results_prefix=uri)  # fmt: skip
    summary = {
        "kind": "video", "pin_id": manifest["pin_id"], "tracklets": len(tracklets),
        "links": manifest["links"], "journeys": len(paths),
        "frames_analysed": manifest["frames_analysed"],
        "realtime_factor": manifest["realtime_factor"], "job": job["ProcessingJobName"],
    }  # fmt: skip
    spatial_store.put_job(tenant, upload_id, {**summary, "status": "Completed"})
    return summary
