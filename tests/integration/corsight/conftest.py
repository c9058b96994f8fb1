"""A moto server (S3, DynamoDB, Secrets Manager) and a fake Corsight server, both on loopback.

One moto server serves the whole session and is reset before each test; each test gets its
own fake Corsight server. Retries are instant so the failure tests stay fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from moto.server import ThreadedMotoServer

from wandr import aws
from wandr.corsight import fake_server
from wandr.corsight.client import RetryPolicy
from wandr.corsight.pull import PullOptions, secret_name
from wandr.corsight.state import PullState
from wandr.resources import Resources
from wandr.uploads import Upload

TENANT = "acme"
FAST_RETRY = RetryPolicy(attempts=3, backoff_factor=0.0, retry_after_max_s=0, read_timeout_s=10)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def resources(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Resources]:
    """Fresh, empty AWS resources with the names the code uses."""
    for name, value in {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    requests.post(f"{moto_url}/moto-api/reset", timeout=10).raise_for_status()
    # pynamodb caches a connection per model; another suite may have used another endpoint.
    PullState._connection = None
    Upload._connection = None
    res = Resources()
    aws.client("s3").create_bucket(Bucket=res.raw_bucket)
    dynamodb = aws.client("dynamodb")
    for table in (res.uploads_table, res.pull_state_table):
        dynamodb.create_table(
            TableName=table.name,
            KeySchema=[
                {"AttributeName": table.partition_key, "KeyType": "HASH"},
                {"AttributeName": table.sort_key, "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": table.partition_key, "AttributeType": "S"},
                {"AttributeName": table.sort_key, "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    yield res
    PullState._connection = None  # do not leave models bound to this server
    Upload._connection = None


@pytest.fixture
def fake() -> Iterator[fake_server.RunningFakeCorsight]:
    with fake_server.start(count=120, seed=7) as running:
        yield running


@pytest.fixture
def tenant(resources: Resources, fake: fake_server.RunningFakeCorsight) -> str:
    """A tenant whose secret points at the fake server."""
    aws.client("secretsmanager").create_secret(
        Name=secret_name(TENANT), SecretString=json.dumps(fake.secret())
    )
    return TENANT


@pytest.fixture
def make_options() -> Callable[..., PullOptions]:
    """PullOptions with instant retries; keyword arguments override the defaults."""

    def make(**overrides: Any) -> PullOptions:
        return PullOptions(**{"page_size": 25, "retry": FAST_RETRY, **overrides})

    return make


@pytest.fixture
def options(make_options: Callable[..., PullOptions]) -> PullOptions:
    return make_options()
