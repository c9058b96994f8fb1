"""The scheduled Lambda: {"tenant": ...} in, the pull's result out."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from functions.ingest.corsight_pull import handler
from wandr.corsight.fake_server import RunningFakeCorsight

CONTEXT = SimpleNamespace(
    function_name="wandr-corsight-pull",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:wandr-corsight-pull",
    aws_request_id="req-1",
)


def test_the_schedule_event_pulls_the_tenant_and_returns_a_json_summary(
    tenant: str, fake: RunningFakeCorsight
) -> None:
    result = handler({"tenant": tenant}, CONTEXT)

    assert json.loads(json.dumps(result))["events"] == len(fake.events)
    assert result["cursor_after"] == fake.events[-1]["event_id"]
    assert [o["upload_id"] for o in result["objects"]] == ["corsight-start-120"]


@pytest.mark.parametrize("event", [{}, {"tenant": ""}, {"tenant": 7}])
def test_a_schedule_event_without_a_tenant_is_refused(event: dict[str, object]) -> None:
    with pytest.raises(ValueError, match='"tenant"'):
        handler(event, CONTEXT)
