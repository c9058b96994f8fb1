"""The static dashboard: a private S3 bucket served only through CloudFront.

CloudFront reads the bucket with Origin Access Control (the bucket stays BLOCK_ALL), sends
unknown paths to index.html so client-side routes survive a reload, and adds the standard
security headers. `/api/*` goes to the REST API (stage `api`) uncached, so the dashboard and
the API share one origin exactly as in the local stack, and the browser needs no CORS.
frontend/dist is deployed when it has been built; synth never needs it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Duration,
    RemovalPolicy,
)
from aws_cdk import (
    aws_cloudfront as cloudfront,
)
from aws_cdk import (
    aws_cloudfront_origins as origins,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import (
    aws_s3_deployment as s3_deployment,
)
from constructs import Construct


class WebHosting(Construct):
    """Web bucket + CloudFront distribution (+ the dist deployment when it exists)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        dist_dir: Path,
        api_domain: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # The dashboard is rebuilt from source; nothing here is the only copy.
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Wandr dashboard",
            default_root_object="index.html",
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            additional_behaviors=_api_behaviour(api_domain),
            # Client-side routes: S3 answers 403/404 for them; serve the app instead.
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path="/index.html",
                    ttl=Duration.seconds(0),
                )
                for status in (403, 404)
            ],
        )
        self.deployment: s3_deployment.BucketDeployment | None = None
        if (dist_dir / "index.html").is_file():
            self.deployment = s3_deployment.BucketDeployment(
                self,
                "Deploy",
                sources=[s3_deployment.Source.asset(str(dist_dir))],
                destination_bucket=self.bucket,
                distribution=self.distribution,
                distribution_paths=["/*"],
                memory_limit=512,
            )


def _api_behaviour(api_domain: str | None) -> dict[str, cloudfront.BehaviorOptions]:
    """`/api/*` to API Gateway: never cached, every method, the caller's headers (the token)."""
    if api_domain is None:
        return {}
    return {
        "/api/*": cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(api_domain),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        )
    }
