"""Vision: the SageMaker Processing image and the role its jobs run as."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from infra.access import VISION_JOB_ACCESS, grant
from infra.components.vision import VisionProcessing
from infra.constants import Settings
from infra.stacks.storage import StorageStack


class VisionStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        storage: StorageStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.processing = VisionProcessing(
            self, "Processing", instance_type=settings.vision_instance_type
        )
        grant(
            VISION_JOB_ACCESS, self.processing.role, buckets=storage.buckets, tables=storage.tables
        )
