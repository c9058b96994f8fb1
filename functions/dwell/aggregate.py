"""Aggregate Lambda: recompute the aggregates of the days an upload touched.

Reads $.normalised.commit.touched_days, rewrites those days' Parquet aggregate tables and
DynamoDB cells from every upload the tenant has for them, and returns small counts.
"""

from __future__ import annotations

from typing import Any

from wandr import aggregate_store, aggregates
from wandr.lake import Lake
from wandr.resources import current, env_name


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    tenant = event["tenant"]
    commit = (event.get("normalised") or {}).get("commit") or {}
    touched = list(commit.get("touched_days") or commit.get("days") or [])
    lake = Lake.s3(env_name("WANDR_LAKE_BUCKET", current().lake_bucket))
    result = aggregates.recompute(lake, tenant, touched)
    cells = aggregate_store.save(tenant, result.days, result.cells)
    return {"days": result.days[:100], "days_total": len(result.days), "cells": cells}
