"""Per-tenant pull state in the pull-state table: the cursor and what happened last.

One item per (tenant, source="corsight"). The cursor is the last Corsight event id that is
safely in the raw bucket. A pull moves it in two conditional steps:

1. `claim`: record the range it is about to write (`pending_to`, `pending_count`), only if
   the cursor is still where this pull read it and nobody else has a range pending;
2. `complete`: after the raw object is written, move the cursor to `pending_to` and clear the
   pending range, again only if the cursor is unchanged.

A crash between the two leaves the range pending, and the next pull rewrites exactly that
range (same key, same bytes) before pulling anything new; two concurrent pulls cannot both
claim, so neither can write an overlapping object.
"""

from __future__ import annotations

import os
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from wandr import aws
from wandr.resources import Resources

SOURCE = "corsight"
MAX_ERROR_CHARS = 1000


class ConcurrentPullError(Exception):
    """Another pull moved the cursor or holds a pending range; this one wrote nothing."""


class PullState(Model):
    class Meta:
        table_name = os.environ.get("WANDR_PULL_STATE_TABLE", Resources().pull_state_table.name)
        region = aws.region()

    tenant = UnicodeAttribute(hash_key=True)
    source = UnicodeAttribute(range_key=True)
    cursor = UnicodeAttribute(null=True)
    pending_to = UnicodeAttribute(null=True)
    pending_count = NumberAttribute(null=True)
    last_success_at = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_error_at = UnicodeAttribute(null=True)
    last_upload_id = UnicodeAttribute(null=True)
    events_total = NumberAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.tenant,
            "cursor": self.cursor,
            "pending_to": self.pending_to,
            "pending_count": None if self.pending_count is None else int(self.pending_count),
            "last_success_at": self.last_success_at,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_upload_id": self.last_upload_id,
            "events_total": int(self.events_total or 0),
            "updated_at": self.updated_at,
        }


def load(tenant: str) -> PullState:
    """The tenant's state, or a blank one (cursor None) before its first pull."""
    try:
        return PullState.get(tenant, SOURCE, consistent_read=True)
    except DoesNotExist:
        return PullState(tenant, SOURCE)


def claim(tenant: str, cursor: str | None, to: str, count: int, now: datetime) -> None:
    """Record the range (cursor, to] as about to be written, if nobody moved the cursor."""
    condition = _cursor_is(cursor) & PullState.pending_to.does_not_exist()
    _update(
        tenant,
        [
            PullState.pending_to.set(to),
            PullState.pending_count.set(count),
            PullState.updated_at.set(_iso(now)),
        ],
        condition,
        f"cannot claim the range after {cursor or '(start)'}",
    )


def complete(
    tenant: str, cursor: str | None, to: str, count: int, upload_id: str, now: datetime
) -> None:
    """The range's object is written: move the cursor to `to` and clear the claim."""
    _update(
        tenant,
        [
            PullState.cursor.set(to),
            PullState.pending_to.remove(),
            PullState.pending_count.remove(),
            PullState.last_upload_id.set(upload_id),
            PullState.events_total.add(count),
            PullState.last_success_at.set(_iso(now)),
            PullState.last_error.remove(),
            PullState.last_error_at.remove(),
            PullState.updated_at.set(_iso(now)),
        ],
        _cursor_is(cursor) & (PullState.pending_to == to),
        f"cannot advance the cursor from {cursor or '(start)'} to {to}",
    )


def record_success(tenant: str, now: datetime) -> None:
    """A pull that ended cleanly (possibly with nothing new): clear the last error."""
    _update(
        tenant,
        [
            PullState.last_success_at.set(_iso(now)),
            PullState.last_error.remove(),
            PullState.last_error_at.remove(),
            PullState.updated_at.set(_iso(now)),
        ],
        None,
        "cannot record success",
    )


def record_error(tenant: str, message: str, now: datetime) -> None:
    """Keep why the last pull failed, for the operator; the cursor is not touched."""
    _update(
        tenant,
        [
            PullState.last_error.set(message[:MAX_ERROR_CHARS]),
            PullState.last_error_at.set(_iso(now)),
            PullState.updated_at.set(_iso(now)),
        ],
        None,
        "cannot record the error",
    )


def _cursor_is(cursor: str | None) -> Condition:
    if cursor is None:
        return PullState.cursor.does_not_exist()
    return PullState.cursor == cursor


def _update(tenant: str, actions: list[Action], condition: Condition | None, what: str) -> None:
    try:
        PullState(tenant, SOURCE).update(actions=actions, condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            raise ConcurrentPullError(
                f"tenant {tenant}: {what}: another pull changed the pull state"
            ) from None
        raise


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")
