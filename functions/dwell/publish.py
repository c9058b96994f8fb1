"""Record a workflow's outcome on the upload: succeeded with its report, or failed and why."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from wandr import outcomes

logger = Logger(service="wandr-status")


@logger.inject_lambda_context
def record_status(event: dict[str, Any], context: Any) -> dict[str, Any]:
    upload = outcomes.record(event)
    logger.info(
        "upload status recorded", extra={"upload_id": upload.upload_id, "status": upload.status}
    )
    return {"upload_id": upload.upload_id, "status": upload.status, "error": upload.error}
