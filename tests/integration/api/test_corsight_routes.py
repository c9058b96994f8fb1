"""Admin-started Corsight pulls through the API, on the local stack."""

from __future__ import annotations

import time

import pytest

from wandr.client import ApiError
from wandr.corsight import fake_server
from wandr.corsight.pull import save_settings, secret_name


def _wait_for_pull(admin, before: dict, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = admin.call("GET", "/corsight/status")
        if status["updated_at"] != before["updated_at"] and status["pending_to"] is None:
            return dict(status)
        time.sleep(0.3)
    raise TimeoutError("the pull did not finish")


def test_an_admin_starts_a_pull_and_sees_the_cursor_advance(stack):
    admin = stack.client("acme", "admin")
    with fake_server.start(40, seed=3) as fake:
        save_settings("acme", fake.secret())
        try:
            before = admin.call("GET", "/corsight/status")
            started = admin.call("POST", "/corsight/pull")  # answers before the pull runs
            after = _wait_for_pull(admin, before)
            stack.wait_idle(timeout=120)
        finally:  # leave no source pointing at a stopped server for later tests
            stack.aws("secretsmanager").delete_secret(
                SecretId=secret_name("acme"), ForceDeleteWithoutRecovery=True
            )

    assert started["tenant"] == "acme"
    assert started["status_code"] == 202
    assert after["events_total"] == before["events_total"] + 40
    assert after["cursor"] != before["cursor"]
    assert after["last_error"] is None
    pulled = [u for u in admin.list_uploads(200) if u["source"] == "corsight"]
    assert pulled
    assert {u["status"] for u in pulled} == {"succeeded"}


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_admins_may_start_a_pull(stack, role):
    with pytest.raises(ApiError) as refused:
        stack.client("demo", role).call("POST", "/corsight/pull")
    assert refused.value.status == 403
