"""One source of truth for the names of every AWS resource Wandr uses.

The CDK app (infra/) and the embedded local stack (wandr.localstack) both build their
resources from this module, and every Lambda handler finds its buckets and tables through
the environment variables that `Resources.lambda_environment()` produces. Renaming a
resource therefore happens here and nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STEPFUNCTIONS_DIR = REPO_ROOT / "stepfunctions"

LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "us-east-1"


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index (string keys, all attributes projected)."""

    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table: its name and key attribute names (both keys are strings)."""

    name: str
    partition_key: str
    sort_key: str
    ttl_attribute: str | None = None
    indexes: tuple[IndexSpec, ...] = ()


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function: its logical id, handler path and sizing.

    `handler` is `<module path>.<callable>` relative to the repository root, the same string
    the Lambda runtime receives, and the one the local stack imports in-process.
    """

    logical_id: str
    handler: str
    memory_mb: int = 1024
    timeout_s: int = 300
    description: str = ""
    # /tmp size; None: 4 GB for functions of 1 GB memory or more, else Lambda's 512 MB.
    ephemeral_mb: int | None = None


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "dispatch",
        "functions.ingest.dispatch.handler",
        256,
        30,
        "SQS -> one Step Functions execution per uploaded object",
    ),
    FunctionSpec(
        "validate",
        "functions.ingest.validate.handler",
        3008,
        900,
        "Validate a raw upload and stage it as Parquet",
        ephemeral_mb=10240,  # the raw file is downloaded to /tmp for DuckDB
    ),
    FunctionSpec(
        "normalise",
        "functions.ingest.normalise.handler",
        1024,
        300,
        "Commit staged Parquet into the lake partitions",
    ),
    FunctionSpec(
        "aggregate",
        "functions.dwell.aggregate.handler",
        3008,
        900,
        "Recompute the aggregates an upload touched",
    ),
    FunctionSpec(
        "record_status",
        "functions.dwell.publish.record_status",
        256,
        30,
        "Record an upload's final status and report",
    ),
    FunctionSpec(
        "vision_prepare",
        "functions.ingest.vision.prepare",
        1024,
        300,
        "Probe a video and build its SageMaker Processing job request",
    ),
    FunctionSpec(
        "vision_publish",
        "functions.dwell.journeys.publish",
        1024,
        300,
        "Load a finished vision job's outputs into the lake and tables",
    ),
    FunctionSpec(
        "corsight_pull",
        "functions.ingest.corsight_pull.handler",
        512,
        300,
        "Pull new events from a tenant's Corsight server into the raw bucket",
    ),
)

FUNCTIONS_BY_ID = {f.logical_id: f for f in FUNCTIONS}


