"""The storage stack: data buckets, tables, and the lake catalog."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_s3 as s3
from template_helpers import as_list, resources_of

from infra.components.lake_catalog import LakeCatalog
from wandr import catalog
from wandr.catalog import Column, GlueTableSpec, ViewSpec
from wandr.resources import Resources

RESOURCES = Resources()


def test_every_data_bucket_is_encrypted_versioned_and_private(synth):
    buckets = resources_of(synth.raw(synth.stacks.storage), "AWS::S3::Bucket")
    assert len(buckets) == 3
    for bucket in buckets.values():
        props = bucket["Properties"]
        sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["DeletionPolicy"] == "Retain"


def test_every_data_bucket_refuses_requests_without_tls(synth):
    template = synth.raw(synth.stacks.storage)
    policies = resources_of(template, "AWS::S3::BucketPolicy")
    assert len(policies) == 3
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for st in statements
        )


def test_raw_bucket_publishes_to_eventbridge_and_accepts_browser_uploads(synth):
    template = synth.template(synth.stacks.storage)
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {}}},
    )
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "CorsConfiguration": {
                "CorsRules": [
                    assertions.Match.object_like(
                        {
                            "AllowedMethods": assertions.Match.array_with(["PUT"]),
                            "ExposedHeaders": ["ETag"],
                        }
                    )
                ]
            }
        },
    )


def test_bucket_lifecycles_abort_multipart_age_raw_data_and_expire_results(synth):
    buckets = resources_of(synth.raw(synth.stacks.storage), "AWS::S3::Bucket")
    rules_by_bucket = {
        _name_prefix(b["Properties"]["BucketName"]): b["Properties"]["LifecycleConfiguration"][
            "Rules"
        ]
        for b in buckets.values()
    }
    for rules in rules_by_bucket.values():
        assert any("AbortIncompleteMultipartUpload" in rule for rule in rules)
    raw_classes = {
        t["StorageClass"]
        for rule in rules_by_bucket["wandr-raw-"]
        for t in rule.get("Transitions", [])
    }
    assert raw_classes == {"STANDARD_IA", "GLACIER"}
    assert any("ExpirationInDays" in rule for rule in rules_by_bucket["wandr-results-"])
    assert not any("ExpirationInDays" in rule for rule in rules_by_bucket["wandr-raw-"])


def _name_prefix(name: object) -> str:
    """`wandr-raw-` from the Fn::Join that builds `wandr-raw-<account>-<region>`."""
    assert isinstance(name, dict)
    return str(name["Fn::Join"][1][0])


def test_every_table_in_resources_exists_with_its_keys_on_demand_with_pitr_and_sse(synth):
    template = synth.template(synth.stacks.storage)
    template.resource_count_is("AWS::DynamoDB::Table", len(RESOURCES.tables))
    for spec in RESOURCES.tables:
        template.has_resource_properties(
            "AWS::DynamoDB::Table",
            {
                "TableName": spec.name,
                "KeySchema": [
                    {"AttributeName": spec.partition_key, "KeyType": "HASH"},
                    {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {"SSEEnabled": True},
            },
        )


def test_athena_workgroup_enforces_results_in_the_results_bucket(synth):
    workgroups = resources_of(synth.raw(synth.stacks.storage), "AWS::Athena::WorkGroup")
    (workgroup,) = workgroups.values()
    props = workgroup["Properties"]
    assert props["Name"] == RESOURCES.athena_workgroup
    config = props["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    location = config["ResultConfiguration"]["OutputLocation"]["Fn::Join"][1]
    assert location[0] == "s3://"
    assert location[-1] == "/athena/"
    assert "Ref" in location[1] or "Fn::ImportValue" in location[1]


def test_glue_database_and_one_table_and_view_per_catalog_entry(synth):
    template = synth.template(synth.stacks.storage)
    template.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": {"Name": RESOURCES.glue_database}}
    )
    template.resource_count_is("AWS::Glue::Table", len(catalog.TABLES))
    template.resource_count_is("AWS::Athena::NamedQuery", len(catalog.VIEWS))
    for spec in catalog.TABLES:
        template.has_resource_properties(
            "AWS::Glue::Table", {"TableInput": assertions.Match.object_like({"Name": spec.name})}
        )


def test_lake_catalog_turns_a_table_spec_into_a_projected_parquet_table_and_a_view():
    stack = cdk.Stack()
    spec = GlueTableSpec(
        name="events",
        prefix="events/",
        columns=(Column("person_id", "string"), Column("dwell_s", "double")),
        partition_keys=(Column("tenant", "string"), Column("dt", "date")),
        projection={
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "storage.location.template": "s3://${LakeBucket}/events/tenant=${tenant}/dt=${dt}/",
        },
    )
    view = ViewSpec(name="daily", sql="SELECT tenant, dt, count(*) AS n FROM events GROUP BY 1, 2")
    LakeCatalog(
        stack,
        "Catalog",
        resources=RESOURCES,
        lake_bucket=s3.Bucket.from_bucket_name(stack, "Lake", "lake-bucket"),
        results_bucket=s3.Bucket.from_bucket_name(stack, "Results", "results-bucket"),
        tables=(spec,),
        views=(view,),
        bytes_scanned_cutoff=10**9,
    )
    template = assertions.Template.from_stack(stack)
    table_input = next(iter(template.find_resources("AWS::Glue::Table").values()))["Properties"][
        "TableInput"
    ]
    assert table_input["PartitionKeys"] == [
        {"Name": "tenant", "Type": "string"},
        {"Name": "dt", "Type": "date"},
    ]
    assert table_input["StorageDescriptor"]["Location"] == "s3://lake-bucket/events/"
    assert (
        "ParquetHiveSerDe"
        in (table_input["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"])
    )
    params = table_input["Parameters"]
    assert params["projection.dt.type"] == "date"
    assert params["storage.location.template"] == (
        "s3://lake-bucket/events/tenant=${tenant}/dt=${dt}/"
    )
    query = next(iter(template.find_resources("AWS::Athena::NamedQuery").values()))
    assert query["Properties"]["QueryString"].startswith("CREATE OR REPLACE VIEW daily AS")
    assert query["Properties"]["Database"] == RESOURCES.glue_database
    assert as_list(query["Properties"]["WorkGroup"])
