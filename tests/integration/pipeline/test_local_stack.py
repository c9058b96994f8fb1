"""The vertical slice on the embedded local stack: upload -> EventBridge -> SQS -> dispatch
-> the real ASL ingest workflow -> our handlers -> status, seen through API, CLI and the
Step Functions API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wandr import rawkeys
from wandr.client import WandrClient

GOOD_CSV = (
    "event_id,person_id,camera_id,camera_group_name,utc_time_started,utc_time_ended\n"
    "e1,p1,cam-1,Atrium,2026-11-01T10:00:00Z,2026-11-01T10:05:00Z\n"
    "e2,p2,cam-1,Atrium,2026-11-01T10:01:00Z,2026-11-01T10:21:00Z\n"
    "e3,p1,cam-2,Food court,2026-11-01T11:00:00Z,2026-11-01T11:30:00Z\n"
)
BROKEN_CSV = "camera_id,zone_name\ncam-1,Atrium\ncam-2,Food court\n"


def _history(stack, execution_arn: str) -> list[dict]:
    sfn = stack.aws("stepfunctions")
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def _entered_states(events: list[dict]) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def _executions(stack, name: str | None = None) -> list[dict]:
    arn = stack.resources.state_machine_arn(stack.resources.ingest_state_machine)
    executions = stack.aws("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    return [e for e in executions if name is None or e["name"] == name]


def test_an_uploaded_csv_runs_through_the_real_ingest_workflow_and_succeeds(stack, tmp_path):
    client = stack.client()
    path = tmp_path / "cameras.csv"
    path.write_text(GOOD_CSV)

    upload = client.wait(client.upload(path)["upload_id"], timeout=120)

    assert upload["status"] == "succeeded", upload["error"]
    assert upload["execution_arn"]
    events = _history(stack, upload["execution_arn"])
    entered = _entered_states(events)
    # a small file takes the single-pass branch; the split (Distributed Map) is not entered
    assert [
        s for s in entered if s in ("Validate", "Normalise", "Aggregate", "RecordSucceeded")
    ] == ["Validate", "Normalise", "Aggregate", "RecordSucceeded"]
    assert not {"RecordFailed", "IngestFailed"} & set(entered)
    assert events[-1]["type"] == "ExecutionSucceeded"


def test_a_file_without_the_mandatory_columns_fails_through_the_catch_with_the_reason(
    stack, tmp_path
):
    client = stack.client()
    path = tmp_path / "no-person.csv"
    path.write_text(BROKEN_CSV)

    upload = client.wait(client.upload(path)["upload_id"], timeout=120)

    assert upload["status"] == "failed"
    assert "person_id" in upload["error"]
    events = _history(stack, upload["execution_arn"])
    assert _entered_states(events) == ["Validate", "RecordFailed", "IngestFailed"]
    assert events[-1]["type"] == "ExecutionFailed"


def test_the_same_object_announced_twice_starts_one_execution(stack):
    s3, sqs = stack.aws("s3"), stack.aws("sqs")
    bucket = stack.resources.raw_bucket
    key = str(rawkeys.RawKey("demo", "csv", "twice", "twice.csv"))
    body = GOOD_CSV.encode()
    etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
    stack.wait_idle()
    s3.put_object(Bucket=bucket, Key=key, Body=body)  # same bytes: same ETag, announced again
    redelivery = {  # and an SQS redelivery of the original announcement
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": bucket},
            "object": {"key": key, "size": len(body), "etag": etag.strip('"')},
        },
    }
    sqs.send_message(QueueUrl=stack.queues["queue_url"], MessageBody=json.dumps(redelivery))
    stack.wait_idle()

    name = rawkeys.execution_name(bucket, key, etag)
    assert len(_executions(stack, name)) == 1
    assert len([e for e in _executions(stack) if e["name"] == name]) == 1


def test_a_new_version_of_an_object_is_processed_again(stack):
    s3 = stack.aws("s3")
    bucket = stack.resources.raw_bucket
    key = str(rawkeys.RawKey("demo", "csv", "versions", "v.csv"))
    first = s3.put_object(Bucket=bucket, Key=key, Body=GOOD_CSV.encode())["ETag"]
    stack.wait_idle()
    second = s3.put_object(Bucket=bucket, Key=key, Body=(GOOD_CSV + GOOD_CSV[-60:]).encode())[
        "ETag"
    ]
    stack.wait_idle()

    names = {e["name"] for e in _executions(stack)}
    assert rawkeys.execution_name(bucket, key, first) in names
    assert rawkeys.execution_name(bucket, key, second) in names


def test_a_message_that_keeps_failing_lands_in_the_dlq(stack):
    sqs = stack.aws("sqs")
    dlq = stack.queues["dlq_url"]
    before = int(
        sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )
    sqs.send_message(QueueUrl=stack.queues["queue_url"], MessageBody="not an S3 event")

    deadline = time.monotonic() + 60
    count = before
    while time.monotonic() < deadline and count == before:
        time.sleep(0.5)
        count = int(
            sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
    assert count == before + 1
    message = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"]
    poisoned = [m for m in message if m["Body"] == "not an S3 event"]
    assert poisoned
    assert int(poisoned[0]["Attributes"]["ApproximateReceiveCount"]) >= (
        stack.resources.max_receive_count
    )


def test_moto_lambda_invocations_run_our_handler_in_process(stack):
    lam = stack.aws("lambda")
    response = lam.invoke(
        FunctionName=stack.resources.function_name("dispatch"),
        Payload=json.dumps({"Records": []}).encode(),
    )
    # moto without the adapter needs Docker, or echoes the payload back unchanged; only our
    # dispatch handler (powertools' batch processor) refuses an empty batch this way.
    payload = json.loads(response["Payload"].read())
    assert response.get("FunctionError") == "Handled"
    assert payload["errorType"] == "UnexpectedBatchTypeError"


def test_the_cli_shows_uploads_and_executions(stack, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from wandr import cli
    from wandr.localstack import stack as stack_module

    state_file = tmp_path / "stack.json"
    state_file.write_text(json.dumps(stack.local.describe()))
    monkeypatch.setattr(stack_module, "STATE_FILE", state_file)
    path = tmp_path / "via-cli.csv"
    path.write_text(GOOD_CSV.replace("e1,", "e9,"))

    uploaded = CliRunner().invoke(cli.app, ["upload", str(path)])
    listed = CliRunner().invoke(cli.app, ["status"])

    assert uploaded.exit_code == 0, uploaded.output
    assert "succeeded" in uploaded.output
    assert "via-cli.csv" in listed.output
    assert "SUCCEEDED" in listed.output


def test_an_upload_through_the_api_is_only_visible_to_its_tenant(stack, tmp_path):
    demo, acme = stack.client("demo"), stack.client("acme")
    path: Path = tmp_path / "private.csv"
    path.write_text(GOOD_CSV.replace("e1,", "e7,"))
    upload = demo.upload(path)

    assert upload["key"].startswith("tenant=demo/")
    with pytest.raises(Exception) as refused:
        acme.get_upload(upload["upload_id"])
    assert getattr(refused.value, "status", None) == 404
    assert isinstance(acme, WandrClient)


def test_uploads_are_listed_newest_first_whatever_their_ids(stack):
    s3 = stack.aws("s3")
    for upload_id in ("zzz-older", "aaa-newer"):  # ids sort the other way round
        key = str(rawkeys.RawKey("demo", "csv", upload_id, f"{upload_id}.csv"))
        s3.put_object(
            Bucket=stack.resources.raw_bucket,
            Key=key,
            Body=GOOD_CSV.replace("e1,", f"{upload_id},").encode(),
        )
        stack.wait_idle()

    listed = [u["upload_id"] for u in stack.client().list_uploads(200)]

    assert listed.index("aaa-newer") < listed.index("zzz-older")