@dataclass(frozen=True)
class Resources:
    """Every physical name, derived from an app prefix, an account and a region."""

    prefix: str = "wandr"
    account: str = LOCAL_ACCOUNT
    region: str = LOCAL_REGION
    extra_env: dict[str, str] = field(default_factory=dict)

    # --- S3 -------------------------------------------------------------------------
    def bucket(self, role: str) -> str:
        return f"{self.prefix}-{role}-{self.account}-{self.region}"

    @property
    def raw_bucket(self) -> str:
        return self.bucket("raw")

    @property
    def lake_bucket(self) -> str:
        return self.bucket("lake")

    @property
    def results_bucket(self) -> str:
        return self.bucket("results")

    @property
    def web_bucket(self) -> str:
        return self.bucket("web")

    # --- DynamoDB -------------------------------------------------------------------
    @property
    def uploads_table(self) -> TableSpec:
        # by-created: a tenant's uploads newest first, whatever their ids look like.
        return TableSpec(
            f"{self.prefix}-uploads",
            "tenant",
            "upload_id",
            indexes=(IndexSpec("by-created", "tenant", "created_at"),),
        )

    @property
    def aggregates_table(self) -> TableSpec:
        return TableSpec(f"{self.prefix}-aggregates", "pk", "sk")

    @property
    def spatial_table(self) -> TableSpec:
        return TableSpec(f"{self.prefix}-spatial", "pk", "sk")

    @property
    def pull_state_table(self) -> TableSpec:
        return TableSpec(f"{self.prefix}-pull-state", "tenant", "source")

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return (
            self.uploads_table,
            self.aggregates_table,
            self.spatial_table,
            self.pull_state_table,
        )

    # --- queues, workflows, catalog -------------------------------------------------
    @property
    def ingest_queue(self) -> str:
        return f"{self.prefix}-ingest"

    @property
    def ingest_dlq(self) -> str:
        return f"{self.prefix}-ingest-dlq"

    @property
    def max_receive_count(self) -> int:
        """Deliveries of one message before SQS moves it to the DLQ."""
        return 3

    @property
    def ingest_state_machine(self) -> str:
        return f"{self.prefix}-ingest"

    @property
    def vision_state_machine(self) -> str:
        return f"{self.prefix}-vision"

    @property
    def glue_database(self) -> str:
        return f"{self.prefix}_lake"

    @property
    def athena_workgroup(self) -> str:
        return f"{self.prefix}-analysts"

    @property
    def user_pool_name(self) -> str:
        return f"{self.prefix}-users"

    @property
    def corsight_secret_prefix(self) -> str:
        return f"{self.prefix}/corsight/"

    @property
    def vision_job_role_name(self) -> str:
        """The IAM role SageMaker Processing jobs run as."""
        return f"{self.prefix}-vision-job"

    @property
    def vision_job_role_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:role/{self.vision_job_role_name}"

    def function_name(self, logical_id: str) -> str:
        return f"{self.prefix}-{logical_id.replace('_', '-')}"

    def function_arn(self, logical_id: str) -> str:
        return (
            f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name(logical_id)}"
        )

    def state_machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"

    # --- wiring ---------------------------------------------------------------------
    def lambda_environment(self) -> dict[str, str]:
        """The environment every Lambda function (and the local stack) runs with."""
        env = {
            "WANDR_PREFIX": self.prefix,
            "WANDR_RAW_BUCKET": self.raw_bucket,
            "WANDR_LAKE_BUCKET": self.lake_bucket,
            "WANDR_RESULTS_BUCKET": self.results_bucket,
            "WANDR_UPLOADS_TABLE": self.uploads_table.name,
            "WANDR_AGGREGATES_TABLE": self.aggregates_table.name,
            "WANDR_SPATIAL_TABLE": self.spatial_table.name,
            "WANDR_PULL_STATE_TABLE": self.pull_state_table.name,
            "WANDR_GLUE_DATABASE": self.glue_database,
            "WANDR_INGEST_STATE_MACHINE_ARN": self.state_machine_arn(self.ingest_state_machine),
            "WANDR_VISION_STATE_MACHINE_ARN": self.state_machine_arn(self.vision_state_machine),
            "POWERTOOLS_SERVICE_NAME": "wandr",
        }
        env.update(self.extra_env)
        return env

    def definition_substitutions(self) -> dict[str, str]:
        """Values for the `${...}` placeholders in stepfunctions/*.asl.json."""
        subs = {
            f"{_camel(f.logical_id)}FunctionArn": self.function_arn(f.logical_id) for f in FUNCTIONS
        }
        subs.update(
            {
                "RawBucket": self.raw_bucket,
                "LakeBucket": self.lake_bucket,
                "ResultsBucket": self.results_bucket,
                "UploadsTable": self.uploads_table.name,
                # A static role ARN, not a "RoleArn.$" path: moto 5.2's ASL lexer mistakes
                # that key for the Credentials block's keyword and never evaluates it.
                "VisionJobRoleArn": self.vision_job_role_arn,
            }
        )
        return subs


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def current() -> Resources:
    """The names as the running code sees them: from the environment when deployed."""
    return Resources(
        prefix=os.environ.get("WANDR_PREFIX", "wandr"),
        account=os.environ.get("WANDR_ACCOUNT", LOCAL_ACCOUNT),
        region=os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", LOCAL_REGION)),
    )


def env_name(key: str, default: str) -> str:
    """A resource name from the Lambda environment, falling back to the local default."""
    return os.environ.get(key, default)
