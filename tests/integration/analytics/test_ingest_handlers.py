"""The three ingest handlers end to end on the local stack's S3 and DynamoDB, in-process:
validate -> normalise -> aggregate, re-ingest replaces, incremental equals full recompute."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from functions.dwell import aggregate
from functions.ingest import normalise, validate
from wandr import aggregate_store, aws
from wandr.demo_data import write_events_csv
from wandr.validation.report import InvalidUpload

HEADER = "event_id,person_id,camera_id,camera_group_id,utc_time_started,utc_time_ended\n"


def _upload(
    stack: Any,
    tenant: str,
    upload_id: str,
    body: str,
    kind: str = "csv",
    filename: str = "events.csv",
    through_pipeline: bool = False,
) -> dict[str, Any]:
    """Put a raw file where the handlers read it. Only `through_pipeline` uses the raw bucket,
    whose objects start the real workflow: that would race the in-process handler runs."""
    if through_pipeline:
        bucket = stack.resources.raw_bucket
        key = f"tenant={tenant}/kind={kind}/upload={upload_id}/{filename}"
    else:
        bucket = stack.resources.results_bucket
        key = f"handler-tests/tenant={tenant}/kind={kind}/upload={upload_id}/{filename}"
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body.encode())
    return {
        "tenant": tenant,
        "upload_id": upload_id,
        "kind": kind,
        "bucket": bucket,
        "key": key,
        "etag": "x",
        "size": len(body.encode()),
    }


def _run(state: dict[str, Any]) -> dict[str, Any]:
    state = dict(state)
    state["validation"] = {"report": validate.handler(state)}
    state["normalised"] = {"commit": normalise.handler(state)}
    state["aggregated"] = {"summary": aggregate.handler(state)}
    return state


def _site(tenant: str, day: str) -> aggregate_store.Cell:
    cells = [c for c in aggregate_store.load(tenant, day, day, "site")]
    assert len(cells) == 1
    return cells[0]


def test_a_clean_csv_flows_through_validate_normalise_and_aggregate(stack: Any) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    body = HEADER + (
        "e1,p1,c1,g1,2024-03-01T10:00:00Z,2024-03-01T10:02:00Z\n"
        "e2,p2,c1,g1,2024-03-01T10:01:00Z,2024-03-01T10:03:30Z\n"
        "e3,p1,c2,g1,1709290800,1709290860\n"
    )
    state = _run(_upload(stack, tenant, "u1", body))
    assert state["validation"]["report"]["rows_good"] == 3
    assert state["normalised"]["commit"]["days"] == ["2024-03-01"]
    site = _site(tenant, "2024-03-01")
    assert (site.events, site.visitors) == (3, 2)
    assert site.dwell_sum_s == pytest.approx(120 + 150 + 60)
    assert int(site.occupancy[600 + 1]) == 2  # 10:01 both p1 and p2 are in


def test_reingesting_the_same_upload_replaces_its_rows(stack: Any) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    first = HEADER + "e1,p1,c1,g1,2024-03-01T10:00:00Z,2024-03-01T10:02:00Z\n"
    _run(_upload(stack, tenant, "u1", first))
    _run(_upload(stack, tenant, "u1", first))
    assert _site(tenant, "2024-03-01").events == 1
    moved = HEADER + "e1,p1,c1,g1,2024-03-02T10:00:00Z,2024-03-02T10:02:00Z\n"
    _run(_upload(stack, tenant, "u1", moved))
    assert list(aggregate_store.load(tenant, "2024-03-01", "2024-03-01")) == []
    assert _site(tenant, "2024-03-02").events == 1


def test_a_file_with_no_usable_rows_fails_with_the_reason_and_stores_the_report(stack: Any) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    state = _upload(stack, tenant, "bad", HEADER + "e1,,c1,g1,yesterday,tomorrow\n")
    with pytest.raises(InvalidUpload, match="no usable rows"):
        validate.handler(state)
    key = f"reports/tenant={tenant}/upload=bad.json"
    body = aws.client("s3").get_object(Bucket=stack.resources.results_bucket, Key=key)["Body"]
    report = json.loads(body.read())
    assert report["status"] == "failed"
    assert report["bad_rows"][0]["line"] == 2


def test_an_incremental_upload_gives_the_same_cells_as_a_full_recompute(stack: Any) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    a = HEADER + (
        "e1,p1,c1,g1,2024-03-01T10:00:00Z,2024-03-01T10:02:00Z\n"
        "e2,p2,c2,g1,2024-03-02T11:00:00Z,2024-03-02T11:20:00Z\n"
    )
    b = HEADER + "e3,p1,c1,g1,2024-03-01T18:00:00Z,2024-03-01T18:05:00Z\n"
    _run(_upload(stack, tenant, "a", a))
    _run(_upload(stack, tenant, "b", b))
    incremental = {
        (c.dt, c.level, c.key): (c.events, c.visitors, c.dwell_sum_s)
        for c in aggregate_store.load(tenant)
    }
    other = f"t{uuid.uuid4().hex[:8]}"
    _run(_upload(stack, other, "ab", a + b.removeprefix(HEADER)))
    full = {
        (c.dt, c.level, c.key): (c.events, c.visitors, c.dwell_sum_s)
        for c in aggregate_store.load(other)
    }
    assert incremental == full
    assert incremental[("2024-03-01", "site", "site")][0] == 2


def test_an_insight_report_lands_in_its_table_and_in_the_crowd_counts(stack: Any) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    _run(
        _upload(
            stack, tenant, "ev", HEADER + "e1,p1,c1,g1,2024-03-01T10:00:00Z,2024-03-01T10:30:00Z\n"
        )
    )
    insights = [
        {
            "event_id": "i1",
            "person_id": "p1",
            "camera_id": "c1",
            "utc_time_recorded": "2024-03-01T10:10:30Z",
            "loitering_duration": 600,
            "gender": "male",
            "age_group": "25-34",
        }
    ]
    _run(_upload(stack, tenant, "ins", json.dumps(insights), kind="insight", filename="crowd.json"))
    cells = {c.key: c for c in aggregate_store.load(tenant, level="camera")}
    assert cells["c1"].crowd_events == 1
    assert cells["c1"].hourly_crowd[10] == 1


def _execution_for(stack: Any, tenant: str) -> dict[str, Any]:
    sfn = stack.aws("stepfunctions")
    arn = stack.resources.state_machine_arn(stack.resources.ingest_state_machine)
    for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if json.loads(described["input"]).get("tenant") == tenant:
            return described
    raise AssertionError(f"no ingest execution for tenant {tenant}")


def _cells(tenant: str) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    return {
        (c.dt, c.level, c.key): (
            c.events,
            c.visitors,
            round(c.dwell_sum_s, 3),
            tuple(c.hourly_events),
            c.gender,
            c.dwell_values.tolist(),
            c.dwell_counts.tolist(),
            c.occupancy.tolist(),
        )
        for c in aggregate_store.load(tenant)
    }


def test_a_file_over_the_split_threshold_runs_a_distributed_map_and_equals_one_pass(
    stack: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write_events_csv(tmp_path / "split.csv", 200, seed=5)
    body = path.read_text()
    body += body.splitlines()[3] + "\n"  # a duplicate event_id in the last chunk
    single, many = f"t{uuid.uuid4().hex[:8]}", f"t{uuid.uuid4().hex[:8]}"
    _upload(stack, single, "one", body, through_pipeline=True)
    stack.wait_idle()
    monkeypatch.setenv("WANDR_SPLIT_THRESHOLD_BYTES", "4000")
    monkeypatch.setenv("WANDR_SPLIT_CHUNK_BYTES", "8000")
    _upload(stack, many, "many", body, through_pipeline=True)
    stack.wait_idle()
    monkeypatch.delenv("WANDR_SPLIT_THRESHOLD_BYTES")
    execution = _execution_for(stack, many)
    assert execution["status"] == "SUCCEEDED", execution.get("error")
    sfn = stack.aws("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in events["events"]
        if "stateEnteredEventDetails" in e
    ]
    assert "ValidateChunks" in entered and "MergeChunks" in entered
    output = json.loads(execution["output"])
    assert output["validation"]["report"]["chunks"] > 2
    assert output["validation"]["report"]["duplicates"] >= 1
    one = json.loads(_execution_for(stack, single)["output"])["validation"]["report"]
    assert {
        k: v for k, v in output["validation"]["report"].items() if k not in ("chunks", "upload_id")
    } == {k: v for k, v in one.items() if k != "upload_id"}
    assert _cells(many) == _cells(single)
    assert len(_cells(single)) > 10
