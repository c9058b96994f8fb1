"""The analysts' view of the lake: Glue database, Glue tables, Athena views and workgroup.

Tables come from `wandr.catalog.TABLES` with Athena partition projection, so new Hive
partitions are queryable the moment their Parquet lands (no crawler, no MSCK REPAIR).
Views from `wandr.catalog.VIEWS` are Athena named queries (`CREATE OR REPLACE VIEW ...`):
a Glue VIRTUAL_VIEW needs the Presto-encoded output column list, which the view specs do
not carry, and a stale encoding breaks the view at query time, whereas a named query is
always deployable and creates the view with Athena's own column inference.
"""

from __future__ import annotations

from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from wandr.catalog import Column, GlueTableSpec, ViewSpec
from wandr.resources import Resources

_PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
_PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
_PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"


class LakeCatalog(Construct):
    """Glue database + tables + Athena views, and the analysts' workgroup."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        lake_bucket: s3.IBucket,
        results_bucket: s3.IBucket,
        tables: tuple[GlueTableSpec, ...],
        views: tuple[ViewSpec, ...],
        bytes_scanned_cutoff: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.database_name = resources.glue_database
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=resources.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="Wandr lake: camera events, aggregates, tracklets and journeys",
            ),
        )
        self.workgroup = athena.CfnWorkGroup(
            self,
            "Workgroup",
            name=resources.athena_workgroup,
            description="Wandr analysts: results in the results bucket, config enforced",
            state="ENABLED",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=bytes_scanned_cutoff,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{results_bucket.bucket_name}/athena/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        self.tables = [
            self._table(spec, resources.account, lake_bucket.bucket_name) for spec in tables
        ]
        self.views = [self._view(spec) for spec in views]

    def _table(self, spec: GlueTableSpec, account: str, lake_bucket: str) -> glue.CfnTable:
        parameters = {"classification": "parquet", "EXTERNAL": "TRUE"}
        parameters.update(
            {
                key: value.replace("${LakeBucket}", lake_bucket)
                for key, value in spec.projection.items()
            }
        )
        table = glue.CfnTable(
            self,
            f"Table-{spec.name}",
            catalog_id=account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=spec.name,
                description=spec.description or None,
                table_type="EXTERNAL_TABLE",
                parameters=parameters,
                partition_keys=[_column(c) for c in spec.partition_keys],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=f"s3://{lake_bucket}/{spec.prefix.strip('/')}/",
                    columns=[_column(c) for c in spec.columns],
                    input_format=_PARQUET_INPUT,
                    output_format=_PARQUET_OUTPUT,
                    compressed=True,
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=_PARQUET_SERDE
                    ),
                ),
            ),
        )
        table.add_dependency(self.database)
        return table

    def _view(self, spec: ViewSpec) -> athena.CfnNamedQuery:
        query = athena.CfnNamedQuery(
            self,
            f"View-{spec.name}",
            name=f"create view {spec.name}",
            description=(spec.description or f"Creates the {spec.name} view")[:1024],
            database=self.database_name,
            work_group=self.workgroup.ref,
            query_string=f"CREATE OR REPLACE VIEW {spec.name} AS\n{spec.sql.strip()}",
        )
        query.add_dependency(self.database)
        return query


def _column(column: Column) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(
        name=column.name, type=column.type, comment=column.comment or None
    )
