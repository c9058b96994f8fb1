"""Normalise Lambda: commit the staged Parquet into the lake tables (idempotent replace).

Returns {table, days, touched_days, rows}; Aggregate recomputes the touched days.
"""

from __future__ import annotations

from typing import Any

from wandr.lake import KIND_TABLE, Lake, commit
from wandr.resources import current, env_name


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    lake = Lake.s3(env_name("WANDR_LAKE_BUCKET", current().lake_bucket))
    table = KIND_TABLE[event.get("kind", "csv")]
    return commit(lake, table, event["tenant"], event["upload_id"]).to_dict()
