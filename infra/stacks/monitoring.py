"""Monitoring: alarms on the DLQ, the workflows and every Lambda, plus a dashboard."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from infra.components.monitoring import Monitoring
from infra.constants import Settings
from infra.stacks.pipeline import PipelineStack


class MonitoringStack(Stack):
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
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            dashboard_name=f"{settings.prefix}-pipeline",
            dead_letters=pipeline.ingest_queue.dead_letters,
            state_machines={
                "ingest": pipeline.ingest.state_machine,
                "vision": pipeline.vision.state_machine,
            },
            functions=pipeline.functions.by_id,
            alarm_email=settings.alarm_email,
        )
