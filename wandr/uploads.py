"""The uploads table: one item per raw object a tenant sends, with its processing status.

Written at three moments: when the API hands out a presigned URL (`awaiting_upload`), when
the dispatch Lambda starts the workflow (`processing`), and when the workflow records its
outcome (`succeeded` or `failed` with the reason and the validation report). Status only
moves forward, so a late or repeated message can never turn a finished upload back into a
running one.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from wandr import aws
from wandr.resources import Resources

STATUSES = ("awaiting_upload", "processing", "succeeded", "failed")
_RANK = {status: rank for rank, status in enumerate(STATUSES)}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class UploadsByCreated(GlobalSecondaryIndex["Upload"]):
    """A tenant's uploads in creation order (ids from Corsight pulls are not time-ordered)."""

    class Meta:
        index_name = Resources().uploads_table.indexes[0].name
        projection = AllProjection()

    tenant = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class Upload(Model):
    class Meta:
        table_name = os.environ.get("WANDR_UPLOADS_TABLE", Resources().uploads_table.name)
        region = aws.region()

    tenant = UnicodeAttribute(hash_key=True)
    upload_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    filename = UnicodeAttribute()
    key = UnicodeAttribute()
    size = NumberAttribute(default=0)
    sha256 = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="awaiting_upload")
    created_at = UnicodeAttribute(default_for_new=_now)
    updated_at = UnicodeAttribute(default_for_new=_now)
    uploaded_by = UnicodeAttribute(null=True)
    source = UnicodeAttribute(default="upload")  # upload | corsight
    execution_arn = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    report_json = UnicodeAttribute(null=True)

    by_created = UploadsByCreated()

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload_id,
            "kind": self.kind,
            "filename": self.filename,
            "key": self.key,
            "size": int(self.size or 0),
            "sha256": self.sha256,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "source": self.source,
            "execution_arn": self.execution_arn,
            "error": self.error,
            "report": self.report,
        }


def get(tenant: str, upload_id: str) -> Upload | None:
    try:
        return Upload.get(tenant, upload_id, consistent_read=True)
    except DoesNotExist:
        return None


def advance(
    tenant: str,
    upload_id: str,
    status: str,
    *,
    defaults: dict[str, Any] | None = None,
    **fields: Any,
) -> Upload:
    """Move an upload to `status` (never backwards) and set `fields`.

    An upload that has no item yet (an object written straight to the bucket, or by the
    Corsight pull) is created from `defaults`. A finished upload that is reprocessed (the
    same key uploaded again) may go from succeeded/failed back to processing, because that
    is a new object version with a new execution.
    """
    if status not in _RANK:
        raise ValueError(f"unknown upload status {status!r}")
    item = get(tenant, upload_id)
    if item is None:
        item = Upload(tenant, upload_id, **(defaults or {}))
    elif _RANK[status] < _RANK[item.status] and not (
        status == "processing" and fields.get("execution_arn") != item.execution_arn
    ):
        return item
    item.status = status
    item.updated_at = _now()
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    return item
