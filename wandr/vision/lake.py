"""The vision outputs as lake tables: Glue specs and Parquet writing.

Tracklets are partitioned by tenant and upload (one video's rows are replaced when it is
reprocessed); associations and journeys are recomputed per tenant by every job, so their
tenant partition is replaced as a whole. Nested descriptors (region colours, embedding) are
stored as JSON strings so Athena and DuckDB read them without struct gymnastics.
The lead adds VISION_TABLES to wandr.catalog.TABLES.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from wandr.catalog import Column, GlueTableSpec

_TENANT = Column("tenant", "string")
_PROJECTION = {"projection.enabled": "false"}

TRACKLET_COLUMNS = (
    Column("tracklet_id", "string"), Column("upload_id", "string"), Column("pin_id", "string"),
    Column("track_id", "bigint"), Column("t_in", "double", "epoch seconds"),
    Column("t_out", "double"), Column("n_detections", "bigint"), Column("mean_score", "double"),
    Column("box_w", "double"), Column("box_h", "double"), Column("quality", "double"),
    Column("top_colour", "string"), Column("bottom_colour", "string"),
    Column("shoes_colour", "string"), Column("height_category", "string"),
    Column("height_ratio", "double"), Column("aspect_ratio", "double"),
    Column("outfit_json", "string", "CIELAB means and histograms per region"),
    Column("embedding_json", "string", "64-D unit appearance vector"),
)  # fmt: skip
ASSOCIATION_COLUMNS = (
    Column("link_id", "string"), Column("source", "string"), Column("target", "string"),
    Column("source_pin", "string"), Column("target_pin", "string"), Column("t_out", "double"),
    Column("t_in", "double"), Column("dt", "double"), Column("mu", "double"),
    Column("tau", "double"), Column("hops", "bigint"), Column("delta_e", "double"),
    Column("colour", "double"), Column("garment_type", "double"),
    Column("embedding_cos", "double"), Column("histogram", "double"),
    Column("appearance", "double"), Column("frequency_factor", "double"),
    Column("outfit", "double"), Column("time", "double"), Column("adjacency", "double"),
    Column("physique", "double"), Column("score", "double"), Column("decision", "string"),
)  # fmt: skip
JOURNEY_COLUMNS = (
    Column("journey_id", "string"), Column("date", "string"), Column("start", "string"),
    Column("end", "string"), Column("duration_sec", "double"), Column("entry_pin", "string"),
    Column("exit_pin", "string"), Column("pins_json", "string"),
    Column("tracklet_ids_json", "string"), Column("link_ids_json", "string"),
    Column("link_scores_json", "string"), Column("n_stops", "bigint"),
    Column("confidence", "double"), Column("closed_by", "string"),
)  # fmt: skip

VISION_TABLES = (
    GlueTableSpec("vision_tracklets", "vision_tracklets", TRACKLET_COLUMNS,
                  (_TENANT, Column("upload", "string")), _PROJECTION,
                  "One row per within-camera tracklet with its outfit descriptors"),
    GlueTableSpec("vision_associations", "vision_associations", ASSOCIATION_COLUMNS, (_TENANT,),
                  _PROJECTION, "Every cross-camera decision with its score components"),
    GlueTableSpec("vision_journeys", "vision_journeys", JOURNEY_COLUMNS, (_TENANT,), _PROJECTION,
                  "Visitor journeys from an entrance pin, with confidence"),
)  # fmt: skip

_ARROW = {"string": pa.string(), "double": pa.float64(), "bigint": pa.int64()}


def tracklet_row(t: dict[str, Any]) -> dict[str, Any]:
    o = t["outfit"]
    return {**{c.name: t.get(c.name) for c in TRACKLET_COLUMNS},
            "top_colour": o["top"]["colour"], "bottom_colour": o["bottom"]["colour"],
            "shoes_colour": o["shoes"]["colour"], "outfit_json": json.dumps(o),
            "embedding_json": json.dumps(t["embedding"])}  # fmt: skip


def journey_row(j: dict[str, Any]) -> dict[str, Any]:
    row = {c.name: j.get(c.name) for c in JOURNEY_COLUMNS}
    for key in ("pins", "tracklet_ids", "link_ids", "link_scores"):
        row[f"{key}_json"] = json.dumps(j[key])
    return row


def table(rows: list[dict[str, Any]], columns: tuple[Column, ...]) -> pa.Table:
    schema = pa.schema([(c.name, _ARROW[c.type]) for c in columns])
    return pa.Table.from_pylist([{c.name: r.get(c.name) for c in columns} for r in rows], schema)


def write_partition(s3: Any, bucket: str, prefix: str, data: pa.Table) -> str:
    """Replace everything under `prefix` (a partition folder) with one Parquet object.

    Written through the boto3 client (not pyarrow's S3 filesystem) so the same code runs
    against AWS, the moto server and moto's in-process mock used by the tests.
    """
    prefix = prefix.rstrip("/") + "/"
    key = f"{prefix}part-0.parquet"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"] != key:
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
    sink = io.BytesIO()
    pq.write_table(data, sink)
    s3.put_object(Bucket=bucket, Key=key, Body=sink.getvalue())
    return f"s3://{bucket}/{key}"
