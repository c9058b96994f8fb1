"""Storage: data buckets, DynamoDB tables, and the Glue/Athena catalog over the lake."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.components.buckets import DataBuckets
from infra.components.lake_catalog import LakeCatalog
from infra.components.tables import Tables
from infra.constants import Settings
from wandr import catalog


class StorageStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        resources = settings.resources()
        self.data = DataBuckets(
            self,
            "Buckets",
            resources=resources,
            removal_policy=settings.removal_policy,
            raw_ia_days=settings.raw_ia_days,
            raw_glacier_days=settings.raw_glacier_days,
            results_expire_days=settings.results_expire_days,
        )
        self.table_set = Tables(
            self,
            "Tables",
            resources=resources,
            billing_mode=settings.dynamodb_billing,
            removal_policy=settings.removal_policy,
        )
        self.catalog = LakeCatalog(
            self,
            "Catalog",
            resources=resources,
            lake_bucket=self.data.lake,
            results_bucket=self.data.results,
            tables=catalog.TABLES,
            views=catalog.VIEWS,
            bytes_scanned_cutoff=settings.athena_bytes_cutoff,
        )

    @property
    def buckets(self) -> dict[str, s3.IBucket]:
        return {"raw": self.data.raw, "lake": self.data.lake, "results": self.data.results}

    @property
    def tables(self) -> dict[str, dynamodb.ITable]:
        t = self.table_set
        return {
            "uploads": t.uploads,
            "aggregates": t.aggregates,
            "spatial": t.spatial,
            "pull_state": t.pull_state,
        }
