"""Schedule: per-tenant Corsight secrets and pull schedules."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from infra.components.corsight_schedules import CorsightSchedules
from infra.constants import Settings
from infra.stacks.pipeline import PipelineStack


class ScheduleStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        pipeline: PipelineStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        resources = settings.resources()
        self.corsight = CorsightSchedules(
            self,
            "Corsight",
            tenants=settings.tenants,
            secret_prefix=resources.corsight_secret_prefix,
            group_name=f"{settings.prefix}-corsight",
            pull=pipeline.functions["corsight_pull"],
            rate=settings.corsight_pull_rate,
            removal_policy=settings.removal_policy,
        )
