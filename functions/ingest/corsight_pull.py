"""EventBridge Scheduler -> pull one tenant's new Corsight events into the raw bucket.

The schedule's input is `{"tenant": "<id>"}`. Failures are recorded in the tenant's pull
state by `run_pull` and re-raised, so the invocation fails visibly (metrics, alarms) and the
scheduler's retry policy applies.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from wandr.corsight.pull import run_pull

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    tenant = event.get("tenant") if isinstance(event, dict) else None
    if not isinstance(tenant, str) or not tenant:
        raise ValueError('the schedule input must be {"tenant": "<tenant id>"}')
    logger.append_keys(tenant=tenant)
    result = run_pull(tenant)
    logger.info("pulled", extra={"events": result.events, "objects": len(result.objects)})
    return result.to_dict()
