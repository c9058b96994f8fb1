"""The pipeline stack: Lambdas, the ingest queue, and the workflows from stepfunctions/."""

from __future__ import annotations

import json

from aws_cdk import assertions
from template_helpers import as_list, policy_statements, resources_of

from infra.access import FUNCTION_ACCESS
from infra.components.workflows import asl_path, placeholders
from infra.stacks.pipeline import function_placeholder
from wandr.resources import FUNCTIONS, Resources

RESOURCES = Resources()


def _functions_by_name(template):
    return {
        fn["Properties"]["FunctionName"]: (logical_id, fn["Properties"])
        for logical_id, fn in resources_of(template, "AWS::Lambda::Function").items()
    }


def _state_machine(template, name):
    machines = resources_of(template, "AWS::StepFunctions::StateMachine")
    return next(m for m in machines.values() if m["Properties"]["StateMachineName"] == name)


def test_raw_object_created_events_are_routed_to_the_ingest_queue(synth):
    template = synth.raw(synth.stacks.pipeline)
    (rule,) = resources_of(template, "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    (bucket_name,) = pattern["detail"]["bucket"]["name"]
    assert "Raw" in json.dumps(bucket_name)
    (target,) = rule["Properties"]["Targets"]
    queue_id = target["Arn"]["Fn::GetAtt"][0]
    assert template["Resources"][queue_id]["Properties"]["QueueName"] == RESOURCES.ingest_queue


def test_ingest_queue_redrives_to_an_encrypted_dlq_after_max_receive_count(synth):
    template = synth.raw(synth.stacks.pipeline)
    queues = {
        q["Properties"]["QueueName"]: (logical_id, q["Properties"])
        for logical_id, q in resources_of(template, "AWS::SQS::Queue").items()
    }
    dlq_id, dlq = queues[RESOURCES.ingest_dlq]
    _, queue = queues[RESOURCES.ingest_queue]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": RESOURCES.max_receive_count,
    }
    assert queue["SqsManagedSseEnabled"] is True and dlq["SqsManagedSseEnabled"] is True
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_dispatch_consumes_the_queue_reporting_batch_item_failures(synth):
    template = synth.raw(synth.stacks.pipeline)
    (mapping,) = resources_of(template, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    dispatch_id, _ = _functions_by_name(template)[RESOURCES.function_name("dispatch")]
    assert props["FunctionName"] == {"Ref": dispatch_id}


def test_every_function_spec_is_an_image_function_with_its_handler_sizing_and_environment(synth):
    functions = _functions_by_name(synth.raw(synth.stacks.pipeline))
    assert len(functions) == len(FUNCTIONS)
    env_keys = set(RESOURCES.lambda_environment())
    for spec in FUNCTIONS:
        _, props = functions[RESOURCES.function_name(spec.logical_id)]
        assert props["PackageType"] == "Image"
        assert props["ImageConfig"] == {"Command": [spec.handler]}
        assert props["MemorySize"] == spec.memory_mb
        assert props["Timeout"] == spec.timeout_s
        assert env_keys <= set(props["Environment"]["Variables"])


def test_only_the_vision_functions_get_the_sagemaker_image_role_and_instance_type(synth):
    vision_vars = {"WANDR_VISION_IMAGE_URI", "WANDR_VISION_ROLE_ARN", "WANDR_VISION_INSTANCE_TYPE"}
    for name, (_, props) in _functions_by_name(synth.raw(synth.stacks.pipeline)).items():
        variables = set(props["Environment"]["Variables"])
        if name.startswith(f"{RESOURCES.prefix}-vision-"):
            assert vision_vars <= variables
        else:
            assert not vision_vars & variables


def test_state_machines_load_the_asl_files_and_substitute_every_placeholder(synth):
    template = synth.raw(synth.stacks.pipeline)
    functions = _functions_by_name(template)
    for workflow, name in (
        ("ingest", RESOURCES.ingest_state_machine),
        ("vision", RESOURCES.vision_state_machine),
    ):
        props = _state_machine(template, name)["Properties"]
        staged = synth.outdir / f"asset.{props['DefinitionS3Location']['Key']}"
        assert json.loads(staged.read_text()) == json.loads(asl_path(workflow).read_text())
        substitutions = props["DefinitionSubstitutions"]
        assert set(substitutions) == placeholders(asl_path(workflow))
        for spec in FUNCTIONS:
            key = function_placeholder(spec.logical_id)
            if key in substitutions:
                logical_id, _ = functions[RESOURCES.function_name(spec.logical_id)]
                assert substitutions[key] == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_every_placeholder_in_the_asl_files_is_a_key_resources_knows():
    known = set(Resources().definition_substitutions())
    for workflow in ("ingest", "vision"):
        assert placeholders(asl_path(workflow)) <= known


def test_each_workflow_role_may_invoke_exactly_the_functions_its_asl_names(synth):
    template = synth.raw(synth.stacks.pipeline)
    functions = _functions_by_name(template)
    for workflow, name in (
        ("ingest", RESOURCES.ingest_state_machine),
        ("vision", RESOURCES.vision_state_machine),
    ):
        role_id = _state_machine(template, name)["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        invokable = set()
        for policy_id, statement in policy_statements(template):
            policy = template["Resources"][policy_id]["Properties"]
            if {"Ref": role_id} not in policy.get("Roles", []):
                continue
            if "lambda:InvokeFunction" in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    if "Fn::GetAtt" in resource:
                        invokable.add(resource["Fn::GetAtt"][0])
        expected = {
            functions[RESOURCES.function_name(spec.logical_id)][0]
            for spec in FUNCTIONS
            if function_placeholder(spec.logical_id) in placeholders(asl_path(workflow))
        }
        assert invokable == expected


def test_vision_workflow_runs_only_prefixed_processing_jobs_and_passes_only_the_vision_role(
    synth,
):
    template = synth.raw(synth.stacks.pipeline)
    statements = {st.get("Sid"): st for _, st in policy_statements(template)}
    jobs = statements["RunVisionProcessingJobs"]
    assert sorted(as_list(jobs["Action"])) == [
        "sagemaker:CreateProcessingJob",
        "sagemaker:DescribeProcessingJob",
    ]
    assert json.dumps(jobs["Resource"]).endswith(f':processing-job/{RESOURCES.prefix}-*"]]}}')
    passrole = statements["PassVisionRole"]
    assert passrole["Action"] == "iam:PassRole"
    assert "ExecutionRole" in json.dumps(passrole["Resource"])
    assert passrole["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_dispatch_may_start_both_workflows_and_nothing_else_may(synth):
    template = synth.raw(synth.stacks.pipeline)
    starters, started = set(), []
    for policy_id, statement in policy_statements(template):
        if statement.get("Sid") == "DistributedMapChildren":
            continue  # the ingest workflow's own Map children (checked below)
        if "states:StartExecution" in as_list(statement["Action"]):
            starters.add(policy_id)
            started.extend(as_list(statement["Resource"]))
    machines = resources_of(template, "AWS::StepFunctions::StateMachine")
    assert sorted(r["Ref"] for r in started) == sorted(machines)
    assert len(starters) == 1
    assert next(iter(starters)).startswith("FunctionsDispatch")


def test_only_the_corsight_pull_reads_corsight_secrets_and_only_under_their_prefix(synth):
    template = synth.raw(synth.stacks.pipeline)
    readers = [
        (policy_id, st)
        for policy_id, st in policy_statements(template)
        if "secretsmanager:GetSecretValue" in as_list(st["Action"])
    ]
    assert len(readers) == 1
    assert readers[0][0].startswith("FunctionsCorsightPull")
    assert json.dumps(readers[0][1]["Resource"]).endswith(
        f':secret:{RESOURCES.corsight_secret_prefix}*"]]}}'
    )


def test_the_access_table_lists_exactly_the_functions_in_resources():
    assert set(FUNCTION_ACCESS) == {spec.logical_id for spec in FUNCTIONS}


def test_each_function_writes_s3_and_uses_dynamodb_only_if_the_access_table_says_so(synth):
    template = synth.raw(synth.stacks.pipeline)
    for logical_id, access in FUNCTION_ACCESS.items():
        prefix = "Functions" + function_placeholder(logical_id).removesuffix("FunctionArn")
        actions = {
            action
            for policy_id, st in policy_statements(template)
            if policy_id.startswith(prefix + "ServiceRole")
            for action in as_list(st["Action"])
        }
        writes_s3 = "s3:PutObject" in actions
        assert writes_s3 == bool(access.read_write_buckets), logical_id
        has_dynamodb = any(a.startswith("dynamodb:") for a in actions)
        assert has_dynamodb == bool(access.read_tables or access.read_write_tables), logical_id


def test_pipeline_has_two_state_machines_with_logging_and_tracing(synth):
    template = synth.template(synth.stacks.pipeline)
    template.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    template.all_resources_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": assertions.Match.object_like({"Level": "ERROR"}),
        },
    )


def test_the_ingest_workflow_may_run_its_distributed_map_children_and_read_chunk_lists(synth):
    template = synth.raw(synth.stacks.pipeline)
    statements = [
        s
        for p in resources_of(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") in ("DistributedMapChildren", "DistributedMapChildExecutions")
    ]
    assert {s["Sid"] for s in statements} == {
        "DistributedMapChildren",
        "DistributedMapChildExecutions",
    }
    text = json.dumps(statements)
    assert f"stateMachine:{RESOURCES.ingest_state_machine}" in text
    assert f"execution:{RESOURCES.ingest_state_machine}/*" in text


def test_validate_gets_room_in_tmp_for_the_raw_file(synth):
    template = synth.raw(synth.stacks.pipeline)
    functions = resources_of(template, "AWS::Lambda::Function").values()
    validate = next(
        f
        for f in functions
        if f["Properties"].get("FunctionName") == RESOURCES.function_name("validate")
    )
    assert validate["Properties"]["EphemeralStorage"] == {"Size": 10240}
