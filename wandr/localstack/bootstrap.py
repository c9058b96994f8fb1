"""Create every resource of the CDK app on the moto server, from the same names.

The cloud gets its resources from infra/ (CDK); the local stack gets them from here. Both
read wandr.resources, the ASL files in stepfunctions/ and wandr.catalog, so a name or a
workflow change reaches both at once.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from wandr import aws, catalog
from wandr.resources import FUNCTIONS, STEPFUNCTIONS_DIR, Resources

LOCAL_ROLE = "wandr-local-execution"
# Locally a failed delivery is retried after 2 s instead of the cloud's 6x function timeout,
# so a poisoned message reaches the DLQ in seconds.
LOCAL_VISIBILITY_TIMEOUT_S = 2
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
RAW_BUCKET_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["PUT", "POST", "GET", "HEAD"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        }
    ]
}


def _role_arn(resources: Resources) -> str:
    return f"arn:aws:iam::{resources.account}:role/{LOCAL_ROLE}"


def create_role(resources: Resources) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Service": [
                        "lambda.amazonaws.com",
                        "states.amazonaws.com",
                        "sagemaker.amazonaws.com",
                    ]
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = aws.client("iam")
    for name in (LOCAL_ROLE, resources.vision_job_role_name):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))


def create_buckets(resources: Resources) -> None:
    s3 = aws.client("s3")
    for name in (
        resources.raw_bucket,
        resources.lake_bucket,
        resources.results_bucket,
        resources.web_bucket,
    ):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=resources.raw_bucket, CORSConfiguration=RAW_BUCKET_CORS)
    s3.put_bucket_notification_configuration(
        Bucket=resources.raw_bucket,
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )


def create_tables(resources: Resources) -> None:
    dynamodb = aws.client("dynamodb")
    for table in resources.tables:
        keys = {table.partition_key, table.sort_key}
        keys.update(k for index in table.indexes for k in (index.partition_key, index.sort_key))
        extra: dict[str, Any] = {}
        if table.indexes:
            extra["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in table.indexes
            ]
        dynamodb.create_table(
            TableName=table.name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in sorted(keys)],
            KeySchema=_key_schema(table.partition_key, table.sort_key),
            **extra,
        )


def _key_schema(partition_key: str, sort_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition_key, "KeyType": "HASH"},
        {"AttributeName": sort_key, "KeyType": "RANGE"},
    ]


def create_queues(resources: Resources) -> dict[str, str]:
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=resources.ingest_dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": resources.max_receive_count}
    queue_url = sqs.create_queue(
        QueueName=resources.ingest_queue,
        Attributes={
            "RedrivePolicy": json.dumps(redrive),
            "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT_S),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return {"queue_url": queue_url, "queue_arn": queue_arn, "dlq_url": dlq_url}


def create_object_created_rule(resources: Resources, queue_arn: str) -> None:
    """S3 Object Created (EventBridge, which also covers multipart) -> the ingest queue."""
    events = aws.client("events")
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [resources.raw_bucket]}},
    }
    rule = f"{resources.prefix}-raw-object-created"
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=rule, Targets=[{"Id": "ingest-queue", "Arn": queue_arn}])


def _placeholder_zip() -> bytes:
    """Lambda needs a code package; the local stack runs the handler from the repository."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Handlers run in-process from the repository.\n")
    return buffer.getvalue()


def create_functions(resources: Resources) -> None:
    client = aws.client("lambda")
    code = _placeholder_zip()
    for spec in FUNCTIONS:
        client.create_function(
            FunctionName=resources.function_name(spec.logical_id),
            Runtime="python3.11",
            Role=_role_arn(resources),
            Handler=spec.handler,
            Code={"ZipFile": code},
            Timeout=spec.timeout_s,
            MemorySize=spec.memory_mb,
            Description=spec.description,
            Environment={"Variables": resources.lambda_environment()},
        )


def load_definition(name: str, resources: Resources) -> str:
    """An ASL file with its `${...}` placeholders substituted, as CDK does at deploy time."""
    text = (STEPFUNCTIONS_DIR / f"{name}.asl.json").read_text()
    for placeholder, value in resources.definition_substitutions().items():
        text = text.replace("${" + placeholder + "}", value)
    if "${" in text:
        start = text.index("${")
        raise ValueError(f"{name}.asl.json has an unknown placeholder {text[start : start + 40]!r}")
    json.loads(text)
    return text


def create_state_machines(resources: Resources) -> None:
    sfn = aws.client("stepfunctions")
    for workflow, name in (
        ("ingest", resources.ingest_state_machine),
        ("vision", resources.vision_state_machine),
    ):
        sfn.create_state_machine(
            name=name,
            definition=load_definition(workflow, resources),
            roleArn=_role_arn(resources),
            type="STANDARD",
        )


def create_catalog(resources: Resources) -> None:
    glue = aws.client("glue")
    glue.create_database(DatabaseInput={"Name": resources.glue_database})
    for table in catalog.TABLES:
        glue.create_table(
            DatabaseName=resources.glue_database, TableInput=_glue_table_input(table, resources)
        )
    aws.client("athena").create_work_group(
        Name=resources.athena_workgroup,
        Configuration={
            "ResultConfiguration": {"OutputLocation": f"s3://{resources.results_bucket}/athena/"}
        },
    )


def _glue_table_input(table: catalog.GlueTableSpec, resources: Resources) -> dict[str, Any]:
    location = f"s3://{resources.lake_bucket}/{table.prefix.strip('/')}/"
    parameters = {"classification": "parquet", "EXTERNAL": "TRUE"}
    parameters.update(
        {k: v.replace("${LakeBucket}", resources.lake_bucket) for k, v in table.projection.items()}
    )
    return {
        "Name": table.name,
        "Description": table.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": c.name, "Type": c.type} for c in table.partition_keys],
        "StorageDescriptor": {
            "Columns": [
                {"Name": c.name, "Type": c.type, "Comment": c.comment} for c in table.columns
            ],
            "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
    }


def bootstrap(resources: Resources) -> dict[str, Any]:
    """Create everything; returns the generated identifiers (queue URLs)."""
    create_role(resources)
    create_buckets(resources)
    create_tables(resources)
    queues = create_queues(resources)
    create_object_created_rule(resources, queues["queue_arn"])
    create_functions(resources)
    create_state_machines(resources)
    create_catalog(resources)
    return queues
