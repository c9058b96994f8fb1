"""The spatial routes' library side: map and pin validation errors, video URLs, deletes.

Reads and writes go through wandr.spatial_store, whose partition keys start with the tenant;
this module adds what HTTP needs: 404s for ids the tenant does not have, 422s listing every
problem of a rejected map, and short-lived URLs for a video's original, proxy and thumbnail
that are only signed for keys under the caller's own tenant prefix.
"""

from __future__ import annotations

from typing import Any

from wandr import mallmap, spatial_store
from wandr import uploads as upload_store
from wandr.api import uploads
from wandr.api.errors import BadRequest, NotFound, ValidationFailed
from wandr.api.models_spatial import PinIn
from wandr.identity import Principal
from wandr.rawkeys import RawKey
from wandr.resources import current, env_name

URL_EXPIRY_S = 900


def save_map(tenant: str, geojson: dict[str, Any]) -> dict[str, Any]:
    try:
        return spatial_store.put_map(tenant, geojson)
    except mallmap.MallMapError as exc:
        raise ValidationFailed("the mall map is not valid", details=exc.problems) from exc


def save_pin(tenant: str, pin_id: str, pin: PinIn) -> dict[str, Any]:
    props = pin.model_dump(exclude={"coordinates"}, exclude_none=True)
    props["id"] = pin_id
    props["transit_times"] = {k: v.model_dump() for k, v in pin.transit_times.items()}
    try:
        spatial_store.put_pin(tenant, props, tuple(pin.coordinates))  # type: ignore[arg-type]
    except mallmap.MallMapError as exc:
        raise ValidationFailed("the pin does not fit the mall map", details=exc.problems) from exc
    return found(spatial_store.get_pin(tenant, pin_id), "pin", pin_id)


def found(item: dict[str, Any] | None, what: str, ident: str) -> dict[str, Any]:
    if item is None:
        raise NotFound(f"{what} {ident!r} not found")
    return item


def video(tenant: str, upload_id: str) -> dict[str, Any]:
    item = spatial_store.get_video(tenant, upload_id)
    if item is None or item.get("status") == "deleted":
        raise NotFound(f"video {upload_id!r} not found")
    return item


def videos(tenant: str, pin_id: str | None) -> list[dict[str, Any]]:
    return [v for v in spatial_store.list_videos(tenant, pin_id) if v.get("status") != "deleted"]


def delete_video(principal: Principal, upload_id: str) -> dict[str, Any]:
    """Delete the footage (raw object, proxy, thumbnail) and mark the video deleted."""
    item = video(principal.tenant, upload_id)
    s3 = uploads.s3()
    upload = upload_store.get(principal.tenant, upload_id)
    if upload is not None:
        s3.delete_object(Bucket=uploads.raw_bucket(), Key=upload.key)
    for field in ("proxy_key", "thumbnail_key"):
        key = item.get(field)
        if isinstance(key, str) and key.startswith(RawKey.tenant_prefix(principal.tenant)):
            s3.delete_object(Bucket=_results_bucket(), Key=key)
    return spatial_store.update_video(principal.tenant, upload_id, status="deleted")


def media_url(principal: Principal, upload_id: str, variant: str) -> dict[str, Any]:
    """A presigned GET for `original`, `proxy` or `thumbnail`, inside the tenant's prefix."""
    item = video(principal.tenant, upload_id)
    if variant == "original":
        upload = upload_store.get(principal.tenant, upload_id)
        bucket, key = uploads.raw_bucket(), upload.key if upload else None
    else:
        bucket, key = _results_bucket(), item.get(f"{variant}_key")
    if not isinstance(key, str) or not key:
        raise NotFound(f"video {upload_id!r} has no {variant} yet")
    if not key.startswith(RawKey.tenant_prefix(principal.tenant)):
        raise BadRequest(f"video {upload_id!r} points outside its tenant")  # never sign it
    url = uploads.s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=URL_EXPIRY_S
    )
    return {"url": url, "variant": variant, "expires_in": URL_EXPIRY_S}


def _results_bucket() -> str:
    return env_name("WANDR_RESULTS_BUCKET", current().results_bucket)


def report(tenant: str, name: str) -> dict[str, Any]:
    if name not in spatial_store.REPORTS:
        raise NotFound(f"no report {name!r}; one of {', '.join(spatial_store.REPORTS)}")
    return spatial_store.get_report(tenant, name) or {}
