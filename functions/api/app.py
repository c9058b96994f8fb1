"""The Wandr HTTP API: routes only.

Each route parses, authorises (through `wandr.api.routing`), calls the library and returns.
Served by API Gateway + Lambda in the cloud and over HTTP on 127.0.0.1 by the local stack.
"""

from __future__ import annotations

from chalice import Chalice

from wandr import identity
from wandr.api import uploads
from wandr.api.models import (
    CompleteRequest,
    LoginRequest,
    Me,
    MultipartCreate,
    MultipartTicket,
    PageQuery,
    PartList,
    PartUrls,
    PartUrlsRequest,
    RefreshRequest,
    Tokens,
    UploadCreate,
    UploadOut,
    UploadPage,
    UploadTicket,
)
from wandr.api.routing import Api, Context

app = Chalice(app_name="wandr-api")
api = Api(app)


# --- auth ---------------------------------------------------------------------------------


@api.route(
    "/auth/login",
    "POST",
    role=None,
    body=LoginRequest,
    response=Tokens,
    summary="Log in with username and password",
    tags=("auth",),
)
def login(ctx: Context) -> Tokens:
    return Tokens(**identity.login(ctx.body.username, ctx.body.password))


@api.route(
    "/auth/refresh",
    "POST",
    role=None,
    body=RefreshRequest,
    response=Tokens,
    summary="Exchange a refresh token for new tokens",
    tags=("auth",),
)
def refresh(ctx: Context) -> Tokens:
    return Tokens(**identity.refresh(ctx.body.refresh_token))


@api.route("/me", response=Me, summary="The caller's tenant, role and username", tags=("auth",))
def me(ctx: Context) -> Me:
    p = ctx.principal
    return Me(username=p.username, tenant=p.tenant, role=p.role)  # type: ignore[arg-type]


# --- uploads ------------------------------------------------------------------------------


@api.route(
    "/uploads",
    "POST",
    role="analyst",
    body=UploadCreate,
    response=UploadTicket,
    status=201,
    summary="Start a single-part upload (presigned POST)",
    tags=("uploads",),
)
def create_upload(ctx: Context) -> UploadTicket:
    return uploads.create(ctx.principal, ctx.body)


@api.route(
    "/uploads",
    query=PageQuery,
    response=UploadPage,
    summary="The tenant's uploads, newest first",
    tags=("uploads",),
)
def list_uploads(ctx: Context) -> UploadPage:
    return uploads.page(ctx.principal, ctx.query.limit, ctx.query.cursor)


@api.route(
    "/uploads/{upload_id}",
    response=UploadOut,
    summary="One upload's status and validation report",
    tags=("uploads",),
)
def get_upload(ctx: Context, upload_id: str) -> UploadOut:
    return uploads.out(uploads.find(ctx.principal, upload_id))


@api.route(
    "/uploads/multipart",
    "POST",
    role="analyst",
    body=MultipartCreate,
    response=MultipartTicket,
    status=201,
    summary="Start a multipart upload (videos up to 5 GB)",
    tags=("uploads",),
)
def initiate_multipart(ctx: Context) -> MultipartTicket:
    return uploads.initiate_multipart(ctx.principal, ctx.body)


@api.route(
    "/uploads/{upload_id}/parts",
    "POST",
    role="analyst",
    body=PartUrlsRequest,
    response=PartUrls,
    summary="Presigned URLs for some parts",
    tags=("uploads",),
)
def part_urls(ctx: Context, upload_id: str) -> PartUrls:
    return uploads.part_urls(ctx.principal, upload_id, ctx.body.part_numbers)


@api.route(
    "/uploads/{upload_id}/parts",
    role="analyst",
    response=PartList,
    summary="Parts already uploaded (to resume)",
    tags=("uploads",),
)
def list_parts(ctx: Context, upload_id: str) -> PartList:
    return uploads.list_parts(ctx.principal, upload_id)


@api.route(
    "/uploads/{upload_id}/complete",
    "POST",
    role="analyst",
    body=CompleteRequest,
    response=UploadOut,
    summary="Complete a multipart upload",
    tags=("uploads",),
)
def complete_multipart(ctx: Context, upload_id: str) -> UploadOut:
    return uploads.complete(ctx.principal, upload_id, ctx.body)


@api.route(
    "/uploads/{upload_id}/abort",
    "POST",
    role="analyst",
    response=UploadOut,
    summary="Abort a multipart upload",
    tags=("uploads",),
)
def abort_multipart(ctx: Context, upload_id: str) -> UploadOut:
    return uploads.abort(ctx.principal, upload_id)
