"""Admin routes for Corsight pulls: start one now, see the tenant's pull state.

A pull can outlast API Gateway's 29 s limit, so the route does not run it: it invokes the
same `corsight_pull` Lambda the schedule invokes, asynchronously, and answers 202. The
tenant always comes from the caller's token.
"""

from __future__ import annotations

import json
import os

from pydantic import BaseModel

from wandr import aws
from wandr.corsight import state
from wandr.resources import Resources


class PullStarted(BaseModel):
    tenant: str
    function: str
    status_code: int


class PullStatus(BaseModel):
    tenant: str
    cursor: str | None = None
    pending_to: str | None = None
    pending_count: int | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    last_upload_id: str | None = None
    events_total: int = 0
    updated_at: str | None = None


def pull_function_name() -> str:
    return os.environ.get(
        "WANDR_CORSIGHT_PULL_FUNCTION", Resources().function_name("corsight_pull")
    )


def start_pull(tenant: str) -> PullStarted:
    name = pull_function_name()
    response = aws.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"tenant": tenant}).encode()
    )
    return PullStarted(tenant=tenant, function=name, status_code=int(response["StatusCode"]))


def status(tenant: str) -> PullStatus:
    return PullStatus.model_validate(state.load(tenant).to_dict())
