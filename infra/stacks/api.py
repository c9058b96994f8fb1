"""API: the Cognito user pool and the Chalice REST API, with the handler's grants."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.access import API_ACCESS, grant
from infra.components.chalice_api import ChaliceApi
from infra.components.functions import data_image
from infra.components.user_directory import UserDirectory
from infra.constants import Settings
from infra.stacks.pipeline import PipelineStack
from infra.stacks.storage import StorageStack
from wandr.resources import Resources


class ApiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        storage: StorageStack,
        pipeline: PipelineStack,
        **kwargs: Any,
    ) -> None:
        """The dashboard's CloudFront serves this API at /api (same origin, no CORS needed)."""
        super().__init__(scope, construct_id, **kwargs)
        resources = settings.resources()
        self.users = UserDirectory(
            self,
            "Users",
            user_pool_name=resources.user_pool_name,
            removal_policy=settings.removal_policy,
        )
        environment = {
            **resources.lambda_environment(),
            "WANDR_USER_POOL_ID": self.users.user_pool.user_pool_id,
            "WANDR_USER_POOL_CLIENT_ID": self.users.client.user_pool_client_id,
            "WANDR_ATHENA_WORKGROUP": resources.athena_workgroup,
            "WANDR_CORSIGHT_PULL_FUNCTION": pipeline.functions["corsight_pull"].function_name,
            "POWERTOOLS_SERVICE_NAME": "wandr-api",
        }
        self.api = ChaliceApi(self, "Api", environment=environment, image=data_image(self, "Image"))
        self._grant(resources, storage)
        # An admin's "pull now" invokes the scheduled pull function asynchronously.
        pipeline.functions["corsight_pull"].grant_invoke(self.api.role)
        CfnOutput(self, "UserPoolId", value=self.users.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.users.client.user_pool_client_id)

    @property
    def domain(self) -> str:
        """The REST API's execute-api host name (CloudFront's /api/* origin)."""
        return f"{self.api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}"

    def _grant(self, resources: Resources, storage: StorageStack) -> None:
        role = self.api.role
        grant(API_ACCESS, role, buckets=storage.buckets, tables=storage.tables)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="AthenaQueries",
                actions=[
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                    "athena:GetWorkGroup",
                ],
                resources=[
                    self.format_arn(
                        service="athena",
                        resource="workgroup",
                        resource_name=resources.athena_workgroup,
                    )
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="LakeCatalogRead",
                actions=[
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                ],
                resources=[
                    self.format_arn(service="glue", resource="catalog"),
                    self.format_arn(
                        service="glue", resource="database", resource_name=resources.glue_database
                    ),
                    self.format_arn(
                        service="glue",
                        resource="table",
                        resource_name=f"{resources.glue_database}/*",
                    ),
                ],
            )
        )
