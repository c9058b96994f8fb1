"""The DynamoDB tables named in `Resources.tables`: uploads, aggregates, spatial, pull state.

They hold the operational state (upload status, dashboard aggregates, journeys, Corsight
cursors), so each has point-in-time recovery and encryption at rest.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from wandr.resources import Resources, TableSpec


class Tables(Construct):
    """One table per `TableSpec`, looked up by role (`uploads`, `aggregates`, ...)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        billing_mode: dynamodb.BillingMode,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.uploads = _table(
            self, "Uploads", resources.uploads_table, billing_mode, removal_policy
        )
        self.aggregates = _table(
            self, "Aggregates", resources.aggregates_table, billing_mode, removal_policy
        )
        self.spatial = _table(
            self, "Spatial", resources.spatial_table, billing_mode, removal_policy
        )
        self.pull_state = _table(
            self, "PullState", resources.pull_state_table, billing_mode, removal_policy
        )

    @property
    def all(self) -> tuple[dynamodb.Table, ...]:
        return (self.uploads, self.aggregates, self.spatial, self.pull_state)


def _table(
    scope: Construct,
    construct_id: str,
    spec: TableSpec,
    billing_mode: dynamodb.BillingMode,
    removal_policy: RemovalPolicy,
) -> dynamodb.Table:
    table = dynamodb.Table(
        scope,
        construct_id,
        table_name=spec.name,
        partition_key=dynamodb.Attribute(
            name=spec.partition_key, type=dynamodb.AttributeType.STRING
        ),
        sort_key=dynamodb.Attribute(name=spec.sort_key, type=dynamodb.AttributeType.STRING),
        billing_mode=billing_mode,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        time_to_live_attribute=spec.ttl_attribute,
        removal_policy=removal_policy,
    )
    for index in spec.indexes:
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=dynamodb.Attribute(
                name=index.partition_key, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.ALL,
        )
    return table
