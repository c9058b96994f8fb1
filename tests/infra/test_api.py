"""The API stack: Cognito as wandr.identity expects it, and the Chalice API on the image."""

from __future__ import annotations

import json

from template_helpers import as_list, policy_statements, resources_of

from infra.components.chalice_api import HANDLER, HANDLER_RESOURCE
from wandr.identity import CLIENT_NAME, ROLES
from wandr.resources import Resources

RESOURCES = Resources()


def test_user_pool_carries_an_immutable_tenant_and_a_role_attribute(synth):
    template = synth.raw(synth.stacks.api)
    (pool,) = resources_of(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["UserPoolName"] == RESOURCES.user_pool_name
    schema = {attr["Name"]: attr for attr in props["Schema"]}
    assert schema["tenant"]["Mutable"] is False
    assert schema["role"]["AttributeDataType"] == "String"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_app_client_is_public_named_web_and_allows_password_and_srp_logins(synth):
    template = synth.raw(synth.stacks.api)
    (client,) = resources_of(template, "AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["ClientName"] == CLIENT_NAME
    assert props["GenerateSecret"] is False
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(props["ExplicitAuthFlows"])
    assert not any("custom:" in attr for attr in props.get("WriteAttributes", []))


def test_there_is_one_group_per_wandr_role(synth):
    groups = resources_of(synth.raw(synth.stacks.api), "AWS::Cognito::UserPoolGroup")
    assert sorted(g["Properties"]["GroupName"] for g in groups.values()) == sorted(ROLES)


def test_chalice_handler_runs_from_the_lambda_image_with_pool_and_table_names(synth):
    template = synth.raw(synth.stacks.api)
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    props = template["Resources"][HANDLER_RESOURCE]["Properties"]
    assert props["PackageType"] == "Image"
    assert props["ImageConfig"] == {"Command": [HANDLER]}
    assert "container-assets" in json.dumps(props["ImageUri"])
    assert not {"CodeUri", "Handler", "Runtime"} & set(props)
    variables = props["Environment"]["Variables"]
    assert set(RESOURCES.lambda_environment()) <= set(variables)
    assert {"WANDR_USER_POOL_ID", "WANDR_USER_POOL_CLIENT_ID"} <= set(variables)
    assert "WANDR_CORSIGHT_PULL_FUNCTION" in variables
    role_id = props["Role"]["Fn::GetAtt"][0]
    assert template["Resources"][role_id]["Type"] == "AWS::IAM::Role"


def test_api_gateway_routes_come_from_the_chalice_app(synth):
    template = synth.raw(synth.stacks.api)
    (api,) = resources_of(template, "AWS::Serverless::Api").values()
    paths = api["Properties"]["DefinitionBody"]["paths"]
    assert "/uploads" in paths and "/auth/login" in paths


def test_api_role_queries_athena_only_in_the_wandr_workgroup(synth):
    template = synth.raw(synth.stacks.api)
    athena = [
        st
        for _, st in policy_statements(template)
        if any(a.startswith("athena:") for a in as_list(st["Action"]))
    ]
    assert len(athena) == 1
    assert json.dumps(athena[0]["Resource"]).endswith(
        f':workgroup/{RESOURCES.athena_workgroup}"]]}}'
    )


def test_the_dashboard_distribution_serves_the_api_at_slash_api_uncached(synth):
    template = synth.raw(synth.stacks.web)
    (distribution,) = resources_of(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    (behaviour,) = config["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/api/*"
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert set(behaviour["AllowedMethods"]) >= {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    origin = next(o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"])
    assert "execute-api" in json.dumps(origin["DomainName"])


def test_only_the_api_may_start_a_corsight_pull_besides_its_schedule(synth):
    template = synth.raw(synth.stacks.api)
    invokes = [
        s
        for p in resources_of(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "lambda:InvokeFunction" in json.dumps(s["Action"])
    ]
    assert len(invokes) == 1
    assert "corsight" in json.dumps(invokes[0]["Resource"]).lower()
