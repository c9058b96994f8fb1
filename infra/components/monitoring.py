"""Alarms on the things that mean "an upload is stuck or lost", and one dashboard.

A message in the DLQ is an object no workflow ever ran for; a failed execution is an
upload whose status says failed; Lambda errors and throttles are the early signs of both.
Every alarm notifies one SNS topic, optionally subscribed to an operator's e-mail.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import (
    Duration,
)
from aws_cdk import (
    aws_cloudwatch as cloudwatch,
)
from aws_cdk import (
    aws_cloudwatch_actions as actions,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_sns as sns,
)
from aws_cdk import (
    aws_sns_subscriptions as subscriptions,
)
from aws_cdk import (
    aws_sqs as sqs,
)
from aws_cdk import (
    aws_stepfunctions as sfn,
)
from constructs import Construct

_PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """Alarm topic, alarms, and a dashboard over the pipeline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        dead_letters: sqs.IQueue,
        state_machines: Mapping[str, sfn.IStateMachine],
        functions: Mapping[str, lambda_.IFunction],
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="Wandr alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.alarms: list[cloudwatch.Alarm] = []

        dlq_depth = dead_letters.metric_approximate_number_of_messages_visible(
            period=_PERIOD, statistic="Maximum"
        )
        self._alarm("DeadLetters", dlq_depth, "Raw objects that no workflow ran for")
        for name, machine in state_machines.items():
            self._alarm(
                f"{name}-ExecutionsFailed",
                machine.metric_failed(period=_PERIOD, statistic="Sum"),
                f"{name} workflow executions failed",
            )
        for name, fn in functions.items():
            self._alarm(
                f"{name}-Errors",
                fn.metric_errors(period=_PERIOD, statistic="Sum"),
                f"{name} Lambda errors",
            )
            self._alarm(
                f"{name}-Throttles",
                fn.metric_throttles(period=_PERIOD, statistic="Sum"),
                f"{name} Lambda throttles",
            )

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Dead letters", left=[dlq_depth], width=8),
            cloudwatch.GraphWidget(
                title="Workflow executions",
                left=[m.metric_succeeded(period=_PERIOD) for m in state_machines.values()],
                right=[m.metric_failed(period=_PERIOD) for m in state_machines.values()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda errors",
                left=[fn.metric_errors(period=_PERIOD) for fn in functions.values()],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Lambda duration (p95)",
                left=[
                    fn.metric_duration(period=_PERIOD, statistic="p95") for fn in functions.values()
                ],
                width=24,
            ),
        )

    def _alarm(self, name: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
