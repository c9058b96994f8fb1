"""Presigned uploads into the tenant's raw prefix, with deduplication and multipart resume.

Single files up to 100 MiB go up in one presigned POST whose policy pins the exact key and
the exact byte count (`content-length-range`), so a client cannot write elsewhere or send
more than it declared. Larger files (videos up to 5 GB) use S3 multipart: presigned
`UploadPart` URLs, a part listing to resume, complete with ETags, abort. The S3 UploadId is
never taken from the client: it is looked up by the key, and the key is rebuilt from the
token's tenant and an upload id found under that tenant, so no id from another tenant can
reach another tenant's object.

The upload item is created (status awaiting_upload) before any URL is handed out; the
pipeline picks the same item up from the key when the object lands.
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from wandr import aws, spatial_store
from wandr import uploads as store
from wandr.api import cursors
from wandr.api.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from wandr.api.models import (
    MAX_PARTS,
    MULTIPART_MAX,
    PART_MIN,
    CompleteRequest,
    MultipartCreate,
    MultipartTicket,
    PartList,
    PartUrl,
    PartUrls,
    PresignedPost,
    UploadCreate,
    UploadedPart,
    UploadOut,
    UploadPage,
    UploadTicket,
)
from wandr.identity import Principal
from wandr.rawkeys import RawKey, is_valid_id, safe_filename
from wandr.resources import current, env_name

URL_EXPIRY_S = 900
"""Presigned URLs live 15 minutes: long enough for a 100 MiB POST or a batch of parts."""
DEDUP_STATUSES = ("processing", "succeeded")
_SIGV4 = Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"})


def raw_bucket() -> str:
    return env_name("WANDR_RAW_BUCKET", current().raw_bucket)


def s3() -> Any:
    """An S3 client that presigns with SigV4 (what KMS-encrypted buckets require).

    Built here rather than by wandr.aws.client, which fixes its own Config; boto3 still
    honours AWS_ENDPOINT_URL, so presigned URLs point at the local stack when it runs.
    """
    return _s3_for(aws.endpoint_url(), aws.region())


@lru_cache(maxsize=4)
def _s3_for(endpoint: str | None, region: str) -> Any:
    return boto3.client("s3", region_name=region, endpoint_url=endpoint, config=_SIGV4)


def new_upload_id() -> str:
    """Sortable by creation time, so the newest uploads list first."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"


def out(item: store.Upload) -> UploadOut:
    return UploadOut.model_validate(item.to_dict())


def find(principal: Principal, upload_id: str) -> store.Upload:
    """The caller's upload, or 404 (also for ids that exist only in another tenant)."""
    item = store.get(principal.tenant, upload_id) if is_valid_id(upload_id) else None
    if item is None:
        raise NotFound(f"upload {upload_id!r} not found")
    return item


def duplicate_of(tenant: str, sha256: str) -> store.Upload | None:
    """An earlier upload of the same bytes that is processing or already succeeded."""
    condition = (store.Upload.sha256 == sha256) & store.Upload.status.is_in(*DEDUP_STATUSES)
    for item in store.Upload.query(tenant, filter_condition=condition):
        return item
    return None


def _create_item(principal: Principal, req: UploadCreate | MultipartCreate) -> store.Upload:
    """The upload item (awaiting_upload); a video also registers its camera pin."""
    if req.pin_id is not None and spatial_store.get_pin(principal.tenant, req.pin_id) is None:
        raise BadRequest(f"pin {req.pin_id!r} is not on your mall map")
    upload_id = new_upload_id()
    name = safe_filename(req.filename)
    key = str(RawKey(principal.tenant, req.kind, upload_id, name))
    item = store.Upload(
        principal.tenant,
        upload_id,
        kind=req.kind,
        filename=name,
        key=key,
        size=req.size,
        sha256=req.sha256,
        status="awaiting_upload",
        uploaded_by=principal.username,
        source="upload",
    )
    item.save()
    if req.kind == "video" and req.pin_id is not None:
        recorded = req.recorded_at.isoformat() if req.recorded_at else None
        spatial_store.register_video(
            principal.tenant, upload_id, req.pin_id, filename=name, recorded_at=recorded
        )
    return item


def create(principal: Principal, req: UploadCreate) -> UploadTicket:
    earlier = duplicate_of(principal.tenant, req.sha256)
    if earlier is not None:
        return UploadTicket(upload=out(earlier), duplicate=True)
    item = _create_item(principal, req)
    fields = {"x-amz-meta-sha256": req.sha256}
    conditions: list[Any] = [
        ["content-length-range", req.size, req.size],
        {"x-amz-meta-sha256": req.sha256},
    ]
    if req.content_type:
        fields["Content-Type"] = req.content_type
        conditions.append({"Content-Type": req.content_type})
    post = s3().generate_presigned_post(
        raw_bucket(), item.key, Fields=fields, Conditions=conditions, ExpiresIn=URL_EXPIRY_S
    )
    return UploadTicket(
        upload=out(item),
        post=PresignedPost(url=post["url"], fields=post["fields"]),
        expires_in=URL_EXPIRY_S,
    )


