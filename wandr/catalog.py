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


# Filled in by the Dwell-Insight lake module; kept here so infra/ and the local stack
# import one list.
TABLES: tuple[GlueTableSpec, ...] = ()
VIEWS: tuple[ViewSpec, ...] = ()
