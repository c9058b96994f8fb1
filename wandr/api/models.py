"""Request and response models of the auth, identity and upload routes.

They validate what clients send (types, ranges, lengths, the SHA-256 format) and are the
schemas published in /openapi.json, so a client generated from the document sends exactly
what the routes accept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wandr.rawkeys import Kind

MiB = 1024 * 1024
GiB = 1024 * MiB
SINGLE_PART_MAX = 100 * MiB
"""Largest file sent in one presigned POST; larger files (videos) use multipart."""
MULTIPART_MAX = 5 * GiB
"""Largest file accepted at all (S3 allows 5 TiB; the vision workflow is sized for 5 GB)."""
PART_MIN = 5 * MiB
PART_DEFAULT = 64 * MiB
MAX_PARTS = 10_000

Sha256 = Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the whole file")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- auth -------------------------------------------------------------------------------


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=4096)


class Tokens(BaseModel):
    id_token: str = Field(description="send as `Authorization: Bearer <id_token>`")
    access_token: str
    refresh_token: str | None = None
    expires_in: int
    token_type: str = "Bearer"


class Me(BaseModel):
    username: str
    tenant: str
    role: Literal["admin", "analyst", "viewer"]


# --- uploads ----------------------------------------------------------------------------


class UploadCreate(Strict):
    filename: str = Field(min_length=1, max_length=255)
    kind: Kind
    size: int = Field(ge=1, le=SINGLE_PART_MAX, description="exact size in bytes")
    sha256: str = Sha256
    content_type: str | None = Field(default=None, max_length=127, pattern=r"^[\w.+-]+/[\w.+-]+$")
    pin_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="videos: the camera pin that filmed it",
    )
    recorded_at: datetime | None = Field(default=None, description="videos: when it starts")


class MultipartCreate(Strict):
    filename: str = Field(min_length=1, max_length=255)
    kind: Kind
    size: int = Field(ge=1, le=MULTIPART_MAX, description="exact size in bytes")
    sha256: str = Sha256
    part_size: int = Field(default=PART_DEFAULT, ge=PART_MIN, le=GiB)
    content_type: str | None = Field(default=None, max_length=127, pattern=r"^[\w.+-]+/[\w.+-]+$")
    pin_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="videos: the camera pin that filmed it",
    )
    recorded_at: datetime | None = Field(default=None, description="videos: when it starts")


class UploadOut(BaseModel):
    upload_id: str
    kind: str
    filename: str
    key: str
    size: int
    sha256: str | None
    status: Literal["awaiting_upload", "processing", "succeeded", "failed"]
    created_at: str | None
    updated_at: str | None
    source: str | None
    execution_arn: str | None = None
    error: str | None = None
    report: dict[str, Any] | None = Field(default=None, description="the validation report")


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str] = Field(description="form fields to send before the file field")


class UploadTicket(BaseModel):
    """A new upload and how to send it, or the earlier identical upload (duplicate)."""

    upload: UploadOut
    duplicate: bool = False
    post: PresignedPost | None = Field(
        default=None, description="multipart/form-data POST: the fields, then `file`"
    )
    expires_in: int | None = None


class MultipartTicket(BaseModel):
    upload: UploadOut
    duplicate: bool = False
    part_size: int | None = None
    part_count: int | None = None
    expires_in: int | None = None


class PartUrlsRequest(Strict):
    part_numbers: list[int] = Field(min_length=1, max_length=100)


class PartUrl(BaseModel):
    part_number: int
    url: str = Field(description="PUT the part's bytes here; keep the ETag response header")


class PartUrls(BaseModel):
    parts: list[PartUrl]
    expires_in: int


class UploadedPart(BaseModel):
    part_number: int
    etag: str
    size: int


class PartList(BaseModel):
    """What S3 already holds, so an interrupted upload resumes with the missing parts."""

    parts: list[UploadedPart]
    part_size: int
    part_count: int
    uploaded_bytes: int


class CompletedPart(Strict):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    etag: str = Field(min_length=1, max_length=128)


class CompleteRequest(Strict):
    parts: list[CompletedPart] = Field(min_length=1, max_length=MAX_PARTS)


class UploadPage(BaseModel):
    items: list[UploadOut]
    next_cursor: str | None = None


class PageQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=2048)
