"""Every Lambda function in `wandr.resources.FUNCTIONS`, served from one container image.

The data functions need pyarrow, duckdb and polars, far past the 250 MB zip limit, so they
ship as one image (functions/Dockerfile) and each function only changes the CMD to its
handler path. The image is a `DockerImageAsset` of the repository root filtered by
functions/.dockerignore: synth stages a few hundred kilobytes of source and needs no Docker
daemon; `cdk deploy` builds and pushes the image.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import (
    Duration,
    IgnoreMode,
    Size,
)
from aws_cdk import (
    aws_ecr_assets as ecr_assets,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_logs as logs,
)
from constructs import Construct

from wandr.resources import FunctionSpec, Resources

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = "functions/Dockerfile"
DOCKERIGNORE = REPO_ROOT / "functions" / ".dockerignore"


def image_excludes() -> list[str]:
    """The patterns of functions/.dockerignore, the one list of what the image may contain."""
    lines = DOCKERIGNORE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def data_image(scope: Construct, construct_id: str) -> ecr_assets.DockerImageAsset:
    """The image every data Lambda (and the API handler) runs; same source, same asset hash."""
    return ecr_assets.DockerImageAsset(
        scope,
        construct_id,
        directory=str(REPO_ROOT),
        file=DOCKERFILE,
        exclude=image_excludes(),
        ignore_mode=IgnoreMode.DOCKER,
        platform=ecr_assets.Platform.LINUX_AMD64,
    )


class Functions(Construct):
    """One `DockerImageFunction` per FunctionSpec, named by `Resources.function_name`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        specs: tuple[FunctionSpec, ...],
        extra_environment: Mapping[str, Mapping[str, str]],
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.image = data_image(self, "Image")
        environment = resources.lambda_environment()
        self.by_id: dict[str, lambda_.DockerImageFunction] = {}
        for spec in specs:
            env = {**environment, **extra_environment.get(spec.logical_id, {})}
            self.by_id[spec.logical_id] = self._function(spec, resources, env, log_retention)

    def __getitem__(self, logical_id: str) -> lambda_.DockerImageFunction:
        return self.by_id[logical_id]

    def _function(
        self,
        spec: FunctionSpec,
        resources: Resources,
        environment: dict[str, str],
        log_retention: logs.RetentionDays,
    ) -> lambda_.DockerImageFunction:
        construct_id = "".join(part.capitalize() for part in spec.logical_id.split("_"))
        name = resources.function_name(spec.logical_id)
        log_group = logs.LogGroup(
            self,
            f"{construct_id}Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=log_retention,
        )
        return lambda_.DockerImageFunction(
            self,
            construct_id,
            function_name=name,
            description=spec.description,
            code=lambda_.DockerImageCode.from_ecr(
                self.image.repository,
                tag_or_digest=self.image.image_tag,
                cmd=[spec.handler],
            ),
            architecture=lambda_.Architecture.X86_64,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            ephemeral_storage_size=_ephemeral_storage(spec),
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
        )


def _ephemeral_storage(spec: FunctionSpec) -> Size:
    """Big functions stage Parquet and video in /tmp; give them room beyond the 512 MB default."""
    if spec.ephemeral_mb is not None:
        return Size.mebibytes(spec.ephemeral_mb)
    return Size.mebibytes(4096 if spec.memory_mb >= 1024 else 512)
