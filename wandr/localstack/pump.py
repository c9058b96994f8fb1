"""Play the SQS -> Lambda event-source mapping that moto does not run.

In the cloud, Lambda polls the ingest queue and invokes the dispatch function with a
batch; messages the function reports as failed (ReportBatchItemFailures) or all of them
when it raises stay on the queue, become visible again, and after maxReceiveCount
deliveries SQS moves them to the DLQ. This pump does the same through the real SQS and
Lambda APIs of the moto server, so the retry and DLQ behaviour is SQS's own.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from wandr import aws

log = logging.getLogger(__name__)


class SqsPump:
    def __init__(self, queue_url: str, queue_arn: str, function_name: str, batch_size: int = 10):
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function_name = function_name
        self.batch_size = batch_size
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqs-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        sqs, lam = aws.client("sqs"), aws.client("lambda")
        while not self._stop.is_set():
            try:
                self.poll_once(sqs, lam)
            except Exception:  # the pump must survive a bad poll, as the real mapping does
                log.exception("sqs pump poll failed")
                self._stop.wait(1)

    def poll_once(self, sqs: Any, lam: Any) -> int:
        """Receive one batch and invoke the function with it; returns the batch size."""
        response = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        result = lam.invoke(FunctionName=self.function_name, Payload=json.dumps(event).encode())
        payload = json.loads(result["Payload"].read() or b"null")
        if result.get("FunctionError"):
            log.warning(
                "dispatch failed for a batch of %d: %s",
                len(messages),
                str((payload or {}).get("errorMessage", payload))[:300],
            )
            return len(messages)
        failed = {f["itemIdentifier"] for f in (payload or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        return len(messages)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {},
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": aws.region(),
        }
