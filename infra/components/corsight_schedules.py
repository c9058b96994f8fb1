"""Per tenant: a secret with its Corsight credentials and a schedule that pulls new events.

EventBridge Scheduler invokes the corsight_pull Lambda with `{"tenant": ...}` every N
minutes; the pull writes into the raw bucket and the normal ingest pipeline takes over.
The scheduler's role may invoke that one function and nothing else. Secrets are created
with a placeholder the operator replaces (`aws secretsmanager put-secret-value`); the
values never appear in code, templates or logs.
"""

from __future__ import annotations

import json

from aws_cdk import (
    Duration,
    RemovalPolicy,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_scheduler as scheduler,
)
from aws_cdk import (
    aws_scheduler_targets as scheduler_targets,
)
from aws_cdk import (
    aws_secretsmanager as secretsmanager,
)
from constructs import Construct

# What the pull expects in the secret; the password is generated and must be replaced.
SECRET_TEMPLATE = {"base_url": "https://corsight.example.invalid", "username": "change-me"}


class CorsightSchedules(Construct):
    """One secret and one schedule per tenant, in one schedule group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenants: tuple[str, ...],
        secret_prefix: str,
        group_name: str,
        pull: lambda_.IFunction,
        rate: Duration,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.ScheduleGroup(
            self, "Group", schedule_group_name=group_name, removal_policy=RemovalPolicy.DESTROY
        )
        self.secrets: dict[str, secretsmanager.Secret] = {}
        self.schedules: dict[str, scheduler.Schedule] = {}
        for tenant in tenants:
            self.secrets[tenant] = secretsmanager.Secret(
                self,
                f"Secret-{tenant}",
                secret_name=f"{secret_prefix}{tenant}",
                description=f"Corsight API credentials for tenant {tenant}",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template=json.dumps(SECRET_TEMPLATE),
                    generate_string_key="password",
                ),
                removal_policy=removal_policy,
            )
            self.schedules[tenant] = scheduler.Schedule(
                self,
                f"Pull-{tenant}",
                schedule_name=f"corsight-pull-{tenant}",
                description=f"Pull new Corsight events for tenant {tenant}",
                schedule_group=self.group,
                schedule=scheduler.ScheduleExpression.rate(rate),
                time_window=scheduler.TimeWindow.flexible(Duration.minutes(1)),
                target=scheduler_targets.LambdaInvoke(
                    pull,
                    input=scheduler.ScheduleTargetInput.from_object({"tenant": tenant}),
                    retry_attempts=2,
                    max_event_age=rate,
                ),
            )
