"""The ingest and vision state machines, defined by the ASL files in stepfunctions/.

The same files run in the local stack, so the CDK app must not rebuild the workflow in
Python: it loads each file as is and fills its `${...}` placeholders with the deployed
function ARNs and resource names (`Resources.definition_substitutions()` lists the keys).
Each workflow has its own role, allowed to invoke only the functions its file names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import ArnFormat, Stack
from aws_cdk import (
    aws_iam as iam,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_logs as logs,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import (
    aws_stepfunctions as sfn,
)
from constructs import Construct

from wandr.resources import STEPFUNCTIONS_DIR

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def placeholders(asl_file: Path) -> set[str]:
    """The `${Name}` placeholders an ASL file expects to be substituted."""
    return set(_PLACEHOLDER.findall(asl_file.read_text()))


class Workflow(Construct):
    """One state machine from `stepfunctions/<name>.asl.json`, with logging and tracing."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine_name: str,
        asl_file: Path,
        values: Mapping[str, str],
        functions: Mapping[str, lambda_.IFunction],
        log_retention: logs.RetentionDays,
    ) -> None:
        """`values` holds a value for every placeholder any workflow may use;
        `functions` maps each `${XxxFunctionArn}` placeholder to its function."""
        super().__init__(scope, construct_id)
        wanted = placeholders(asl_file)
        missing = sorted(wanted - values.keys())
        if missing:
            raise ValueError(f"{asl_file.name}: no value for placeholders {missing}")
        substitutions = {name: values[name] for name in sorted(wanted)}
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"{state_machine_name}: invoke its own Lambdas only",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{state_machine_name}",
            retention=log_retention,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            definition_body=sfn.DefinitionBody.from_file(str(asl_file)),
            definition_substitutions=substitutions,
            role=self.role,
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ERROR, include_execution_data=False
            ),
        )
        # The role may invoke exactly the functions this file names.
        self.functions = {name: fn for name, fn in functions.items() if name in wanted}
        for fn in self.functions.values():
            fn.grant_invoke(self.role)
        self.name = state_machine_name

    def allow_distributed_map(self, item_lists: s3.IBucket, key_pattern: str) -> None:
        """A Distributed Map runs child executions of this state machine and reads its item
        list from S3. ARNs are built from the name: referencing the state machine's own ARN
        from its role's policy would be a dependency cycle."""
        stack = Stack.of(self)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DistributedMapChildren",
                actions=["states:StartExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=self.name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DistributedMapChildExecutions",
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{self.name}/*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        item_lists.grant_read(self.role, key_pattern)


def asl_path(name: str) -> Path:
    return STEPFUNCTIONS_DIR / f"{name}.asl.json"
