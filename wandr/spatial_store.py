"""The spatial table: mall maps, videos, vision jobs, tracklets, associations, journeys, reports.

One DynamoDB table (pk/sk strings) serves the spatial API. Every partition key starts with the
tenant, so a query can never cross tenants. Layout:

    pk `T#<t>#MAP`       sk `MAP`                     the mall map GeoJSON (pins live in it)
    pk `T#<t>#VIDEO`     sk `<upload_id>`             a video: pin, recorded_at, probe, proxy
    pk `T#<t>#JOB`       sk `<upload_id>`             its processing job: name, status, counts
    pk `T#<t>#TRACKLET`  sk `<upload_id>#<tracklet>`  tracklet summary (times, colours)
    pk `T#<t>#ASSOC`     sk `<link_id>`               one decision with its score components
    pk `T#<t>#JOURNEY`   sk `<date>#<journey_id>`     one journey (pins, links, confidence)
    pk `T#<t>#REPORT`    sk `<name>`                  summary, entry_analysis, first_store,
                                                      edge_traversal

Associations and journeys are recomputed over all of a tenant's tracklets by each vision job,
so publishing *replaces* those partitions: re-running a job never duplicates rows. Item bodies
are JSON in `data`; the attributes the API filters on (date, confidence, entry pin) are kept
beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from wandr import aws, mallmap
from wandr.resources import Resources

REPORTS = ("summary", "entry_analysis", "first_store", "edge_traversal")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SpatialItem(Model):
    class Meta:
        table_name = os.environ.get("WANDR_SPATIAL_TABLE", Resources().spatial_table.name)
        region = aws.region()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute(default="{}")
    date = UnicodeAttribute(null=True)
    confidence = NumberAttribute(null=True)
    entry_pin = UnicodeAttribute(null=True)
    pin_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(default_for_new=_now)

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.data))


def _pk(tenant: str, what: str) -> str:
    if not tenant or "#" in tenant:
        raise ValueError(f"bad tenant id {tenant!r}")
    return f"T#{tenant}#{what}"


def _put(tenant: str, what: str, sk: str, body: dict[str, Any], **attrs: Any) -> None:
    SpatialItem(_pk(tenant, what), sk, data=json.dumps(body, default=str), **attrs).save()


def _get(tenant: str, what: str, sk: str) -> dict[str, Any] | None:
    try:
        return SpatialItem.get(_pk(tenant, what), sk, consistent_read=True).body
    except DoesNotExist:
        return None


def _query(tenant: str, what: str, prefix: str | None = None) -> Iterable[SpatialItem]:
    condition = SpatialItem.sk.startswith(prefix) if prefix else None
    return SpatialItem.query(_pk(tenant, what), condition, consistent_read=True)


def _replace(
    tenant: str, what: str, items: list[tuple[str, dict[str, Any], dict[str, Any]]]
) -> int:
    """Make a partition hold exactly `items` (sk, body, attrs): idempotent republishing."""
    pk = _pk(tenant, what)
    wanted = {sk for sk, _, _ in items}
    with SpatialItem.batch_write() as batch:
        for old in _query(tenant, what):
            if old.sk not in wanted:
                batch.delete(old)
        for sk, body, attrs in items:
            batch.save(SpatialItem(pk, sk, data=json.dumps(body, default=str), **attrs))
    return len(items)


# --- mall map and pins -----------------------------------------------------------------
def put_map(tenant: str, geojson: dict[str, Any]) -> dict[str, Any]:
    """Store a tenant's mall map after validating it (raises mallmap.MallMapError)."""
    mallmap.parse(geojson)
    _put(tenant, "MAP", "MAP", geojson)
    return geojson


def get_map(tenant: str) -> dict[str, Any] | None:
    return _get(tenant, "MAP", "MAP")


def _empty_map() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}


def list_pins(tenant: str) -> list[dict[str, Any]]:
    """The camera pins of the tenant's map as property dicts with their coordinates."""
    geo = get_map(tenant) or _empty_map()
    parsed = mallmap.parse(geo)
    out = []
    for feature in geo["features"]:
        props = feature.get("properties") or {}
        if props.get("id") in parsed.pins:
            out.append({**props, "coordinates": feature["geometry"]["coordinates"]})
    return out


def get_pin(tenant: str, pin_id: str) -> dict[str, Any] | None:
    return next((p for p in list_pins(tenant) if p["id"] == pin_id), None)


def put_pin(
    tenant: str, pin: dict[str, Any], coordinates: tuple[float, float] = (0.0, 0.0)
) -> dict[str, Any]:
    """Create or replace one pin inside the map (the whole map is re-validated)."""
    geo = get_map(tenant) or _empty_map()
    features = [f for f in geo["features"] if (f.get("properties") or {}).get("id") != pin["id"]]
    geo = {**geo, "features": [*features, mallmap.pin_feature(pin, coordinates)]}
    put_map(tenant, geo)
    return pin


