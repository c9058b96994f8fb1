"""run_pull against the fake Corsight server over HTTP and moto over HTTP."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from wandr import aws, rawkeys, uploads
from wandr.corsight import pull, state
from wandr.corsight.client import (
    CorsightAuthError,
    CorsightError,
    CorsightUnavailableError,
    MalformedPageError,
)
from wandr.corsight.fake_server import RunningFakeCorsight
from wandr.corsight.pull import PullOptions, run_pull, secret_name
from wandr.resources import Resources

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
MakeOptions = Callable[..., PullOptions]


class SimulatedCrash(Exception):
    """Stands for the Lambda dying at a precise point of the pull."""


def raw_objects(resources: Resources, tenant: str) -> dict[str, bytes]:
    s3 = aws.client("s3")
    listing = s3.list_objects_v2(Bucket=resources.raw_bucket, Prefix=f"tenant={tenant}/")
    return {
        item["Key"]: s3.get_object(Bucket=resources.raw_bucket, Key=item["Key"])["Body"].read()
        for item in listing.get("Contents", [])
    }


def rows_of(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def pulled_event_ids(resources: Resources, tenant: str) -> list[str]:
    """Every event id in the tenant's raw objects, in id order, duplicates included."""
    bodies = raw_objects(resources, tenant).values()
    return sorted((row["event_id"] for body in bodies for row in rows_of(body)), key=int)


def served_ids(fake: RunningFakeCorsight) -> list[str]:
    return [e["event_id"] for e in fake.events]


def pull_state(tenant: str) -> dict[str, Any]:
    return state.load(tenant).to_dict()


def test_first_pull_writes_every_event_as_one_canonical_csv_object(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    result = run_pull(tenant, now=NOW, options=options)

    objects = raw_objects(resources, tenant)
    assert list(objects) == [
        f"tenant={tenant}/kind=csv/upload=corsight-start-120/corsight-start-120.csv"
    ]
    key = rawkeys.parse(next(iter(objects)))
    assert (key.kind, key.upload_id) == ("csv", "corsight-start-120")
    rows = rows_of(next(iter(objects.values())))
    assert [r["event_id"] for r in rows] == served_ids(fake)
    assert rows[0]["person_id"].startswith("poi-7-") or rows[0]["person_id"].startswith("app-7-")
    assert result.cursor_before is None and result.cursor_after == "120"
    assert result.events == 120 and not result.has_more
    assert pull_state(tenant) | {"updated_at": None} == {
        "tenant": tenant,
        "cursor": "120",
        "pending_to": None,
        "pending_count": None,
        "last_success_at": "2026-02-01T12:00:00.000+00:00",
        "last_error": None,
        "last_error_at": None,
        "last_upload_id": "corsight-start-120",
        "events_total": 120,
        "updated_at": None,
    }


def test_a_pulled_object_is_recorded_as_an_upload_from_corsight(
    tenant: str, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)

    item = uploads.get(tenant, "corsight-start-120")
    assert item is not None
    body = next(iter(raw_objects(resources, tenant).values()))
    assert (item.source, item.kind, item.status, int(item.size)) == (
        "corsight",
        "csv",
        "awaiting_upload",
        len(body),
    )
    assert item.key.endswith("/corsight-start-120.csv")


def test_face_crops_images_and_feature_vectors_never_reach_the_raw_bucket(
    tenant: str, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)

    body = next(iter(raw_objects(resources, tenant).values()))
    for leaked in (b"aW1hZ2UtYnl0ZXM", b"Y3JvcC1ieXRlcw", b"features", b"bounding_box"):
        assert leaked not in body


def test_an_incremental_pull_fetches_only_the_events_after_the_cursor(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)
    fake.add_events(30)

    result = run_pull(tenant, now=NOW, options=options)

    assert [o.upload_id for o in result.objects] == ["corsight-120-150"]
    assert result.cursor_before == "120" and result.cursor_after == "150"
    assert pulled_event_ids(resources, tenant) == served_ids(fake)
    assert pull_state(tenant)["events_total"] == 150


def test_a_pull_with_nothing_new_writes_nothing_and_keeps_the_cursor(
    tenant: str, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)

    result = run_pull(tenant, now=NOW, options=options)

    assert result.objects == () and result.cursor_after == "120"
    assert len(raw_objects(resources, tenant)) == 1


def test_a_large_backlog_is_split_into_bounded_objects_and_reports_more_to_come(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, make_options: MakeOptions
) -> None:
    small = make_options(page_size=20, max_events_per_object=50, max_objects_per_run=2)

    first = run_pull(tenant, now=NOW, options=small)
    second = run_pull(tenant, now=NOW, options=small)

    assert [o.upload_id for o in first.objects] == ["corsight-start-50", "corsight-50-100"]
    assert first.has_more
    assert [o.upload_id for o in second.objects] == ["corsight-100-120"]
    assert not second.has_more
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


def test_a_token_that_expires_mid_pull_is_renewed_and_no_event_is_lost(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    fake.expire_tokens_after(2)  # every token dies after two pages

    run_pull(tenant, now=NOW, options=options)

    assert fake.statuses[401] >= 2
    assert fake.logins >= 3
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


def test_a_token_close_to_expiry_is_renewed_before_the_server_rejects_it(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, make_options: MakeOptions
) -> None:
    fake.set_token_ttl(30)  # shorter than the client's refresh margin
    eager = make_options(page_size=50, refresh_margin_s=60)

    run_pull(tenant, now=NOW, options=eager)

    assert fake.statuses[401] == 0
    assert fake.logins == fake.event_requests == 3  # pages of 50, 50, 20
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_server_errors_are_retried_until_the_page_arrives(
    status: int,
    tenant: str,
    fake: RunningFakeCorsight,
    resources: Resources,
    options: PullOptions,
) -> None:
    fake.fail_next(status, times=2)
    fake.fail_next(status, times=1, endpoint="login")

    result = run_pull(tenant, now=NOW, options=options)

    assert fake.statuses[status] == 3
    assert result.events == 120
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


def test_a_server_that_keeps_failing_stops_the_pull_with_the_status_and_keeps_the_cursor(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)
    fake.add_events(10)
    fake.fail_next(503, times=100)

    with pytest.raises(CorsightUnavailableError, match="answered 503 after 3 retries"):
        run_pull(tenant, now=NOW, options=options)

    recorded = pull_state(tenant)
    assert recorded["cursor"] == "120" and recorded["pending_to"] is None
    assert "503" in recorded["last_error"]
    assert len(raw_objects(resources, tenant)) == 1


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("not_json", "body is not JSON"),
        ("no_events", "data.events is missing"),
        ("not_object", "not an object"),
        ("missing_id", "no event_id"),
        ("bad_event", "utc_time_started='soon' is not epoch seconds"),
    ],
)
def test_a_malformed_page_stops_the_pull_with_a_clear_error_and_leaves_the_cursor(
    how: str,
    message: str,
    tenant: str,
    fake: RunningFakeCorsight,
    resources: Resources,
    options: PullOptions,
) -> None:
    fake.malform("50", how)  # the third page of 25

    with pytest.raises(MalformedPageError, match=message):
        run_pull(tenant, now=NOW, options=options)

    recorded = pull_state(tenant)
    assert recorded["cursor"] is None and recorded["pending_to"] is None
    assert message in recorded["last_error"] and "after_id=50" in recorded["last_error"]
    assert raw_objects(resources, tenant) == {}


