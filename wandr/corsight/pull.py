"""Pull a tenant's new Corsight events into the raw bucket, exactly once.

A pull fetches the events after the tenant's cursor, renders them as Wandr's camera-event
CSV and writes one raw object per batch at `tenant=<t>/kind=csv/upload=corsight-<from>-<to>/`,
where the normal ingest pipeline picks it up like any upload. The key and the bytes are a pure
function of (tenant, cursor range, Corsight's events in that range), so:

- a crash before the object is written loses nothing: the cursor has not moved;
- a crash after it is written, before the cursor moves, leaves the range claimed in the pull
  state (wandr.corsight.state); the next pull fetches exactly that range again and rewrites
  the identical object (it is skipped when already there), which the pipeline's
  execution-name dedupe and the lake's replace-by-upload-id turn into a no-op;
- a malformed page raises a clear error, is recorded as the tenant's last error, and leaves
  the cursor where it was.

`run_pull` is the one entry point: the scheduled Lambda, `wandr corsight pull` and the admin
API all call it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from wandr import aws, rawkeys, uploads
from wandr.corsight import state
from wandr.corsight.client import (
    CorsightClient,
    CorsightError,
    CorsightSettings,
    MalformedPageError,
    RetryPolicy,
)
from wandr.corsight.mapping import MalformedEventError, event_id, render_csv, to_rows
from wandr.resources import current, env_name

log = logging.getLogger(__name__)

UPLOAD_PREFIX = "corsight-"


@dataclass(frozen=True)
class PullOptions:
    """Batch sizes and retry behaviour; the defaults fit a 5-minute Lambda."""

    page_size: int = 500
    max_events_per_object: int = 5000
    max_objects_per_run: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    refresh_margin_s: float = 60.0

    def __post_init__(self) -> None:
        for name in ("page_size", "max_events_per_object", "max_objects_per_run"):
            if getattr(self, name) < 1:
                raise ValueError(f"PullOptions.{name} must be at least 1")


@dataclass(frozen=True)
class PulledObject:
    """One raw object this pull is responsible for."""

    upload_id: str
    key: str
    cursor_from: str | None
    cursor_to: str
    events: int
    recovered: bool  # the range was claimed by an earlier pull that did not finish
    written: bool  # False when the identical object was already in the bucket


@dataclass(frozen=True)
class PullResult:
    tenant: str
    cursor_before: str | None
    cursor_after: str | None
    objects: tuple[PulledObject, ...]
    has_more: bool  # stopped at max_objects_per_run with a full last batch

    @property
    def events(self) -> int:
        return sum(o.events for o in self.objects)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "objects": [asdict(o) for o in self.objects], "events": self.events}


def run_pull(
    tenant: str,
    *,
    now: datetime | None = None,
    options: PullOptions | None = None,
    settings: CorsightSettings | None = None,
) -> PullResult:
    """Pull `tenant`'s new Corsight events into the raw bucket and advance its cursor.

    Settings come from the secret `<corsight_secret_prefix><tenant>` unless given. Failures
    (bad secret, refused login, server down, malformed page) are recorded as the tenant's
    `last_error` and re-raised; only a concurrent pull is not recorded, since it is the other
    pull's state.
    """
    if not rawkeys.is_valid_id(tenant):
        raise ValueError(f"tenant id {tenant!r} is not a valid id ([A-Za-z0-9_-], max 64)")
    now = now or datetime.now(UTC)
    options = options or PullOptions()
    try:
        settings = settings or load_settings(tenant)
        with CorsightClient(
            settings, retry=options.retry, refresh_margin_s=options.refresh_margin_s
        ) as client:
            result = _pull(tenant, client, options, now)
    except state.ConcurrentPullError:
        raise
    except Exception as error:
        _record_error(tenant, error, now)
        raise
    state.record_success(tenant, now)
    log.info(
        "corsight pull done",
        extra={"tenant": tenant, "events": result.events, "objects": len(result.objects)},
    )
    return result


def secret_name(tenant: str) -> str:
    return f"{current().corsight_secret_prefix}{tenant}"


def load_settings(tenant: str) -> CorsightSettings:
    """The tenant's Corsight connection from Secrets Manager."""
    name = secret_name(tenant)
    try:
        secret = aws.client("secretsmanager").get_secret_value(SecretId=name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise CorsightError(
            f"cannot read secret {name} ({code}): create it with base_url, username, password"
        ) from None
    return CorsightSettings.from_json(secret.get("SecretString") or "", source=f"secret {name}")


def save_settings(tenant: str, secret: Mapping[str, Any]) -> str:
    """Create or replace the tenant's Corsight secret after checking it; returns its name.

    For the demo and for operators configuring a tenant from the CLI; the schedule itself
    only reads the secret.
    """
    if not rawkeys.is_valid_id(tenant):
        raise ValueError(f"tenant id {tenant!r} is not a valid id ([A-Za-z0-9_-], max 64)")
    name = secret_name(tenant)
    text = json.dumps(dict(secret))
    CorsightSettings.from_json(text, source=f"settings for {name}")
    client = aws.client("secretsmanager")
    try:
        client.put_secret_value(SecretId=name, SecretString=text)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        client.create_secret(Name=name, SecretString=text)
    return name


def upload_id_for(cursor: str | None, to: str) -> str:
    """The upload id of the range (cursor, to]: readable when the ids allow, else a digest."""
    readable = f"{UPLOAD_PREFIX}{cursor or 'start'}-{to}"
    if rawkeys.is_valid_id(readable):
        return readable
    digest = hashlib.sha256(f"{cursor or ''}\n{to}".encode()).hexdigest()
    return f"{UPLOAD_PREFIX}{digest[:32]}"


def raw_key(tenant: str, upload_id: str) -> str:
    return str(rawkeys.RawKey(tenant, "csv", upload_id, f"{upload_id}.csv"))


# --- the pull -------------------------------------------------------------------------
Row = dict[str, str]


def _pull(tenant: str, client: CorsightClient, options: PullOptions, now: datetime) -> PullResult:
    current_state = state.load(tenant)
    before = cursor = current_state.cursor
    objects: list[PulledObject] = []
    if current_state.pending_to is not None:
        to, count = current_state.pending_to, int(current_state.pending_count or 0)
        rows = _fetch_range(client, cursor, to, count, options.page_size)
        objects.append(_deliver(tenant, cursor, rows, now, recovered=True))
        cursor = to
    full = False
    while len(objects) < options.max_objects_per_run:
        rows = _fetch_rows(client, cursor, options.max_events_per_object, options.page_size)
        if not rows:
            full = False
            break
        objects.append(_deliver(tenant, cursor, rows, now, recovered=False))
        cursor = objects[-1].cursor_to
        full = len(rows) == options.max_events_per_object
        if not full:
            break
    return PullResult(tenant, before, cursor, tuple(objects), has_more=full)


def _fetch_rows(
    client: CorsightClient, after: str | None, max_events: int, page_size: int
) -> list[Row]:
    """Up to `max_events` events after `after`, page by page, oldest first, as CSV rows.

    Each page is mapped as it arrives, so a malformed event is reported with its page.
    """
    rows: list[Row] = []
    seen: set[str] = set()
    while len(rows) < max_events:
        limit = min(page_size, max_events - len(rows))
        page = client.fetch_page(after, limit)
        where = f"page after_id={after or '(start)'}"
        try:
            page_rows = to_rows(page)
        except MalformedEventError as error:
            raise MalformedPageError(f"{where}: {error}") from None
        for row in page_rows:
            if row["event_id"] in seen:
                raise MalformedPageError(f"{where}: event {row['event_id']} was already sent")
            seen.add(row["event_id"])
        rows.extend(page_rows)
        if len(page) < limit:
            break
        after = event_id(page[-1])
    return rows


def _fetch_range(
    client: CorsightClient, after: str | None, to: str, count: int, page_size: int
) -> list[Row]:
    """Exactly the `count` events of a claimed range (after, to], or a clear error."""
    rows = _fetch_rows(client, after, count, page_size)
    last = rows[-1]["event_id"] if rows else "nothing"
    if len(rows) != count or last != to:
        raise CorsightError(
            f"cannot reproduce the claimed range after {after or '(start)'} to {to} "
            f"({count} events): Corsight now returns {len(rows)} events ending at {last}"
        )
    return rows


def _deliver(
    tenant: str, cursor: str | None, rows: Sequence[Row], now: datetime, *, recovered: bool
) -> PulledObject:
    """Claim the range, record the upload, write the object, then advance the cursor."""
    body = render_csv(rows)
    to = rows[-1]["event_id"]
    upload_id = upload_id_for(cursor, to)
    key = raw_key(tenant, upload_id)
    if not recovered:
        state.claim(tenant, cursor, to, len(rows), now)
    _record_upload(tenant, upload_id, key, body)
    written = _put_once(key, body, len(rows))
    state.complete(tenant, cursor, to, len(rows), upload_id, now)
    log.info(
        "corsight batch delivered",
        extra={"tenant": tenant, "upload_id": upload_id, "events": len(rows), "written": written},
    )
    return PulledObject(upload_id, key, cursor, to, len(rows), recovered, written)


def _record_upload(tenant: str, upload_id: str, key: str, body: bytes) -> None:
    """Create the uploads item before the object exists, so dispatch finds source=corsight."""
    uploads.advance(
        tenant,
        upload_id,
        "awaiting_upload",
        defaults={
            "kind": "csv",
            "filename": key.rsplit("/", 1)[-1],
            "key": key,
            "size": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "source": "corsight",
            "uploaded_by": "corsight-pull",
        },
    )


def _put_once(key: str, body: bytes, count: int) -> bool:
    """Write the object unless the identical bytes are already there (a re-run after a crash)."""
    s3 = aws.client("s3")
    bucket = env_name("WANDR_RAW_BUCKET", current().raw_bucket)
    md5 = hashlib.md5(body, usedforsecurity=False)
    try:
        existing = s3.head_object(Bucket=bucket, Key=key)
        if existing.get("ETag", "").strip('"') == md5.hexdigest():
            return False
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="text/csv",
        ContentMD5=base64.b64encode(md5.digest()).decode(),
        Metadata={"source": "corsight", "events": str(count)},
    )
    return True


def _record_error(tenant: str, error: Exception, now: datetime) -> None:
    message = str(error) if isinstance(error, CorsightError) else f"{type(error).__name__}: {error}"
    try:
        state.record_error(tenant, message, now)
    except Exception:  # the original error matters more than the bookkeeping
        log.exception("could not record the pull error", extra={"tenant": tenant})
