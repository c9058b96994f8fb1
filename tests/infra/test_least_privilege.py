"""Across every stack: no IAM statement grants all actions, or all actions of a service."""

from __future__ import annotations

from template_helpers import as_list, policy_statements


def test_no_policy_in_any_stack_allows_a_wildcard_action(synth):
    offenders = []
    for stack_name, template in synth.all_templates.items():
        for policy_id, statement in policy_statements(template):
            for action in as_list(statement.get("Action", [])):
                if action == "*" or action.endswith(":*"):
                    offenders.append((stack_name, policy_id, action))
    assert offenders == []


def test_every_statement_on_all_resources_is_one_aws_requires_unscoped(synth):
    """Actions that have no resource-level permissions are the only ones allowed on "*"."""
    unscopable = {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        # Step Functions log delivery (CDK's LogOptions) has no resource-level permissions.
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        # CDK's bucket-notifications custom resource (raw bucket -> EventBridge).
        "s3:PutBucketNotification",
        # CDK's BucketDeployment (dashboard upload) invalidates the distribution it is given.
        "cloudfront:CreateInvalidation",
        "cloudfront:GetInvalidation",
    }
    for stack_name, template in synth.all_templates.items():
        for policy_id, statement in policy_statements(template):
            if statement.get("Resource") == "*" and statement["Effect"] == "Allow":
                extra = set(as_list(statement["Action"])) - unscopable
                assert not extra, (stack_name, policy_id, extra)
