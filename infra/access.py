"""What each Lambda may touch: the least-privilege table the pipeline stack turns into grants.

Kept as data, in one place, so a reviewer can read every function's permissions at a glance
and a handler that needs more gets one line changed here. Bucket and table roles are the
keys of `StorageStack.buckets` / `StorageStack.tables`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3


@dataclass(frozen=True)
class Access:
    read_buckets: tuple[str, ...] = ()
    read_write_buckets: tuple[str, ...] = ()
    read_tables: tuple[str, ...] = ()
    read_write_tables: tuple[str, ...] = ()
    # StartExecution on the ingest and vision workflows.
    start_workflows: bool = False
    # GetSecretValue on the Corsight secrets (`<prefix>/corsight/*`).
    corsight_secrets: bool = False


FUNCTION_ACCESS: dict[str, Access] = {
    # Reads object metadata, marks the upload processing, starts one execution per object.
    "dispatch": Access(read_buckets=("raw",), read_write_tables=("uploads",), start_workflows=True),
    # Parses the raw file, stages Parquet in the lake, writes the full report to results.
    "validate": Access(
        read_buckets=("raw",),
        read_write_buckets=("lake", "results"),
        read_write_tables=("uploads",),
    ),
    # Moves staged Parquet into the lake partitions.
    "normalise": Access(read_write_buckets=("lake",), read_write_tables=("uploads",)),
    # Recomputes aggregates from the lake into DynamoDB and Parquet aggregate tables.
    "aggregate": Access(
        read_write_buckets=("lake", "results"), read_write_tables=("aggregates", "uploads")
    ),
    # Records the outcome; reads the stored report from results.
    "record_status": Access(read_buckets=("results",), read_write_tables=("uploads",)),
    # Probes the video, writes proxy/thumbnail and the job config for SageMaker, and
    # registers the video and its job in the spatial table.
    "vision_prepare": Access(
        read_buckets=("raw",),
        read_write_buckets=("results",),
        read_write_tables=("spatial", "uploads"),
    ),
    # Loads the job's outputs into the lake and the spatial table.
    "vision_publish": Access(
        read_buckets=("raw",),
        read_write_buckets=("lake", "results"),
        read_write_tables=("spatial", "aggregates", "uploads"),
    ),
    # Writes pulled events into the raw bucket; keeps its cursor in the pull-state table.
    "corsight_pull": Access(
        read_write_buckets=("raw",),
        read_write_tables=("pull_state", "uploads"),
        corsight_secrets=True,
    ),
}

# The API handler: presigned (multipart) uploads into raw, dashboards from DynamoDB, mall
# maps and pins in the spatial table, detail rows and exports from the lake and Athena.
API_ACCESS = Access(
    read_buckets=("lake",),
    read_write_buckets=("raw", "results"),
    read_tables=("aggregates", "pull_state"),
    read_write_tables=("uploads", "spatial"),
)

# The SageMaker Processing job: reads the video and its config, writes its outputs.
VISION_JOB_ACCESS = Access(read_buckets=("raw",), read_write_buckets=("results",))


def grant(
    access: Access,
    grantee: iam.IGrantable,
    *,
    buckets: Mapping[str, s3.IBucket],
    tables: Mapping[str, dynamodb.ITable],
) -> None:
    """Turn the bucket and table entries of `access` into CDK grants on `grantee`."""
    for name in access.read_buckets:
        buckets[name].grant_read(grantee)
    for name in access.read_write_buckets:
        buckets[name].grant_read_write(grantee)
    for name in access.read_tables:
        tables[name].grant_read_data(grantee)
    for name in access.read_write_tables:
        tables[name].grant_read_write_data(grantee)
