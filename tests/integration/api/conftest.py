"""Fixtures for the API's HTTP tests: the local stack, logged-in clients per tenant and role.

Every test here runs over HTTP against the session-wide `stack` fixture (tests/conftest.py),
so pytest marks them `stack` and `make test` runs them in the local-stack process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


@pytest.fixture(scope="session")
def api_stack(stack: Any) -> Any:
    """The session's local stack (tests/conftest.py), named for what these tests need."""
    return stack


@dataclass
class Caller:
    """An HTTP client for one user: `call("GET", "/me")` -> httpx.Response."""

    http: httpx.Client
    token: str
    username: str
    tenant: str
    role: str

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="session")
def http(api_stack: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_stack.api_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def users(api_stack: Any) -> dict[str, dict[str, str]]:
    """The seeded demo users by (tenant, role): `users["demo/admin"]`."""
    return {f"{u['tenant']}/{u['role']}": u for u in api_stack.identities["users"]}


@pytest.fixture(scope="session")
def callers(http: httpx.Client, users: dict[str, dict[str, str]]) -> dict[str, Caller]:
    """One logged-in caller per seeded user, keyed like `users`."""
    out = {}
    for name, user in users.items():
        response = http.post(
            "/auth/login", json={"username": user["username"], "password": user["password"]}
        )
        response.raise_for_status()
        out[name] = Caller(
            http, response.json()["id_token"], user["username"], user["tenant"], user["role"]
        )
    return out