def delete_pin(tenant: str, pin_id: str) -> bool:
    """Remove a pin and every reference to it from the other pins."""
    geo = get_map(tenant)
    if geo is None or get_pin(tenant, pin_id) is None:
        return False
    features = []
    for f in geo["features"]:
        props = dict(f.get("properties") or {})
        if props.get("id") == pin_id:
            continue
        if "adjacent_to" in props:
            props["adjacent_to"] = [a for a in props["adjacent_to"] if a != pin_id]
        if "transit_times" in props:
            props["transit_times"] = {
                k: v for k, v in props["transit_times"].items() if k != pin_id
            }
        features.append({**f, "properties": props})
    put_map(tenant, {**geo, "features": features})
    return True


# --- videos and jobs -------------------------------------------------------------------
def register_video(
    tenant: str, upload_id: str, pin_id: str, *, filename: str = "", recorded_at: str | None = None
) -> dict[str, Any]:
    """Record which pin a video belongs to and when it starts (call when the upload is created)."""
    body = {"upload_id": upload_id, "pin_id": pin_id, "filename": filename,
            "recorded_at": recorded_at, "status": "registered"}  # fmt: skip
    _put(tenant, "VIDEO", upload_id, body, pin_id=pin_id)
    return body


def update_video(tenant: str, upload_id: str, **fields: Any) -> dict[str, Any]:
    body = {**(get_video(tenant, upload_id) or {"upload_id": upload_id}), **fields}
    _put(tenant, "VIDEO", upload_id, body, pin_id=body.get("pin_id"))
    return body


def get_video(tenant: str, upload_id: str) -> dict[str, Any] | None:
    return _get(tenant, "VIDEO", upload_id)


def list_videos(tenant: str, pin_id: str | None = None) -> list[dict[str, Any]]:
    return [i.body for i in _query(tenant, "VIDEO") if pin_id is None or i.pin_id == pin_id]


def put_job(tenant: str, upload_id: str, job: dict[str, Any]) -> None:
    _put(tenant, "JOB", upload_id, {"upload_id": upload_id, **job})


def get_job(tenant: str, upload_id: str) -> dict[str, Any] | None:
    return _get(tenant, "JOB", upload_id)


def list_jobs(tenant: str) -> list[dict[str, Any]]:
    return [i.body for i in _query(tenant, "JOB")]


# --- tracklets, associations, journeys -------------------------------------------------
def put_tracklets(tenant: str, upload_id: str, rows: list[dict[str, Any]]) -> int:
    """Replace one video's tracklet summaries."""
    pk = _pk(tenant, "TRACKLET")
    with SpatialItem.batch_write() as batch:
        for old in _query(tenant, "TRACKLET", f"{upload_id}#"):
            batch.delete(old)
        for row in rows:
            sk = f"{upload_id}#{row['tracklet_id']}"
            batch.save(SpatialItem(pk, sk, data=json.dumps(row, default=str),
                                   pin_id=row.get("pin_id")))  # fmt: skip
    return len(rows)


def list_tracklets(
    tenant: str, upload_id: str | None = None, pin_id: str | None = None
) -> list[dict[str, Any]]:
    items = _query(tenant, "TRACKLET", f"{upload_id}#" if upload_id else None)
    return [i.body for i in items if pin_id is None or i.pin_id == pin_id]


def replace_associations(tenant: str, rows: list[dict[str, Any]]) -> int:
    return _replace(tenant, "ASSOC", [(r["link_id"], r, {}) for r in rows])


def list_associations(tenant: str, decision: str | None = None) -> list[dict[str, Any]]:
    """Every association decision with its score components (link, ambiguous, rejected...)."""
    return [b for b in (i.body for i in _query(tenant, "ASSOC"))
            if decision is None or b.get("decision") == decision]  # fmt: skip


def replace_journeys(tenant: str, rows: list[dict[str, Any]]) -> int:
    items = [
        (f"{r['date']}#{r['journey_id']}", r,
         {"date": r["date"], "confidence": r["confidence"], "entry_pin": r.get("entry_pin")})
        for r in rows
    ]  # fmt: skip
    return _replace(tenant, "JOURNEY", items)


def list_journeys(
    tenant: str,
    *,
    date: str | None = None,
    min_confidence: float | None = None,
    entry_pin: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Journeys, newest day first, filtered by day (YYYY-MM-DD), confidence and entry pin."""
    out = []
    for item in _query(tenant, "JOURNEY", f"{date}#" if date else None):
        if min_confidence is not None and float(item.confidence or 0) < min_confidence:
            continue
        if entry_pin is not None and item.entry_pin != entry_pin:
            continue
        out.append(item.body)
    out.sort(key=lambda j: (j.get("date", ""), j.get("start", "")), reverse=True)
    return out[:limit] if limit else out


def get_journey(tenant: str, journey_id: str) -> dict[str, Any] | None:
    return next((j for j in list_journeys(tenant) if j["journey_id"] == journey_id), None)


# --- reports -----------------------------------------------------------------------------
def put_reports(tenant: str, reports: dict[str, dict[str, Any]]) -> None:
    for name, body in reports.items():
        if name not in REPORTS:
            raise ValueError(f"unknown report {name!r}")
        _put(tenant, "REPORT", name, body)


def get_report(tenant: str, name: str) -> dict[str, Any] | None:
    """One of REPORTS: summary, entry_analysis, first_store, edge_traversal."""
    if name not in REPORTS:
        raise ValueError(f"unknown report {name!r}; one of {', '.join(REPORTS)}")
    return _get(tenant, "REPORT", name)
