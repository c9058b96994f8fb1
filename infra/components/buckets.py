"""The three data buckets: raw uploads, the Parquet lake, and query/job results.

Raw objects are the only copy of what a tenant sent, so they are versioned and age into
cheaper storage classes rather than expiring; results are reproducible and expire. The raw
bucket publishes to EventBridge (which, unlike S3 notifications, covers multipart uploads
with one "Object Created" event) and allows browser PUTs from presigned URLs.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from wandr.resources import Resources

# Browser uploads: a presigned PUT or multipart UploadPart must expose the ETag, which the
# client needs to complete a multipart upload.
_UPLOAD_CORS = s3.CorsRule(
    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET],
    allowed_origins=["*"],
    allowed_headers=["*"],
    exposed_headers=["ETag"],
    max_age=3000,
)


class DataBuckets(Construct):
    """Raw, lake and results buckets with encryption, TLS-only access and lifecycle rules."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: Resources,
        removal_policy: RemovalPolicy,
        raw_ia_days: int,
        raw_glacier_days: int,
        results_expire_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.raw = _bucket(
            self,
            "Raw",
            resources.raw_bucket,
            removal_policy,
            event_bridge_enabled=True,
            cors=[_UPLOAD_CORS],
            lifecycle_rules=[
                _abort_incomplete_uploads(),
                s3.LifecycleRule(
                    id="age-raw-uploads",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(raw_ia_days),
                        ),
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER,
                            transition_after=Duration.days(raw_glacier_days),
                        ),
                    ],
                    noncurrent_version_expiration=Duration.days(raw_ia_days),
                ),
            ],
        )
        self.lake = _bucket(
            self,
            "Lake",
            resources.lake_bucket,
            removal_policy,
            lifecycle_rules=[
                _abort_incomplete_uploads(),
                # Re-committed partitions replace files; old versions are only a safety net.
                s3.LifecycleRule(
                    id="expire-replaced-lake-files",
                    noncurrent_version_expiration=Duration.days(7),
                ),
            ],
        )
        self.results = _bucket(
            self,
            "Results",
            resources.results_bucket,
            removal_policy,
            lifecycle_rules=[
                _abort_incomplete_uploads(),
                s3.LifecycleRule(
                    id="expire-results",
                    expiration=Duration.days(results_expire_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
            ],
        )


def _abort_incomplete_uploads() -> s3.LifecycleRule:
    return s3.LifecycleRule(
        id="abort-incomplete-multipart",
        abort_incomplete_multipart_upload_after=Duration.days(2),
    )


def _bucket(
    scope: Construct,
    construct_id: str,
    name: str,
    removal_policy: RemovalPolicy,
    *,
    lifecycle_rules: list[s3.LifecycleRule],
    event_bridge_enabled: bool = False,
    cors: list[s3.CorsRule] | None = None,
) -> s3.Bucket:
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=name,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=lifecycle_rules,
        event_bridge_enabled=event_bridge_enabled,
        cors=cors,
        removal_policy=removal_policy,
        auto_delete_objects=False,
    )
