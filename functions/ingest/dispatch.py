"""SQS -> one Step Functions execution per uploaded object.

Each SQS message carries an EventBridge "Object Created" event for the raw bucket. The
execution name is derived from (bucket, key, etag), so however often S3 announces an object
or SQS redelivers a message, StartExecution runs the workflow once per object version.
Messages that cannot be dispatched are reported as batch item failures: SQS redelivers
them and, after maxReceiveCount attempts, moves them to the DLQ.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from wandr import dispatch

logger = Logger(service="wandr-dispatch")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> dict[str, Any]:
    started = dispatch.start_workflow(json.loads(record.body))
    logger.info("dispatched", extra=started)
    return started


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
