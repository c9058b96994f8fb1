"""Raw bucket "Object Created" events -> SQS (with a DLQ) -> the dispatch Lambda.

EventBridge sees every completed object, multipart included. The queue in between absorbs
bursts, retries a failed dispatch, and parks a message that keeps failing in the DLQ after
`Resources.max_receive_count` deliveries instead of losing it; dispatch reports per-message
failures so one bad object does not redeliver its whole batch.
"""

from __future__ import annotations

from aws_cdk import (
    Duration,
)
from aws_cdk import (
    aws_events as events,
)
from aws_cdk import (
    aws_events_targets as targets,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_lambda_event_sources as sources,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import (
    aws_sqs as sqs,
)
from constructs import Construct

from wandr.resources import Resources


class IngestQueue(Construct):
    """The rule, the queue and its DLQ, and the queue's event source on `dispatch`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        raw_bucket: s3.IBucket,
        dispatch: lambda_.IFunction,
        dispatch_timeout: Duration,
        max_concurrency: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=resources.ingest_dlq,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=resources.ingest_queue,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # AWS advice for Lambda sources: at least six times the function timeout.
            visibility_timeout=Duration.seconds(6 * dispatch_timeout.to_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=resources.max_receive_count
            ),
        )
        self.rule = events.Rule(
            self,
            "RawObjectCreated",
            description="New raw uploads go to the ingest queue",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [raw_bucket.bucket_name]}},
            ),
            targets=[targets.SqsQueue(self.queue)],
        )
        dispatch.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
                max_concurrency=max_concurrency,
            )
        )
