"""AWS clients that honour the local stack.

boto3 already reads `AWS_ENDPOINT_URL`; pyarrow's S3 filesystem does not, so it is built
here. Every adapter that touches AWS gets its client from this module, which is what lets
the same code run against the moto server, LocalStack or a real account.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from pyarrow import fs as pafs

_RETRIES = Config(retries={"max_attempts": 5, "mode": "standard"})


def endpoint_url() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL") or None


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def client(service: str, config: Config | None = None, **kwargs: Any) -> Any:
    """A boto3 client for `service` in the configured region and endpoint.

    A `config` passed in is merged over the standard retry policy.
    """
    factory: Any = boto3  # the stubs overload client() per literal service name
    merged = _RETRIES.merge(config) if config else _RETRIES
    return factory.client(service, region_name=region(), config=merged, **kwargs)


@lru_cache(maxsize=4)
def _s3_filesystem(endpoint: str | None, region_name: str) -> pafs.S3FileSystem:
    if endpoint is None:
        return pafs.S3FileSystem(region=region_name)
    parsed = urlparse(endpoint)
    return pafs.S3FileSystem(
        region=region_name,
        endpoint_override=parsed.netloc,
        scheme=parsed.scheme or "http",
        access_key=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        allow_bucket_creation=False,
    )


def s3_filesystem() -> pafs.S3FileSystem:
    """A pyarrow filesystem over S3 (paths are `bucket/key`), local stack aware."""
    return _s3_filesystem(endpoint_url(), region())
