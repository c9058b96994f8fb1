"""From an S3 "Object Created" event to the workflow that processes the object."""

from __future__ import annotations

import json
import os
from typing import Any

from wandr import aws, rawkeys, uploads
from wandr.resources import Resources

_WORKFLOW_ENV = {
    "csv": "WANDR_INGEST_STATE_MACHINE_ARN",
    "insight": "WANDR_INGEST_STATE_MACHINE_ARN",
    "video": "WANDR_VISION_STATE_MACHINE_ARN",
}


class NotAnObjectCreatedEvent(ValueError):
    """The message is not an EventBridge S3 Object Created event."""


def parse_object_created(event: dict[str, Any]) -> dict[str, Any]:
    """Bucket, key, etag and size from an EventBridge S3 Object Created event."""
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        raise NotAnObjectCreatedEvent(
            f"expected an aws.s3 'Object Created' event, got source={event.get('source')!r} "
            f"detail-type={event.get('detail-type')!r}"
        )
    detail = event.get("detail") or {}
    try:
        obj = detail["object"]
        # AWS sends "etag"; moto 5.2 sends "eTag". Without one, repeats could not be told apart.
        etag = str(obj.get("etag") or obj.get("eTag") or "").strip('"')
        if not etag:
            raise NotAnObjectCreatedEvent("Object Created event without an etag")
        return {
            "bucket": detail["bucket"]["name"],
            "key": obj["key"],
            "etag": etag,
            "size": int(obj.get("size", 0)),
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise NotAnObjectCreatedEvent(f"Object Created event without {exc}") from exc


def state_machine_for(kind: str) -> str:
    default = Resources()
    defaults = {
        "WANDR_INGEST_STATE_MACHINE_ARN": default.state_machine_arn(default.ingest_state_machine),
        "WANDR_VISION_STATE_MACHINE_ARN": default.state_machine_arn(default.vision_state_machine),
    }
    variable = _WORKFLOW_ENV[kind]
    return os.environ.get(variable, defaults[variable])


def start_workflow(event: dict[str, Any]) -> dict[str, Any]:
    """Start the object's workflow once; a repeated delivery is recognised and skipped."""
    obj = parse_object_created(event)
    raw = rawkeys.parse(obj["key"])
    name = rawkeys.execution_name(obj["bucket"], obj["key"], obj["etag"])
    workflow_input = {"tenant": raw.tenant, "upload_id": raw.upload_id, "kind": raw.kind, **obj}
    sfn = aws.client("stepfunctions")
    state_machine = state_machine_for(raw.kind)
    try:
        execution_arn = sfn.start_execution(
            stateMachineArn=state_machine,
            name=name,
            input=json.dumps(workflow_input, separators=(",", ":")),
        )["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        return {"execution": name, "duplicate": True, **workflow_input}
    uploads.advance(
        raw.tenant,
        raw.upload_id,
        "processing",
        execution_arn=execution_arn,
        error=None,
        defaults={
            "kind": raw.kind,
            "filename": raw.filename,
            "key": obj["key"],
            "size": obj["size"],
        },
    )
    return {"execution": name, "duplicate": False, **workflow_input}
