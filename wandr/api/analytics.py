"""The analytics routes' side of wandr.queries (the Dwell-Insight query functions).

Each endpoint calls one query function `(tenant, filters, **options)`; the tenant is always
the token's. The shared `Filters` model is converted to the query module's own filter type
field by field, and options (sort, cursor, threshold...) are passed only when the query
function declares them, so the HTTP layer and the analytics library can evolve apart.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from wandr.api import csv_export, uploads
from wandr.api.errors import BadRequest
from wandr.api.filters import (
    DetailQuery,
    ExportQuery,
    Filters,
    HistogramQuery,
    OccupancyQuery,
    RankingQuery,
    WaitingQuery,
)
from wandr.resources import current, env_name

ENDPOINTS: dict[str, tuple[str, type[Filters], str]] = {
    # path under /analytics: (query function, query model, summary)
    "summary": ("summary", Filters, "KPI cards: visitors, events, dwell statistics, peaks"),
    "detail": ("detail", DetailQuery, "Detail rows with filters, sort and cursor pagination"),
    "dwell-histogram": ("dwell_histogram", HistogramQuery, "Dwell time distribution"),
    "occupancy": ("occupancy_timeline", OccupancyQuery, "People present over time"),
    "crowd-hourly": ("crowd_hourly", Filters, "Crowd/loitering events per camera per hour"),
    "waiting": ("waiting_time", WaitingQuery, "Dwell over a threshold by hour and day"),
    "repeat-visitors": ("repeat_visitors", Filters, "Visitors who came back"),
    "rankings": ("rankings", RankingQuery, "Busiest cameras or groups"),
    "insight-merge": ("insight_merge", Filters, "Crowd events aligned with occupancy"),
    "demographics": ("demographics", Filters, "Visitors by gender and age group"),
}
ROW_ITERATORS = ("detail_rows", "iter_detail_rows", "export_rows", "iter_rows")
_FILTER_FIELDS = set(Filters.model_fields)


def queries() -> ModuleType | None:
    try:
        return importlib.import_module("wandr.queries")
    except ImportError:
        return None


def function(name: str) -> Callable[..., Any] | None:
    module = queries()
    fn = getattr(module, name, None) if module else None
    return fn if callable(fn) else None


def to_query_filters(filters: Filters) -> Any:
    """The query module's Filters built from ours (same field names; extra ones dropped)."""
    module = queries()
    target = getattr(module, "Filters", None)
    values = filters.model_dump(include=_FILTER_FIELDS)
    if target is None:
        return values
    accepted = _field_names(target)
    kwargs = {k: v for k, v in values.items() if k in accepted}
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    return target(**kwargs)


def _field_names(target: Any) -> set[str]:
    if dataclasses.is_dataclass(target):
        return {f.name for f in dataclasses.fields(target)}
    if isinstance(target, type) and issubclass(target, BaseModel):
        return set(target.model_fields)
    return set(inspect.signature(target).parameters)


def run(name: str, tenant: str, query: Filters) -> Any:
    fn = function(name)
    if fn is None:
        raise BadRequest(f"analytics {name!r} is not available")
    options = query.model_dump(exclude=_FILTER_FIELDS)
    accepted = inspect.signature(fn).parameters
    try:
        return fn(
            tenant,
            to_query_filters(query),
            **{k: v for k, v in options.items() if k in accepted and v is not None},
        )
    except ValueError as exc:  # the query library's word for a bad option (sort, cursor...)
        raise BadRequest(str(exc)) from exc


def row_iterator() -> Callable[..., Iterable[Mapping[str, Any]]] | None:
    return next((fn for name in ROW_ITERATORS if (fn := function(name))), None)


def export(tenant: str, query: ExportQuery) -> dict[str, Any]:
    """Stream the filtered detail rows to a CSV in the results bucket; return its URL."""
    rows_fn = row_iterator()
    if rows_fn is None:
        raise BadRequest("CSV export is not available")
    options = {
        k: v
        for k, v in query.model_dump(exclude=_FILTER_FIELDS).items()
        if k in inspect.signature(rows_fn).parameters
    }
    rows = iter(rows_fn(tenant, to_query_filters(query), **options))
    first = next(rows, None)
    columns = list(first) if first else ["person_id", "utc_time_started", "utc_time_ended"]
    bucket = env_name("WANDR_RESULTS_BUCKET", current().results_bucket)
    key = csv_export.export_key(tenant, "detail")
    count = csv_export.write(bucket, key, columns, _chain(first, rows))
    url = uploads.s3().generate_presigned_url(
        "get_object",
        ExpiresIn=csv_export.URL_EXPIRY_S,
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": 'attachment; filename="wandr-detail.csv"',
        },
    )
    return {"url": url, "rows": count, "expires_in": csv_export.URL_EXPIRY_S}


def _chain(
    first: Mapping[str, Any] | None, rest: Iterable[Mapping[str, Any]]
) -> Iterable[Mapping[str, Any]]:
    if first is not None:
        yield first
    yield from rest
