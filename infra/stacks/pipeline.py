"""Pipeline: the Lambdas, the ingest queue, and the ingest and vision workflows.

Every grant a pipeline function receives is made here, from infra/access.py, so this file
is the one place to read who may touch what.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.access import FUNCTION_ACCESS, grant
from infra.components.functions import Functions
from infra.components.ingest_queue import IngestQueue
from infra.components.workflows import Workflow, asl_path
from infra.constants import Settings
from infra.stacks.storage import StorageStack
from infra.stacks.vision import VisionStack
from wandr.resources import FUNCTIONS, FUNCTIONS_BY_ID, Resources

VISION_FUNCTIONS = ("vision_prepare", "vision_publish")


def function_placeholder(logical_id: str) -> str:
    """`vision_prepare` -> `VisionPrepareFunctionArn`, as in the ASL files."""
    return "".join(part.capitalize() for part in logical_id.split("_")) + "FunctionArn"


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        storage: StorageStack,
        vision: VisionStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        resources = settings.resources()
        vision_env = vision.processing.environment
        self.functions = Functions(
            self,
            "Functions",
            resources=resources,
            specs=FUNCTIONS,
            extra_environment={name: vision_env for name in VISION_FUNCTIONS},
            log_retention=settings.log_retention_days,
        )
        self.ingest_queue = IngestQueue(
            self,
            "IngestQueue",
            resources=resources,
            raw_bucket=storage.data.raw,
            dispatch=self.functions["dispatch"],
            dispatch_timeout=Duration.seconds(FUNCTIONS_BY_ID["dispatch"].timeout_s),
            max_concurrency=settings.dispatch_max_concurrency,
        )
        values = self._substitution_values(resources, storage, vision)
        by_placeholder = {
            function_placeholder(f.logical_id): self.functions[f.logical_id] for f in FUNCTIONS
        }
        self.ingest = Workflow(
            self,
            "Ingest",
            state_machine_name=resources.ingest_state_machine,
            asl_file=asl_path("ingest"),
            values=values,
            functions=by_placeholder,
            log_retention=settings.log_retention_days,
        )
        # Big uploads: Validate writes a chunk list the ingest workflow's Distributed Map reads.
        self.ingest.allow_distributed_map(storage.data.lake, "staging/*")
        self.vision = Workflow(
            self,
            "Vision",
            state_machine_name=resources.vision_state_machine,
            asl_file=asl_path("vision"),
            values=values,
            functions=by_placeholder,
            log_retention=settings.log_retention_days,
        )
        self._grant(resources, storage, vision)

    def _substitution_values(
        self, resources: Resources, storage: StorageStack, vision: VisionStack
    ) -> dict[str, str]:
        """A deployed value for every key of `Resources.definition_substitutions()`."""
        deployed = {
            "RawBucket": storage.data.raw.bucket_name,
            "LakeBucket": storage.data.lake.bucket_name,
            "ResultsBucket": storage.data.results.bucket_name,
            "UploadsTable": storage.table_set.uploads.table_name,
            "VisionJobRoleArn": vision.processing.role.role_arn,
        }
        values: dict[str, str] = {}
        for key in resources.definition_substitutions():
            if key.endswith("FunctionArn"):
                logical_id = next(
                    f.logical_id for f in FUNCTIONS if function_placeholder(f.logical_id) == key
                )
                values[key] = self.functions[logical_id].function_arn
            else:
                values[key] = deployed[key]
        return values

    def _grant(self, resources: Resources, storage: StorageStack, vision: VisionStack) -> None:
        unlisted = sorted(set(self.functions.by_id) - set(FUNCTION_ACCESS))
        if unlisted:
            raise ValueError(f"infra/access.py has no FUNCTION_ACCESS entry for {unlisted}")
        for logical_id, access in FUNCTION_ACCESS.items():
            fn = self.functions[logical_id]
            grant(access, fn, buckets=storage.buckets, tables=storage.tables)
            if access.start_workflows:
                self.ingest.state_machine.grant_start_execution(fn)
                self.vision.state_machine.grant_start_execution(fn)
            if access.corsight_secrets:
                fn.add_to_role_policy(
                    iam.PolicyStatement(
                        sid="ReadCorsightSecrets",
                        actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                        resources=[
                            self.format_arn(
                                service="secretsmanager",
                                resource="secret",
                                resource_name=f"{resources.corsight_secret_prefix}*",
                                arn_format=ArnFormat.COLON_RESOURCE_NAME,
                            )
                        ],
                    )
                )
        # The vision workflow starts and polls SageMaker Processing jobs named
        # `<prefix>-...`, passing them the vision execution role and no other.
        self.vision.role.add_to_policy(
            iam.PolicyStatement(
                sid="RunVisionProcessingJobs",
                actions=["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob"],
                resources=[
                    self.format_arn(
                        service="sagemaker",
                        resource="processing-job",
                        resource_name=f"{resources.prefix}-*",
                    )
                ],
            )
        )
        self.vision.role.add_to_policy(
            iam.PolicyStatement(
                sid="PassVisionRole",
                actions=["iam:PassRole"],
                resources=[vision.processing.role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
