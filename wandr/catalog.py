"""The lake's Glue tables and analyst views, defined once.

The CDK app turns these specs into `AWS::Glue::Table` resources (with partition projection,
so Athena needs no crawler or MSCK) and Athena views; the local stack registers the same
tables in moto's Glue and `wandr sql` exposes them to DuckDB. Column types are Hive/Glue
type strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Glue/Hive type string: string, bigint, double, timestamp, date, boolean ...
    comment: str = ""


@dataclass(frozen=True)
class GlueTableSpec:
    """A Parquet table under `s3://<lake bucket>/<prefix>/`, Hive-partitioned."""

    name: str
    prefix: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]
    # Partition projection parameters for Athena, e.g. {"projection.dt.type": "date", ...};
    # `${LakeBucket}` inside a value is replaced with the lake bucket name.
    projection: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class ViewSpec:
    """An analyst view, written in Athena (Trino) SQL over the tables above."""

    name: str
    sql: str
    description: str = ""


def _c(spec: str) -> tuple[Column, ...]:
    """`name type, name type` -> columns (keeps the specs below one line per table)."""
    return tuple(Column(*part.split()) for part in spec.split(","))


_PARTITIONS = (Column("tenant", "string", "tenant id"), Column("dt", "string", "UTC day"))


def _projection(prefix: str) -> dict[str, str]:
    """Athena partition projection: tenants are injected by the query, days are a range."""
    return {
        "projection.enabled": "true",
        "projection.tenant.type": "injected",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2000-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": f"s3://${{LakeBucket}}/{prefix}/tenant=${{tenant}}/dt=${{dt}}/",
    }


def _table(name: str, columns: str, description: str) -> GlueTableSpec:
    return GlueTableSpec(name, name, _c(columns), _PARTITIONS, _projection(name), description)


TABLES: tuple[GlueTableSpec, ...] = (
    _table(
        "events",
        "event_id string, person_id string, event_type string, camera_id string, "
        "camera_description string, camera_group_id string, camera_group_name string, "
        "node_id string, zone_name string, zone_id string, age_group_outcome string, "
        "gender_outcome string, liveness_outcome string, mask_outcome string, "
        "appearance_category string, face_score double, watchlist_type string, "
        "watchlist_display_name string, utc_time_recorded timestamp, "
        "utc_time_started timestamp, utc_time_ended timestamp, dwell_s double, "
        "upload_id string, source_line bigint, extra string",
        "Validated camera events, one file per upload and day; extra = unknown columns",
    ),
    _table(
        "insights",
        "event_id string, person_id string, camera_id string, "
        "insight_type string, utc_time_recorded timestamp, save_insight_time timestamp, "
        "loitering_duration double, gender string, age_group string, upload_id string, "
        "source_line bigint, original string",
        "Crowd/loitering Insight events with the original JSON",
    ),
    _table(
        "agg_camera_hour",
        "camera_id string, camera_group_id string, "
        "camera_group_name string, hour int, events bigint, visitors bigint, "
        "dwell_sum_s double, dwell_max_s double, waiting_events bigint",
        "Events, visitors and dwell per camera and UTC hour",
    ),
    _table(
        "agg_dwell_dist",
        "camera_id string, dwell_whole_s bigint, events bigint",
        "Dwell distribution in whole seconds per camera and day",
    ),
    _table(
        "agg_demographics",
        "camera_id string, gender string, age_group string, events bigint, visitors bigint",
        "Events and visitors by gender and age group",
    ),
    _table(
        "agg_person_day",
        "person_id string, events bigint, dwell_s double, "
        "first_seen timestamp, last_seen timestamp, cameras array<string>, "
        "groups array<string>, gender string, age_group string, visits int",
        "One row per person and day: visits, dwell, where they went",
    ),
    _table(
        "agg_occupancy_minute",
        "level string, key string, minute timestamp, occupancy bigint",
        "People present per minute per camera/group/site (non-zero)",
    ),
    _table(
        "agg_crowd_hour",
        "camera_id string, hour int, crowd_events bigint, loitering_s double",
        "Crowd/loitering events per camera and UTC hour",
    ),
    _table(
        "agg_insight_merge",
        "event_id string, person_id string, camera_id string, "
        "insight_type string, utc_time_recorded timestamp, loitering_duration double, "
        "gender string, age_group string, camera_group_id string, "
        "occupancy_camera bigint, occupancy_group bigint, occupancy_site bigint",
        "Each crowd event with the occupancy of its camera, group and site that minute",
    ),
)

VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec(
        "v_events",
        "SELECT tenant, dt, event_id, person_id, camera_id, camera_group_id, "
        "camera_group_name, utc_time_started, utc_time_ended, dwell_s, "
        "hour(utc_time_started) AS hour, gender_outcome AS gender, "
        "age_group_outcome AS age_group, upload_id FROM events",
        "Camera events with dwell and hour",
    ),
    ViewSpec(
        "v_visits",
        "SELECT tenant, dt, person_id, visits, events, dwell_s, first_seen, "
        "last_seen, cardinality(cameras) AS cameras_visited, gender, age_group "
        "FROM agg_person_day",
        "Per person and day visits",
    ),
    ViewSpec(
        "v_occupancy",
        "SELECT tenant, dt, level, key, minute, occupancy FROM agg_occupancy_minute",
        "Occupancy per minute",
    ),
    ViewSpec(
        "v_crowd",
        "SELECT tenant, dt, event_id, camera_id, insight_type, "
        "utc_time_recorded, loitering_duration, occupancy_camera, occupancy_group, "
        "occupancy_site FROM agg_insight_merge",
        "Crowd events with occupancy",
    ),
)
