"""The Wandr CDK app: `cdk synth` / `cdk deploy --all` run this file (see cdk.json).

Stacks, in deployment order, and what each holds:
  storage     data buckets, DynamoDB tables, Glue database/tables, Athena workgroup/views
  vision      SageMaker Processing image and execution role
  pipeline    every Lambda, EventBridge rule -> SQS (+DLQ) -> dispatch, the two workflows
  api         Cognito user pool and the Chalice REST API
  web         dashboard bucket + CloudFront (which also serves the API at /api/*)
  schedule    per-tenant Corsight secrets and pull schedules
  monitoring  alarm topic, alarms, dashboard
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Node 20 works but jsii prints an end-of-life banner on every synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `python infra/app.py` puts only infra/ on the path
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402

from infra.constants import Settings  # noqa: E402
from infra.stacks.api import ApiStack  # noqa: E402
from infra.stacks.monitoring import MonitoringStack  # noqa: E402
from infra.stacks.pipeline import PipelineStack  # noqa: E402
from infra.stacks.schedule import ScheduleStack  # noqa: E402
from infra.stacks.storage import StorageStack  # noqa: E402
from infra.stacks.vision import VisionStack  # noqa: E402
from infra.stacks.web import WebStack  # noqa: E402


@dataclass(frozen=True)
class WandrStacks:
    storage: StorageStack
    vision: VisionStack
    pipeline: PipelineStack
    web: WebStack
    api: ApiStack
    schedule: ScheduleStack
    monitoring: MonitoringStack

    @property
    def all(self) -> tuple[cdk.Stack, ...]:
        return (
            self.storage,
            self.vision,
            self.pipeline,
            self.web,
            self.api,
            self.schedule,
            self.monitoring,
        )


def build(app: cdk.App, settings: Settings | None = None) -> WandrStacks:
    """Add every Wandr stack to `app`; settings default to the app's context."""
    settings = settings or Settings.from_context(app.node.try_get_context)
    env = cdk.Environment(account=settings.account, region=settings.region)

    def name(component: str) -> dict[str, Any]:
        return {
            "stack_name": f"{settings.prefix}-{component}",
            "env": env,
            "description": f"Wandr {component} ({settings.prefix})",
        }

    storage = StorageStack(app, "Storage", settings=settings, **name("storage"))
    vision = VisionStack(app, "Vision", settings=settings, storage=storage, **name("vision"))
    pipeline = PipelineStack(
        app, "Pipeline", settings=settings, storage=storage, vision=vision, **name("pipeline")
    )
    api = ApiStack(app, "Api", settings=settings, storage=storage, pipeline=pipeline, **name("api"))
    web = WebStack(app, "Web", settings=settings, api_domain=api.domain, **name("web"))
    schedule = ScheduleStack(
        app, "Schedule", settings=settings, pipeline=pipeline, **name("schedule")
    )
    monitoring = MonitoringStack(
        app, "Monitoring", settings=settings, pipeline=pipeline, **name("monitoring")
    )
    stacks = WandrStacks(storage, vision, pipeline, web, api, schedule, monitoring)
    for stack in stacks.all:
        for key, value in settings.tags.items():
            cdk.Tags.of(stack).add(key, value)
    return stacks


def main() -> None:
    app = cdk.App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
