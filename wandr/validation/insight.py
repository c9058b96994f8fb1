"""Insight Report validation: crowd / loitering events as a JSON array, JSON Lines, or
Corsight's nested appearance events, into one row per event with the original kept.

Insight files are small next to camera-event CSVs (one event per crowd or loitering alert),
so they are parsed whole with the standard library; the limit keeps a hostile file bounded.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from wandr.events import INSIGHT_SCHEMA
from wandr.validation import times
from wandr.validation.report import InvalidUpload, Limits, Report

MAX_INSIGHT_BYTES = 512 * 2**20
_WRAPPERS = ("events", "data", "insights", "items", "results")


def _records(data: bytes) -> list[tuple[int, Any]]:
    """(line or item number, decoded event) for an array, a wrapper object or JSON Lines."""
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise InvalidUpload("the file is empty")
    if text[0] in "[{":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, list):
            return list(enumerate(doc, start=1))
        if isinstance(doc, dict):
            for key in _WRAPPERS:
                if isinstance(doc.get(key), list):
                    return list(enumerate(doc[key], start=1))
            return [(1, doc)]
    out: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            out.append((number, exc))
    if out and all(isinstance(v, json.JSONDecodeError) for _, v in out):
        raise InvalidUpload("the file is not JSON, a JSON array or JSON Lines")
    return out


def _pick(event: dict[str, Any], *paths: str) -> Any:
    for path in paths:
        value: Any = event
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value not in (None, ""):
            return value
    return None


def flatten(event: dict[str, Any]) -> dict[str, Any]:
    """One insight event (flat or Corsight-nested) -> the canonical fields as text."""
    fields = {
        "event_id": _pick(
            event, "event_id", "id", "match_data.event_id", "appearance_data.appearance_id"
        ),
        "person_id": _pick(
            event,
            "person_id",
            "match_data.poi_id",
            "appearance_data.person_id",
            "appearance_data.appearance_id",
        ),
        "camera_id": _pick(event, "camera_id", "camera_data.camera_id"),
        "insight_type": _pick(event, "insight_type", "event_type", "type"),
        "utc_time_recorded": _pick(
            event,
            "utc_time_recorded",
            "frame_data.utc_time_recorded",
            "appearance_data.utc_time_ended",
        ),
        "save_insight_time": _pick(event, "save_insight_time"),
        "loitering_duration": _pick(event, "loitering_duration", "insight_data.duration"),
        "gender": _pick(event, "gender", "face_features_data.gender_outcome", "gender_outcome"),
        "age_group": _pick(
            event, "age_group", "face_features_data.age_group_outcome", "age_group_outcome"
        ),
    }
    return {k: None if v is None else str(v) for k, v in fields.items()}


def validate(data: bytes, upload_id: str, limits: Limits | None = None) -> tuple[Report, pa.Table]:
    """Parse and check an Insight Report; return the report and the good rows."""
    report = Report("insight", upload_id, encoding="utf-8", limits=limits or Limits())
    if len(data) > MAX_INSIGHT_BYTES:
        raise InvalidUpload(
            f"the insight file is {len(data)} bytes; the limit is {MAX_INSIGHT_BYTES}"
        )
    if b"\x00" in data[:65536]:
        raise InvalidUpload("the file is binary (it contains NUL bytes), not JSON")
    rows: list[dict[str, Any]] = []
    for number, event in _records(data):
        report.rows_total += 1
        if not isinstance(event, dict):
            report.add_bad(number, "not a JSON object", value=event)
            continue
        flat = flatten(event)
        flat["source_line"] = number
        flat["original"] = json.dumps(event, separators=(",", ":"))[:100_000]
        rows.append(flat)
    if not rows:
        if report.rows_total == 0:
            raise InvalidUpload("the file holds no events")
        return report, INSIGHT_SCHEMA.empty_table()
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]} | {"source_line": pl.Int64})
    frame = frame.with_columns(
        times.parse(frame.get_column("utc_time_recorded")).alias("_rec"),
        times.parse(frame.get_column("save_insight_time")).alias("save_insight_time"),
        pl.col("loitering_duration").cast(pl.Float64, strict=False),
        pl.lit(upload_id).alias("upload_id"),
    )
    reason = (
        pl.when(pl.col("camera_id").is_null())
        .then(pl.lit("camera_id is missing"))
        .when(pl.col("_rec").is_null())
        .then(pl.lit("utc_time_recorded is missing or not a timestamp"))
        .otherwise(pl.lit(None, pl.String))
    )
    frame = frame.with_columns(reason.alias("_reason"))
    for line, why, value in (
        frame.filter(pl.col("_reason").is_not_null())
        .select("source_line", "_reason", "utc_time_recorded")
        .iter_rows()
    ):
        report.add_bad(line, why, value=value)
    good = frame.filter(pl.col("_reason").is_null()).with_columns(
        pl.col("_rec").alias("utc_time_recorded"),
        pl.col("insight_type").fill_null("crowd"),
    )
    repeats = good.filter(
        pl.col("event_id").is_not_null()
        & pl.col("event_id").is_duplicated()
        & ~pl.col("event_id").is_first_distinct()
    )
    for line, event_id in repeats.select("source_line", "event_id").iter_rows():
        report.add_bad(line, "duplicate event_id", "event_id", event_id)
    report.duplicates = repeats.height
    good = good.filter(~pl.col("source_line").is_in(repeats.get_column("source_line").implode()))
    report.rows_good = good.height
    table = good.select([f.name for f in INSIGHT_SCHEMA]).to_arrow().cast(INSIGHT_SCHEMA)
    return report, table
