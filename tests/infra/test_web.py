"""The web stack: the dashboard served from a private bucket through CloudFront."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import assertions
from template_helpers import resources_of

from infra.constants import Settings
from infra.stacks.web import WebStack


def test_dashboard_bucket_is_private_and_read_only_through_origin_access_control(synth):
    template = synth.raw(synth.stacks.web)
    (bucket,) = resources_of(template, "AWS::S3::Bucket").values()
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    (oac,) = resources_of(template, "AWS::CloudFront::OriginAccessControl").values()
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    (policy,) = resources_of(template, "AWS::S3::BucketPolicy").values()
    principals = [st.get("Principal") for st in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Service": "cloudfront.amazonaws.com"} in principals


def test_distribution_serves_index_html_for_spa_routes_with_security_headers(synth):
    template = synth.raw(synth.stacks.web)
    (dist,) = resources_of(template, "AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert set(errors) == {403, 404}
    assert all(e["ResponsePagePath"] == "/index.html" for e in errors.values())
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "ResponseHeadersPolicyId" in behavior


def test_frontend_dist_is_deployed_only_when_it_has_been_built(tmp_path):
    app = cdk.App()
    without = WebStack(app, "WithoutDist", settings=Settings(), dist_dir=tmp_path / "missing")
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html><title>Wandr</title>")
    with_dist = WebStack(app, "WithDist", settings=Settings(), dist_dir=built)
    assertions.Template.from_stack(without).resource_count_is("Custom::CDKBucketDeployment", 0)
    assertions.Template.from_stack(with_dist).resource_count_is("Custom::CDKBucketDeployment", 1)
