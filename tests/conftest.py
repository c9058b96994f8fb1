"""Shared fixtures.

`stack` starts the embedded local stack once per test session. Tests that use it are
marked `stack` automatically and `make test` runs them in their own pytest process,
because moto's in-process `mock_aws` (used by unit tests) resets the same global backends
that the local stack's server holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from wandr import aws
from wandr.client import WandrClient
from wandr.localstack.stack import LocalStack
from wandr.resources import Resources


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.stack)


@dataclass
class StackHandle:
    """What a test needs of the running local stack."""

    local: LocalStack

    @property
    def api_url(self) -> str:
        return self.local.api_url

    @property
    def dashboard_url(self) -> str:
        return self.local.dashboard_url

    @property
    def endpoint_url(self) -> str:
        return self.local.endpoint_url

    @property
    def resources(self) -> Resources:
        return self.local.resources

    @property
    def identities(self) -> dict[str, Any]:
        return self.local.identities

    @property
    def queues(self) -> dict[str, str]:
        return self.local.queues

    def user(self, tenant: str = "demo", role: str = "admin") -> dict[str, Any]:
        for user in self.identities["users"]:
            if user["tenant"] == tenant and user["role"] == role:
                return dict(user)
        raise LookupError(f"no seeded {role} user for tenant {tenant!r}")

    def login(self, username: str, password: str) -> dict[str, Any]:
        return WandrClient(self.api_url).login(username, password)

    def client(self, tenant: str = "demo", role: str = "admin") -> WandrClient:
        user = self.user(tenant, role)
        client = WandrClient(self.api_url)
        client.login(user["username"], user["password"])
        return client

    def aws(self, service: str) -> Any:
        return aws.client(service)

    def wait_idle(self, timeout: float = 120.0) -> None:
        self.local.wait_idle(timeout)


@pytest.fixture(scope="session")
def stack() -> Iterator[StackHandle]:
    local = LocalStack(state_file=None).start()
    try:
        yield StackHandle(local)
    finally:
        local.stop()
