"""The SageMaker side of the vision workflow: its container image and execution role.

The image (containers/vision/Dockerfile, built from the repository root) is a
`DockerImageAsset`: synth only stages the few files the Dockerfile copies, `cdk deploy`
builds and pushes it. The role is what the Processing job runs as; the workflow passes it
(`iam:PassRole`), and the bucket grants it needs are wired in the vision stack.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Aws,
    IgnoreMode,
)
from aws_cdk import (
    aws_ecr_assets as ecr_assets,
)
from aws_cdk import (
    aws_iam as iam,
)
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = "containers/vision/Dockerfile"
# The Dockerfile copies only these from the repository root.
IMAGE_EXCLUDES = ["*", "!wandr", "!containers/vision", "**/__pycache__", "**/*.pyc"]


class VisionProcessing(Construct):
    """Image asset + SageMaker execution role (logs, image pull; the stack grants buckets)."""

    def __init__(self, scope: Construct, construct_id: str, *, instance_type: str) -> None:
        super().__init__(scope, construct_id)
        dockerfile = REPO_ROOT / DOCKERFILE
        if not dockerfile.is_file():
            raise FileNotFoundError(f"{DOCKERFILE} is missing: the vision image cannot be staged")
        self.instance_type = instance_type
        self.image = ecr_assets.DockerImageAsset(
            self,
            "Image",
            directory=str(REPO_ROOT),
            file=DOCKERFILE,
            exclude=IMAGE_EXCLUDES,
            ignore_mode=IgnoreMode.DOCKER,
            platform=ecr_assets.Platform.LINUX_AMD64,
        )
        self.role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Wandr vision Processing jobs: read videos, write results, pull the image",
        )
        self.image.repository.grant_pull(self.role)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ProcessingJobLogs",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                resources=[
                    f"arn:aws:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:"
                    "/aws/sagemaker/ProcessingJobs*"
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ProcessingJobMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            )
        )

    @property
    def environment(self) -> dict[str, str]:
        """What the vision Lambdas need to build a Processing job request."""
        return {
            "WANDR_VISION_IMAGE_URI": self.image.image_uri,
            "WANDR_VISION_ROLE_ARN": self.role.role_arn,
            "WANDR_VISION_INSTANCE_TYPE": self.instance_type,
        }