def initiate_multipart(principal: Principal, req: MultipartCreate) -> MultipartTicket:
    earlier = duplicate_of(principal.tenant, req.sha256)
    if earlier is not None:
        return MultipartTicket(upload=out(earlier), duplicate=True)
    part_count = math.ceil(req.size / req.part_size)
    if part_count > MAX_PARTS:
        raise BadRequest(f"{part_count} parts exceed S3's {MAX_PARTS}; use larger parts")
    item = _create_item(principal, req)
    extra = {"ContentType": req.content_type} if req.content_type else {}
    s3().create_multipart_upload(
        Bucket=raw_bucket(),
        Key=item.key,
        Metadata={"sha256": req.sha256, "part-size": str(req.part_size)},
        **extra,
    )
    return MultipartTicket(
        upload=out(item), part_size=req.part_size, part_count=part_count, expires_in=URL_EXPIRY_S
    )


def _s3_upload_id(item: store.Upload) -> str:
    """The S3 multipart UploadId for this upload's key (newest if there are several)."""
    listing = s3().list_multipart_uploads(Bucket=raw_bucket(), Prefix=item.key)
    ids = [u for u in listing.get("Uploads", []) if u["Key"] == item.key]
    if not ids or item.status != "awaiting_upload":
        raise Conflict(f"upload {item.upload_id!r} has no multipart upload in progress")
    return str(max(ids, key=lambda u: u["Initiated"])["UploadId"])


def part_urls(principal: Principal, upload_id: str, numbers: list[int]) -> PartUrls:
    item = find(principal, upload_id)
    count = _part_count(item)
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise BadRequest(f"part numbers must be 1..{count}", details={"invalid": bad})
    s3_id = _s3_upload_id(item)
    client = s3()
    urls = [
        PartUrl(
            part_number=n,
            url=client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": raw_bucket(),
                    "Key": item.key,
                    "UploadId": s3_id,
                    "PartNumber": n,
                },
                ExpiresIn=URL_EXPIRY_S,
            ),
        )
        for n in sorted(set(numbers))
    ]
    return PartUrls(parts=urls, expires_in=URL_EXPIRY_S)


def _part_count(item: store.Upload) -> int:
    """The most parts the declared size can need with the smallest allowed part size."""
    return min(MAX_PARTS, max(1, math.ceil(int(item.size) / PART_MIN)))


def list_parts(principal: Principal, upload_id: str) -> PartList:
    item = find(principal, upload_id)
    parts = _uploaded_parts(item, _s3_upload_id(item))
    part_size = max((p.size for p in parts), default=0)
    part_count = math.ceil(int(item.size) / part_size) if part_size else 0
    return PartList(
        parts=parts,
        part_size=part_size,
        part_count=part_count,
        uploaded_bytes=sum(p.size for p in parts),
    )


def _uploaded_parts(item: store.Upload, s3_id: str) -> list[UploadedPart]:
    client = s3()
    parts: list[UploadedPart] = []
    marker = 0
    while True:
        page = client.list_parts(
            Bucket=raw_bucket(), Key=item.key, UploadId=s3_id, PartNumberMarker=marker
        )
        parts += [
            UploadedPart(part_number=p["PartNumber"], etag=p["ETag"], size=p["Size"])
            for p in page.get("Parts", [])
        ]
        if not page.get("IsTruncated"):
            return parts
        marker = page["NextPartNumberMarker"]


def complete(principal: Principal, upload_id: str, req: CompleteRequest) -> UploadOut:
    item = find(principal, upload_id)
    s3_id = _s3_upload_id(item)
    numbers = [p.part_number for p in req.parts]
    if numbers != sorted(set(numbers)):
        raise BadRequest("parts must be listed once each, in ascending part_number order")
    held = {p.part_number: p for p in _uploaded_parts(item, s3_id)}
    missing = [n for n in numbers if n not in held]
    if missing:
        raise BadRequest("some parts were never uploaded", details={"missing": missing})
    total = sum(held[n].size for n in numbers)
    if total > MULTIPART_MAX:
        raise PayloadTooLarge(f"{total} bytes exceed the {MULTIPART_MAX}-byte limit")
    if total != int(item.size):
        raise BadRequest(
            f"parts hold {total} bytes but the upload declared {item.size}",
            details={"uploaded_bytes": total, "declared": int(item.size)},
        )
    try:
        s3().complete_multipart_upload(
            Bucket=raw_bucket(),
            Key=item.key,
            UploadId=s3_id,
            MultipartUpload={
                "Parts": [{"PartNumber": p.part_number, "ETag": p.etag} for p in req.parts]
            },
        )
    except ClientError as exc:
        raise BadRequest(
            f"S3 refused the parts: {exc.response['Error'].get('Message')}", code="invalid_parts"
        ) from exc
    return out(find(principal, upload_id))


def abort(principal: Principal, upload_id: str) -> UploadOut:
    item = find(principal, upload_id)
    s3_id = _s3_upload_id(item)
    s3().abort_multipart_upload(Bucket=raw_bucket(), Key=item.key, UploadId=s3_id)
    return out(
        store.advance(principal.tenant, upload_id, "failed", error="upload aborted by the client")
    )


def page(principal: Principal, limit: int, cursor: str | None) -> UploadPage:
    """The tenant's uploads, newest first (the by-created index)."""
    fields = ("tenant", "upload_id", "created_at")
    start = None
    if cursor:
        key = cursors.decode(cursor, {"tenant": principal.tenant}, fields)
        start = {name: {"S": key[name]} for name in fields}
    results = store.Upload.by_created.query(
        principal.tenant, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    items = [out(item) for item in results]
    last = results.last_evaluated_key
    next_cursor = None
    if last and len(items) == limit:
        next_cursor = cursors.encode({name: last[name]["S"] for name in fields})
    return UploadPage(items=items, next_cursor=next_cursor)
