"""ValidateChunk Lambda (one item of the Distributed Map): pass 1 over one byte range.

Input: {tenant, upload_id, bucket, key, chunk}. Reads the plan Validate wrote, scans the
range (header prepended) with DuckDB and writes the chunk's rows/rejects Parquet and a small
JSON of its counts under staging/tenant=<t>/upload=<id>/chunks/. Returns those counts.
"""

from __future__ import annotations

import os
from typing import Any

from functions.ingest.validate import chunks_dir, lake_bucket, s3_reader
from wandr.lake import Lake
from wandr.validation import csvfile, split
from wandr.validation.report import Limits


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    tenant, upload_id, k = event["tenant"], event["upload_id"], int(event["chunk"])
    lake = Lake.s3(lake_bucket())
    base = chunks_dir(tenant, upload_id)
    p = split.Plan.from_dict(lake.read_json(f"{base}/plan.json"))
    with csvfile.workdir("wandr-chunk-") as work:
        out = os.path.join(work, "out")
        scan = split.scan_chunk(
            s3_reader(event["bucket"], event["key"]), p, k, upload_id, Limits(), out, work
        )
        for name in ("rows_file", "rejects_file"):
            local = getattr(scan, name)
            if local:
                rel = f"{base}/{os.path.basename(local)}"
                with open(local, "rb") as src, lake.fs.open_output_stream(lake.path(rel)) as dst:
                    while data := src.read(8 << 20):
                        dst.write(data)
                setattr(scan, name, rel)
    lake.write_json(f"{base}/scan-{k:05d}.json", scan.to_dict())
    return {"chunk": k, "parsed": scan.parsed, "rejected": scan.rejected}
