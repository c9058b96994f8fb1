"""Validate Lambda: check a raw upload, stage its good rows, store the full report in S3.

Input: {tenant, upload_id, kind, bucket, key, etag, size}. Returns the small report (the
full one, with every stored bad row, is at s3://<results>/reports/tenant=<t>/upload=<id>.json).
A file with no usable rows raises InvalidUpload, whose message is the reason.
"""

from __future__ import annotations

import json
from typing import Any

from wandr import aws
from wandr.lake import Lake
from wandr.resources import current, env_name
from wandr.validation.report import InvalidUpload, Report
from wandr.validation.stage import validate_and_stage


def report_key(tenant: str, upload_id: str) -> str:
    return f"reports/tenant={tenant}/upload={upload_id}.json"


def _store(tenant: str, upload_id: str, report: Report) -> None:
    bucket = env_name("WANDR_RESULTS_BUCKET", current().results_bucket)
    aws.client("s3").put_object(Bucket=bucket, Key=report_key(tenant, upload_id),
                                Body=json.dumps(report.to_dict()).encode(),
                                ContentType="application/json")


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    tenant, upload_id = event["tenant"], event["upload_id"]
    lake = Lake.s3(env_name("WANDR_LAKE_BUCKET", current().lake_bucket))
    s3fs = aws.s3_filesystem()
    source = f"{event['bucket']}/{event['key']}"
    size = int(event.get("size") or s3fs.get_file_info(source).size or 0)
    try:
        report = validate_and_stage(lake, lambda: s3fs.open_input_stream(source), size,
                                    tenant, upload_id, event.get("kind", "csv"))
    except InvalidUpload as exc:
        failed = getattr(exc, "report", None) or Report(event.get("kind", "csv"), upload_id)
        failed.error = str(exc)
        _store(tenant, upload_id, failed)
        raise
    _store(tenant, upload_id, report)
    return report.summary()
