"""ValidateMerge Lambda: pass 2 over every chunk of a split upload, as the single pass does.

Input: the workflow state ({tenant, upload_id, ...}). Downloads the chunks' Parquet, numbers
the lines, drops duplicate event_ids across all chunks, stages the good rows by day, stores
the full report and returns the small one (the same contract as Validate's).
"""

from __future__ import annotations

import os
from typing import Any

from functions.ingest.validate import chunks_dir, lake_bucket, store_report
from wandr.lake import Lake
from wandr.validation import csvfile, split
from wandr.validation.csvfile import ChunkScan
from wandr.validation.report import InvalidUpload, Limits, Report
from wandr.validation.stage import merge_and_stage, require_rows


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    tenant, upload_id = event["tenant"], event["upload_id"]
    lake = Lake.s3(lake_bucket())
    base = chunks_dir(tenant, upload_id)
    p = split.Plan.from_dict(lake.read_json(f"{base}/plan.json"))
    limits = Limits()
    try:
        with csvfile.workdir("wandr-merge-") as work:
            scans = []
            for k in range(len(p.ranges)):
                rel = f"{base}/scan-{k:05d}.json"
                if not lake.exists(rel):
                    raise RuntimeError(f"chunk {k} of upload {upload_id} was not validated")
                scan = ChunkScan.from_dict(lake.read_json(rel))
                for name in ("rows_file", "rejects_file"):
                    remote = getattr(scan, name)
                    if remote:
                        local = os.path.join(work, os.path.basename(remote))
                        with (
                            lake.fs.open_input_stream(lake.path(remote)) as src,
                            open(local, "wb") as dst,
                        ):
                            while data := src.read(8 << 20):
                                dst.write(data)
                        setattr(scan, name, local)
                scans.append(scan)
            con = csvfile.connect(work)
            try:
                report = merge_and_stage(
                    con, lake, tenant, upload_id, scans, p.sniffed, limits, work
                )
            finally:
                con.close()
        require_rows(report)
    except InvalidUpload as exc:
        failed = getattr(exc, "report", None) or Report("csv", upload_id)
        failed.error = str(exc)
        store_report(tenant, upload_id, failed)
        raise
    store_report(tenant, upload_id, report)
    summary = report.summary()
    summary["chunks"] = len(p.ranges)
    return summary
