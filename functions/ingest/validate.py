"""Validate Lambda: check a raw upload, stage its good rows, store the full report in S3.

Input: {tenant, upload_id, kind, bucket, key, etag, size}. Returns the small report (the
full one, with every stored bad row, is at s3://<results>/reports/tenant=<t>/upload=<id>.json).
A file with no usable rows raises InvalidUpload, whose message is the reason.

A CSV bigger than WANDR_SPLIT_THRESHOLD_BYTES is not read here: it is planned into
line-aligned byte ranges, the plan and a JSON list of chunk items are written beside the
staging area, and the result says `split: true` so the workflow runs a Distributed Map of
this function's `chunk` step over the items and then its `merge` step (`step` in the
input; the code is in validate_chunk.py and validate_merge.py, which can also be deployed
as functions of their own).
"""

from __future__ import annotations

import json
import os
from typing import Any

from wandr import aws
from wandr.lake import Lake, staging_dir
from wandr.resources import current, env_name
from wandr.validation import csvfile, split
from wandr.validation.report import InvalidUpload, Limits, Report
from wandr.validation.stage import validate_and_stage


def report_key(tenant: str, upload_id: str) -> str:
    return f"reports/tenant={tenant}/upload={upload_id}.json"


def store_report(tenant: str, upload_id: str, report: Report) -> None:
    bucket = env_name("WANDR_RESULTS_BUCKET", current().results_bucket)
    aws.client("s3").put_object(
        Bucket=bucket,
        Key=report_key(tenant, upload_id),
        Body=json.dumps(report.to_dict()).encode(),
        ContentType="application/json",
    )


_store = store_report


def lake_bucket() -> str:
    return env_name("WANDR_LAKE_BUCKET", current().lake_bucket)


def chunks_dir(tenant: str, upload_id: str) -> str:
    return f"{staging_dir(tenant, upload_id)}/chunks"


def s3_reader(bucket: str, key: str) -> split.ReadRange:
    s3 = aws.client("s3")

    def read(start: int, end: int) -> bytes:
        if end <= start:
            return b""
        body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}")["Body"]
        data: bytes = body.read()
        return data

    return read


def _plan_split(event: dict[str, Any], size: int) -> dict[str, Any]:
    tenant, upload_id = event["tenant"], event["upload_id"]
    lake = Lake.s3(lake_bucket())
    p = split.plan(s3_reader(event["bucket"], event["key"]), size, Limits(), split.chunk_bytes())
    base = chunks_dir(tenant, upload_id)
    lake.write_json(f"{base}/plan.json", p.to_dict())
    items = [
        {
            "tenant": tenant,
            "upload_id": upload_id,
            "bucket": event["bucket"],
            "key": event["key"],
            "chunk": k,
            "step": "chunk",
        }
        for k in range(len(p.ranges))
    ]
    lake.write_json(f"{base}/items.json", items)
    return {
        "kind": "csv",
        "upload_id": upload_id,
        "status": "validating",
        "split": True,
        "chunks": len(items),
        "manifest_bucket": lake.root,
        "manifest_key": f"{base}/items.json",
    }


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    step = event.get("step")
    if step == "chunk":
        from functions.ingest import validate_chunk

        return validate_chunk.handler(event, context)
    if step == "merge":
        from functions.ingest import validate_merge

        return validate_merge.handler(event, context)
    tenant, upload_id = event["tenant"], event["upload_id"]
    kind = event.get("kind", "csv")
    lake = Lake.s3(lake_bucket())
    s3fs = aws.s3_filesystem()
    source = f"{event['bucket']}/{event['key']}"
    size = int(event.get("size") or s3fs.get_file_info(source).size or 0)
    try:
        if kind == "csv" and size > split.threshold_bytes():
            return _plan_split(event, size)
        with csvfile.workdir("wandr-download-") as work:
            path = None
            if kind == "csv":  # DuckDB reads a local file: download once to /tmp
                path = os.path.join(work, "upload.csv")
                csvfile.spool(lambda: s3fs.open_input_stream(source), path)
            report = validate_and_stage(
                lake,
                lambda: s3fs.open_input_stream(source),
                size,
                tenant,
                upload_id,
                kind,
                path=path,
            )
    except InvalidUpload as exc:
        failed = getattr(exc, "report", None) or Report(kind, upload_id)
        failed.error = str(exc)
        store_report(tenant, upload_id, failed)
        raise
    store_report(tenant, upload_id, report)
    return report.summary()
