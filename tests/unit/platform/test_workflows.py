"""The ASL files are the one source of truth for CDK and the local stack."""

import json

import pytest

from wandr.localstack.bootstrap import load_definition
from wandr.resources import FUNCTIONS, Resources


@pytest.mark.parametrize("workflow", ["ingest", "vision"])
def test_every_placeholder_in_a_workflow_is_substituted(workflow):
    definition = json.loads(load_definition(workflow, Resources()))
    assert "${" not in json.dumps(definition)


@pytest.mark.parametrize("workflow", ["ingest", "vision"])
def test_every_task_state_has_a_catch_to_the_failure_recorder_or_is_the_recorder(workflow):
    states = json.loads(load_definition(workflow, Resources()))["States"]
    for name, state in states.items():
        if state["Type"] != "Task" or name.startswith("Record"):
            continue
        targets = {c["Next"] for c in state.get("Catch", [])}
        assert targets == {"RecordFailed"}, name


def test_the_vision_workflow_polls_sagemaker_instead_of_using_sync():
    states = json.loads(load_definition("vision", Resources()))["States"]
    assert not any(s.get("Resource", "").endswith(".sync") for s in states.values())
    assert states["WaitForJob"]["Next"] == "DescribeJob"
    assert states["JobFinished?"]["Default"] == "WaitForJob"


def test_workflow_lambdas_are_functions_the_app_defines():
    arns = {Resources().function_arn(f.logical_id) for f in FUNCTIONS}
    for workflow in ("ingest", "vision"):
        for state in json.loads(load_definition(workflow, Resources()))["States"].values():
            name = state.get("Parameters", {}).get("FunctionName")
            if name:
                assert name in arns
