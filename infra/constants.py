"""Deployment settings: the only values that differ between one Wandr deployment and another.

Everything else (names, sizes, wiring) comes from `wandr.resources`, so the CDK app and the
local stack cannot drift apart. Each setting has a default here and may be overridden by a
CDK context key (`cdk.json`, or `cdk deploy -c wandr:tenants='["acme"]'`), which keeps one
code path for every environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs

from wandr.resources import Resources

CONTEXT_PREFIX = "wandr:"


@dataclass(frozen=True)
class Settings:
    """One deployment's settings; field names match the `wandr:<camelCase>` context keys."""

    prefix: str = "wandr"
    # None means "environment-agnostic": names are built from the AWS::AccountId/Region tokens.
    account: str | None = None
    region: str | None = None
    # Tenants that get a Corsight secret and a pull schedule.
    tenants: tuple[str, ...] = ()
    corsight_pull_minutes: int = 15
    # Optional e-mail subscribed to the alarm topic.
    alarm_email: str | None = None
    billing_mode: str = "PAY_PER_REQUEST"
    # Most concurrent dispatch invocations the SQS event source may start.
    dispatch_max_concurrency: int = 10
    vision_instance_type: str = "ml.g4dn.xlarge"
    # A CloudWatch Logs retention period, as named by aws_logs.RetentionDays.
    log_retention: str = "ONE_MONTH"
    # Days before raw uploads move to Infrequent Access and to Glacier; results expire.
    raw_ia_days: int = 30
    raw_glacier_days: int = 180
    results_expire_days: int = 30
    # Keep data buckets and tables when a stack is deleted (set false for throw-away envs).
    retain_data: bool = True
    # Athena bytes-scanned cutoff per query for the analysts' workgroup (10 GiB).
    athena_bytes_cutoff: int = 10 * 1024**3
    tags: dict[str, str] = field(default_factory=lambda: {"app": "wandr"})

    @classmethod
    def from_context(cls, get: Any) -> Settings:
        """Build settings from `get(key)` (a node's try_get_context); unset keys keep defaults."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = get(CONTEXT_PREFIX + _camel(f.name))
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, raw, getattr(cls(), f.name))
        return cls(**values)

    # --- derived values ---------------------------------------------------------------
    def resources(self) -> Resources:
        """Physical names: account/region are real values or CloudFormation pseudo-parameters."""
        account = self.account or Aws.ACCOUNT_ID
        region = self.region or Aws.REGION
        return Resources(
            prefix=self.prefix,
            account=account,
            region=region,
            extra_env={"WANDR_ACCOUNT": account},
        )

    @property
    def removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY

    @property
    def dynamodb_billing(self) -> dynamodb.BillingMode:
        return dynamodb.BillingMode[self.billing_mode]

    @property
    def log_retention_days(self) -> logs.RetentionDays:
        return logs.RetentionDays[self.log_retention]

    @property
    def corsight_pull_rate(self) -> Duration:
        return Duration.minutes(self.corsight_pull_minutes)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _coerce(name: str, raw: Any, default: Any) -> Any:
    """Context values arrive as JSON from cdk.json or as strings from `-c key=value`."""
    key = CONTEXT_PREFIX + _camel(name)
    if isinstance(raw, str) and not isinstance(default, str) and default is not None:
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError(f"context {key} must be JSON, got {raw!r}") from None
    if isinstance(default, tuple):
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ValueError(f"context {key} must be a list of strings")
        return tuple(raw)
    if isinstance(default, bool):
        return bool(raw)
    if isinstance(default, int):
        return int(raw)
    return raw
