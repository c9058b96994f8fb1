"""Schedules per tenant, and the alarms that say an upload is stuck or lost."""

from __future__ import annotations

import json

from template_helpers import TENANTS, as_list, policy_statements, resources_of

from wandr.resources import FUNCTIONS, Resources

RESOURCES = Resources()


def test_each_tenant_gets_a_corsight_secret_and_a_pull_schedule_with_its_name(synth):
    template = synth.raw(synth.stacks.schedule)
    secrets = resources_of(template, "AWS::SecretsManager::Secret")
    assert sorted(s["Properties"]["Name"] for s in secrets.values()) == sorted(
        f"{RESOURCES.corsight_secret_prefix}{t}" for t in TENANTS
    )
    schedules = resources_of(template, "AWS::Scheduler::Schedule")
    inputs = sorted(s["Properties"]["Target"]["Input"] for s in schedules.values())
    assert [json.loads(i) for i in inputs] == [{"tenant": t} for t in sorted(TENANTS)]
    for schedule in schedules.values():
        props = schedule["Properties"]
        assert props["ScheduleExpression"] == "rate(15 minutes)"
        assert "CorsightPull" in json.dumps(props["Target"]["Arn"])


def test_scheduler_role_may_only_invoke_the_corsight_pull_function(synth):
    template = synth.raw(synth.stacks.schedule)
    statements = [st for _, st in policy_statements(template)]
    assert statements
    for statement in statements:
        assert as_list(statement["Action"]) == ["lambda:InvokeFunction"]
        assert all("CorsightPull" in json.dumps(r) for r in as_list(statement["Resource"]))


def test_alarms_cover_the_dlq_both_workflows_and_every_lambdas_errors_and_throttles(synth):
    template = synth.raw(synth.stacks.monitoring)
    alarms = list(resources_of(template, "AWS::CloudWatch::Alarm").values())
    by_metric: dict[str, int] = {}
    for alarm in alarms:
        props = alarm["Properties"]
        by_metric[props["MetricName"]] = by_metric.get(props["MetricName"], 0) + 1
        assert props["Threshold"] == 0
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["AlarmActions"]
    assert by_metric == {
        "ApproximateNumberOfMessagesVisible": 1,
        "ExecutionsFailed": 2,
        "Errors": len(FUNCTIONS),
        "Throttles": len(FUNCTIONS),
    }


def test_alarm_topic_mails_the_configured_address_and_a_dashboard_exists(synth):
    template = synth.raw(synth.stacks.monitoring)
    (topic_id,) = resources_of(template, "AWS::SNS::Topic")
    (subscription,) = resources_of(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id}
    assert len(resources_of(template, "AWS::CloudWatch::Dashboard")) == 1
