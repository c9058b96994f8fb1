"""The Wandr HTTP API: routes only.

Each route parses, authorises (through `wandr.api.routing`), calls the library and returns.
Served by API Gateway + Lambda in the cloud and over HTTP on 127.0.0.1 by the local stack.
"""

from __future__ import annotations

from chalice import Chalice

from wandr import identity, spatial_store
from wandr.api import analytics, corsight, openapi, spatial, uploads
from wandr.api.filters import ExportQuery
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
from wandr.api.models_spatial import (
    AssociationQuery,
    GeoJsonMap,
    Items,
    JourneyQuery,
    MediaQuery,
    MediaUrl,
    PinIn,
    TrackletQuery,
    VideoQuery,
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


# --- spatial: mall map and pins ----------------------------------------------------------


@api.route("/map", summary="The mall map (GeoJSON)", tags=("spatial",))
def get_map(ctx: Context) -> dict:
    return spatial_store.get_map(ctx.principal.tenant) or {
        "type": "FeatureCollection",
        "features": [],
    }


@api.route(
    "/map", "PUT", role="admin", body=GeoJsonMap, summary="Replace the mall map", tags=("spatial",)
)
def put_map(ctx: Context) -> dict:
    return spatial.save_map(ctx.principal.tenant, ctx.body.model_dump(mode="json"))


@api.route(
    "/pins",
    response=Items,
    summary="Camera pins with adjacency and transit times",
    tags=("spatial",),
)
def list_pins(ctx: Context) -> Items:
    return Items(items=spatial_store.list_pins(ctx.principal.tenant))


@api.route("/pins/{pin_id}", summary="One camera pin", tags=("spatial",))
def get_pin(ctx: Context, pin_id: str) -> dict:
    return spatial.found(spatial_store.get_pin(ctx.principal.tenant, pin_id), "pin", pin_id)


@api.route(
    "/pins/{pin_id}",
    "PUT",
    role="admin",
    body=PinIn,
    summary="Create or replace a camera pin",
    tags=("spatial",),
)
def put_pin(ctx: Context, pin_id: str) -> dict:
    return spatial.save_pin(ctx.principal.tenant, pin_id, ctx.body)


@api.route(
    "/pins/{pin_id}",
    "DELETE",
    role="admin",
    summary="Delete a pin and links to it",
    tags=("spatial",),
)
def delete_pin(ctx: Context, pin_id: str) -> dict:
    if not spatial_store.delete_pin(ctx.principal.tenant, pin_id):
        spatial.found(None, "pin", pin_id)
    return {"deleted": pin_id}


# --- spatial: videos and jobs ------------------------------------------------------------


@api.route(
    "/videos",
    query=VideoQuery,
    response=Items,
    summary="Videos, optionally of a pin",
    tags=("videos",),
)
def list_videos(ctx: Context) -> Items:
    return Items(items=spatial.videos(ctx.principal.tenant, ctx.query.pin_id))


@api.route("/videos/{upload_id}", summary="One video with its probe and status", tags=("videos",))
def get_video(ctx: Context, upload_id: str) -> dict:
    return spatial.video(ctx.principal.tenant, upload_id)


@api.route(
    "/videos/{upload_id}",
    "DELETE",
    role="admin",
    summary="Delete a video's footage",
    tags=("videos",),
)
def delete_video(ctx: Context, upload_id: str) -> dict:
    return spatial.delete_video(ctx.principal, upload_id)


@api.route(
    "/videos/{upload_id}/stream",
    query=MediaQuery,
    response=MediaUrl,
    summary="A short-lived URL to play the original or the proxy",
    tags=("videos",),
)
def stream_video(ctx: Context, upload_id: str) -> dict:
    return spatial.media_url(ctx.principal, upload_id, ctx.query.variant)


@api.route(
    "/videos/{upload_id}/thumbnail",
    response=MediaUrl,
    summary="A short-lived URL of the thumbnail",
    tags=("videos",),
)
def video_thumbnail(ctx: Context, upload_id: str) -> dict:
    return spatial.media_url(ctx.principal, upload_id, "thumbnail")


@api.route("/jobs", response=Items, summary="Vision jobs with progress", tags=("videos",))
def list_jobs(ctx: Context) -> Items:
    return Items(items=spatial_store.list_jobs(ctx.principal.tenant))


@api.route("/jobs/{upload_id}", summary="One vision job", tags=("videos",))
def get_job(ctx: Context, upload_id: str) -> dict:
    job = spatial_store.get_job(ctx.principal.tenant, upload_id)
    return spatial.found(job, "job", upload_id)


# --- spatial: tracklets, associations, journeys, reports ---------------------------------


@api.route(
    "/tracklets",
    query=TrackletQuery,
    response=Items,
    summary="Tracklet summaries of a video or pin",
    tags=("journeys",),
)
def list_tracklets(ctx: Context) -> Items:
    q = ctx.query
    return Items(items=spatial_store.list_tracklets(ctx.principal.tenant, q.upload_id, q.pin_id))


@api.route(
    "/associations",
    query=AssociationQuery,
    response=Items,
    summary="Cross-camera decisions with their score components",
    tags=("journeys",),
)
def list_associations(ctx: Context) -> Items:
    rows = spatial_store.list_associations(ctx.principal.tenant, ctx.query.decision)
    return Items(items=rows)


@api.route(
    "/journeys",
    query=JourneyQuery,
    response=Items,
    summary="Journeys by day, minimum confidence and entry pin",
    tags=("journeys",),
)
def list_journeys(ctx: Context) -> Items:
    q = ctx.query
    rows = spatial_store.list_journeys(
        ctx.principal.tenant,
        date=q.date.isoformat() if q.date else None,
        min_confidence=q.min_confidence,
        entry_pin=q.entry_pin,
        limit=q.limit,
    )
    return Items(items=rows)


@api.route("/journeys/{journey_id}", summary="One journey with its links", tags=("journeys",))
def get_journey(ctx: Context, journey_id: str) -> dict:
    journey = spatial_store.get_journey(ctx.principal.tenant, journey_id)
    return spatial.found(journey, "journey", journey_id)


@api.route(
    "/reports/{name}",
    summary="summary, entry_analysis, first_store or edge_traversal",
    tags=("journeys",),
)
def get_report(ctx: Context, name: str) -> dict:
    return spatial.report(ctx.principal.tenant, name)


# --- analytics (wandr.queries) ------------------------------------------------------------


def _analytics_route(path: str, endpoint: analytics.Endpoint) -> None:
    def view(ctx: Context) -> object:
        return analytics.run(path, ctx.principal.tenant, ctx.query)

    view.__name__ = "analytics_" + path.replace("-", "_")
    api.route(
        f"/analytics/{path}", query=endpoint.query, summary=endpoint.summary, tags=("analytics",)
    )(view)


for _path, _endpoint in analytics.ENDPOINTS.items():
    _analytics_route(_path, _endpoint)


@api.route(
    "/analytics/detail/export",
    "POST",
    query=ExportQuery,
    response=MediaUrl,
    summary="Export the filtered detail rows as CSV (a short-lived download URL)",
    tags=("analytics",),
)
def export_detail(ctx: Context) -> dict:
    return analytics.export(ctx.principal.tenant, ctx.query)


# --- Corsight pulls ----------------------------------------------------------------------


@api.route(
    "/corsight/pull",
    "POST",
    role="admin",
    response=corsight.PullStarted,
    status=202,
    summary="Pull new events from the tenant's Corsight server now (asynchronous)",
    tags=("corsight",),
)
def start_corsight_pull(ctx: Context) -> corsight.PullStarted:
    return corsight.start_pull(ctx.principal.tenant)


@api.route(
    "/corsight/status",
    role="admin",
    response=corsight.PullStatus,
    summary="The tenant's Corsight pull cursor, last success and last error",
    tags=("corsight",),
)
def corsight_status(ctx: Context) -> corsight.PullStatus:
    return corsight.status(ctx.principal.tenant)


# --- the document ------------------------------------------------------------------------


@api.route("/openapi.json", role=None, summary="This API's OpenAPI 3.1 document", tags=("meta",))
def openapi_document(ctx: Context) -> dict:
    return openapi.document(api.operations)
