"""Turn a workflow's final state into the upload's status, reason and report."""

from __future__ import annotations

import json
import os
from typing import Any

from wandr import aws, uploads
from wandr.resources import Resources

MAX_STORED_REPORT_BYTES = 64 * 1024  # DynamoDB items stop at 400 KB; the full report is in S3


def failure_reason(error: dict[str, Any] | None) -> str:
    """`ErrorType: message` from a Step Functions Catch result ({Error, Cause})."""
    if not error:
        return "unknown error"
    name = str(error.get("Error") or "Error")
    cause = error.get("Cause") or ""
    message = cause
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            message = parsed.get("errorMessage") or parsed.get("message") or cause
    text = f"{name}: {message}" if message else name
    return text[:2000]


def report_key(tenant: str, upload_id: str) -> str:
    return f"reports/tenant={tenant}/upload={upload_id}.json"


def stored_report(tenant: str, upload_id: str) -> dict[str, Any] | None:
    """The full validation report a step left in the results bucket, if any."""
    s3 = aws.client("s3")
    bucket = os.environ.get("WANDR_RESULTS_BUCKET", Resources().results_bucket)
    try:
        body = s3.get_object(Bucket=bucket, Key=report_key(tenant, upload_id))["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    report = json.loads(body)
    return report if isinstance(report, dict) else None


def _bounded_json(report: dict[str, Any] | None) -> str | None:
    if report is None:
        return None
    text = json.dumps(report, default=str)
    if len(text) <= MAX_STORED_REPORT_BYTES:
        return text
    trimmed = {k: v for k, v in report.items() if not isinstance(v, list)}
    trimmed["truncated"] = True
    return json.dumps(trimmed, default=str)[:MAX_STORED_REPORT_BYTES]


def record(event: dict[str, Any]) -> uploads.Upload:
    tenant, upload_id, status = event["tenant"], event["upload_id"], event["status"]
    if status == "failed":
        report = stored_report(tenant, upload_id)
        return uploads.advance(
            tenant,
            upload_id,
            "failed",
            error=failure_reason(event.get("error")),
            report_json=_bounded_json(report),
        )
    report = event.get("report")
    if not isinstance(report, dict):
        report = stored_report(tenant, upload_id)
    return uploads.advance(
        tenant, upload_id, "succeeded", error=None, report_json=_bounded_json(report)
    )
