"""The Dwell-Insight data contracts: camera events (CSV) and insight events (crowd JSON).

One place names every canonical column, its Arrow type in the lake, and the header variants
real Corsight exports use for it, so validation, the lake, the Glue catalog and the analytics
all agree on what an event is. Times are naive UTC timestamps (milliseconds) everywhere.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("ms")

MANDATORY: tuple[str, ...] = ("person_id", "utc_time_started", "utc_time_ended")
TIME_COLUMNS: tuple[str, ...] = ("utc_time_started", "utc_time_ended", "utc_time_recorded")

# Canonical camera-event columns in lake order (partition columns tenant/dt come from the path).
EVENT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("event_id", pa.string()),
    pa.field("person_id", pa.string()),
    pa.field("event_type", pa.string()),
    pa.field("camera_id", pa.string()),
    pa.field("camera_description", pa.string()),
    pa.field("camera_group_id", pa.string()),
    pa.field("camera_group_name", pa.string()),
    pa.field("node_id", pa.string()),
    pa.field("zone_name", pa.string()),
    pa.field("zone_id", pa.string()),
    pa.field("age_group_outcome", pa.string()),
    pa.field("gender_outcome", pa.string()),
    pa.field("liveness_outcome", pa.string()),
    pa.field("mask_outcome", pa.string()),
    pa.field("appearance_category", pa.string()),
    pa.field("face_score", pa.float64()),
    pa.field("watchlist_type", pa.string()),
    pa.field("watchlist_display_name", pa.string()),
    pa.field("utc_time_recorded", TS),
    pa.field("utc_time_started", TS),
    pa.field("utc_time_ended", TS),
    pa.field("dwell_s", pa.float64()),
    pa.field("upload_id", pa.string()),
    pa.field("source_line", pa.int64()),
    pa.field("extra", pa.string()),  # JSON object of the columns we do not know, or null
)
EVENT_SCHEMA = pa.schema(EVENT_FIELDS)
EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in EVENT_FIELDS)
# Columns a CSV may carry (everything but what Wandr derives).
SOURCE_COLUMNS: tuple[str, ...] = tuple(
    c for c in EVENT_COLUMNS if c not in ("dwell_s", "upload_id", "source_line", "extra")
)

# Header variants seen in real exports -> canonical name. Applied after normalising a header
# (lower case, spaces and dashes to underscores). A `*_readable` column only stands in for the
# canonical one when the canonical one is absent.
ALIASES: dict[str, str] = {
    "camera_group_data_group_id": "camera_group_id",
    "camera_group_data_group_name": "camera_group_name",
    "camera_group_data_group_departemen": "camera_group_name",
    "camera_group_data_group_divisi": "camera_group_name",
    "utc_time_started_readable": "utc_time_started",
    "utc_time_ended_readable": "utc_time_ended",
    "utc_time_recorded_readable": "utc_time_recorded",
    "gender": "gender_outcome",
    "age_group": "age_group_outcome",
}

# Insight Report (crowd / loitering) events, one row per event, original JSON kept.
INSIGHT_FIELDS: tuple[pa.Field, ...] = (
    pa.field("event_id", pa.string()),
    pa.field("person_id", pa.string()),
    pa.field("camera_id", pa.string()),
    pa.field("insight_type", pa.string()),
    pa.field("utc_time_recorded", TS),
    pa.field("save_insight_time", TS),
    pa.field("loitering_duration", pa.float64()),
    pa.field("gender", pa.string()),
    pa.field("age_group", pa.string()),
    pa.field("upload_id", pa.string()),
    pa.field("source_line", pa.int64()),
    pa.field("original", pa.string()),  # the full original event as JSON
)
INSIGHT_SCHEMA = pa.schema(INSIGHT_FIELDS)
INSIGHT_COLUMNS: tuple[str, ...] = tuple(f.name for f in INSIGHT_FIELDS)

NOT_DETERMINED = "not_determined"