def test_the_pull_after_a_malformed_page_is_fixed_takes_every_event_once_and_clears_the_error(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    fake.malform("50", "bad_event")
    with pytest.raises(MalformedPageError):
        run_pull(tenant, now=NOW, options=options)
    fake.heal()

    run_pull(tenant, now=NOW, options=options)

    assert pulled_event_ids(resources, tenant) == served_ids(fake)
    assert pull_state(tenant)["last_error"] is None


def test_a_crash_after_claiming_a_range_before_writing_is_redone_with_exactly_that_range(
    tenant: str,
    fake: RunningFakeCorsight,
    resources: Resources,
    options: PullOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(pull, "_put_once", _crash)
        with pytest.raises(SimulatedCrash):
            run_pull(tenant, now=NOW, options=options)
    assert pull_state(tenant)["pending_to"] == "120"
    fake.add_events(15)  # new events arrive before the re-run

    result = run_pull(tenant, now=NOW, options=options)

    assert [(o.upload_id, o.recovered, o.written) for o in result.objects] == [
        ("corsight-start-120", True, True),
        ("corsight-120-135", False, True),
    ]
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


def test_a_crash_after_writing_before_advancing_rewrites_nothing_and_duplicates_nothing(
    tenant: str,
    fake: RunningFakeCorsight,
    resources: Resources,
    options: PullOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(state, "complete", _crash)
        with pytest.raises(SimulatedCrash):
            run_pull(tenant, now=NOW, options=options)
    before = raw_objects(resources, tenant)
    etag_before = _etag(resources, next(iter(before)))
    assert pull_state(tenant)["cursor"] is None

    result = run_pull(tenant, now=NOW, options=options)

    assert [(o.upload_id, o.recovered, o.written) for o in result.objects] == [
        ("corsight-start-120", True, False)
    ]
    assert raw_objects(resources, tenant) == before
    assert _etag(resources, next(iter(before))) == etag_before
    assert pulled_event_ids(resources, tenant) == served_ids(fake)
    assert pull_state(tenant)["cursor"] == "120"


def test_re_pulling_the_same_range_gives_byte_identical_objects(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, options: PullOptions
) -> None:
    run_pull(tenant, now=NOW, options=options)
    first = raw_objects(resources, tenant)
    aws.client("s3").delete_object(Bucket=resources.raw_bucket, Key=next(iter(first)))
    state.PullState(tenant, state.SOURCE).delete()

    run_pull(tenant, now=datetime(2026, 3, 1, tzinfo=UTC), options=options)

    assert raw_objects(resources, tenant) == first


def test_a_pull_from_a_stale_cursor_cannot_claim_a_range(tenant: str, options: PullOptions) -> None:
    run_pull(tenant, now=NOW, options=options)

    with pytest.raises(state.ConcurrentPullError):
        state.claim(tenant, None, "50", 50, NOW)
    with pytest.raises(state.ConcurrentPullError):
        state.complete(tenant, None, "50", 50, "corsight-start-50", NOW)
    assert pull_state(tenant)["cursor"] == "120"


def test_the_legacy_per_port_layout_pulls_the_same_events(
    resources: Resources, fake: RunningFakeCorsight, options: PullOptions
) -> None:
    aws.client("secretsmanager").create_secret(
        Name=secret_name("legacy"), SecretString=json.dumps(fake.secret(layout="legacy_port"))
    )

    run_pull("legacy", now=NOW, options=options)

    assert pulled_event_ids(resources, "legacy") == served_ids(fake)


def test_refused_credentials_are_reported_without_revealing_the_password(
    resources: Resources, fake: RunningFakeCorsight, options: PullOptions
) -> None:
    secret = fake.secret(password="wrong-horse-battery")
    aws.client("secretsmanager").create_secret(
        Name=secret_name("acme"), SecretString=json.dumps(secret)
    )

    with pytest.raises(CorsightAuthError, match="refused the tenant's credentials") as raised:
        run_pull("acme", now=NOW, options=options)

    assert "wrong-horse-battery" not in str(raised.value)
    assert "wrong-horse-battery" not in pull_state("acme")["last_error"]


def test_a_missing_secret_names_the_secret_to_create(
    resources: Resources, options: PullOptions
) -> None:
    with pytest.raises(CorsightError, match="cannot read secret wandr/corsight/nobody"):
        run_pull("nobody", now=NOW, options=options)

    assert "wandr/corsight/nobody" in pull_state("nobody")["last_error"]


def test_a_secret_with_bad_keys_names_them_without_echoing_values(
    resources: Resources, options: PullOptions
) -> None:
    aws.client("secretsmanager").create_secret(
        Name=secret_name("acme"),
        SecretString=json.dumps({"base_url": "ftp://x", "usrname": "a", "password": "hunter22"}),
    )

    with pytest.raises(CorsightError) as raised:
        run_pull("acme", now=NOW, options=options)

    message = str(raised.value)
    assert "base_url" in message and "usrname" in message and "username" in message
    assert "hunter22" not in message


def test_an_invalid_tenant_id_is_refused_before_anything_is_read() -> None:
    with pytest.raises(ValueError, match="not a valid id"):
        run_pull("../other", now=NOW)


def _crash(*args: object, **kwargs: object) -> None:
    raise SimulatedCrash()


def _etag(resources: Resources, key: str) -> str:
    return str(aws.client("s3").head_object(Bucket=resources.raw_bucket, Key=key)["ETag"])


def test_two_pulls_racing_for_one_tenant_deliver_every_event_exactly_once(
    tenant: str, fake: RunningFakeCorsight, resources: Resources, make_options: MakeOptions
) -> None:
    racing = make_options(page_size=10, max_events_per_object=40)
    outcomes: list[str] = []

    def one_pull() -> None:
        try:
            run_pull(tenant, now=NOW, options=racing)
            outcomes.append("done")
        except state.ConcurrentPullError:
            outcomes.append("lost the race")

    threads = [threading.Thread(target=one_pull) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    run_pull(tenant, now=NOW, options=racing)  # whatever the loser left is picked up here

    assert len(outcomes) == 2 and "done" in outcomes
    assert pulled_event_ids(resources, tenant) == served_ids(fake)


def test_saved_settings_are_checked_and_then_used_by_the_next_pull(
    resources: Resources, fake: RunningFakeCorsight, options: PullOptions
) -> None:
    with pytest.raises(CorsightError, match="username"):
        pull.save_settings("mall-9", {"base_url": fake.url, "password": "x"})
    pull.save_settings("mall-9", fake.secret(password="stale"))
    name = pull.save_settings("mall-9", fake.secret())  # replaces the first one

    run_pull("mall-9", now=NOW, options=options)

    assert name == "wandr/corsight/mall-9"
    assert pulled_event_ids(resources, "mall-9") == served_ids(fake)
