"""The analytics routes' side of wandr.queries (the Dwell-Insight query functions).

Each endpoint names the one query function it answers from and the options it passes; the
tenant is always the token's. The API's filter model (the names the dashboard uses in its
URLs) is converted field by field to the query library's `Filters`, so no filter is ever
silently dropped on the way.

The answers of the endpoints that read only the tenant's aggregates (`Endpoint.aggregates`:
the DynamoDB cells and the Parquet aggregate tables, all rewritten before the aggregate step
replaces the tenant's version token) are kept serialised, keyed by (table, tenant, version
token, endpoint, normalised query). Every request still reads the token (`card_cache.version`,
shared among concurrent requests but never older than the request), so an upload's new
token misses the cache at once; another tenant's key never matches, as the tenant is the
token's. `detail` reads the raw events in the lake, which the token does not cover, so it is
never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wandr import aggregate_store, card_cache, queries
from wandr.api import csv_export, uploads
from wandr.api.errors import BadRequest
from wandr.api.filters import (
    DetailQuery,
    ExportQuery,
    Filters,
    HistogramQuery,
    OccupancyQuery,
    RankingQuery,
)
from wandr.api.routing import JsonText, to_json
from wandr.resources import current, env_name

MAX_HISTOGRAM_BINS = 200
MAX_DWELL_S = 12 * 3600  # longer events are rejected at validation
MAX_CACHED_ANSWERS = 512
MAX_LAKE_READS = 2  # concurrent raw-lake queries per process (DuckDB threads of their own)


@dataclass(frozen=True)
class Endpoint:
    """One analytics route: its query model, the call into wandr.queries, its summary."""

    query: type[Filters]
    call: Callable[[str, queries.Filters, Any], Any]
    summary: str
    aggregates: bool = True  # answers only from the tenant's versioned aggregates


def _histogram(tenant: str, f: queries.Filters, q: HistogramQuery) -> Any:
    if q.bin_s is None:
        return queries.dwell_histogram(tenant, f)
    bins = int(MAX_DWELL_S // q.bin_s) + 1
    if bins > MAX_HISTOGRAM_BINS:
        raise BadRequest(f"bin_s={q.bin_s:g} gives {bins} bins; at most {MAX_HISTOGRAM_BINS}")
    edges = tuple(float(i * q.bin_s) for i in range(bins + 1))
    return queries.dwell_histogram(tenant, f, edges=edges)


ENDPOINTS: dict[str, Endpoint] = {
    # path under /analytics -> the query function it answers from
    "summary": Endpoint(
        Filters,
        lambda t, f, q: queries.summary(t, f),
        "KPI cards: visitors, events, dwell statistics, peaks",
    ),
    "detail": Endpoint(
        DetailQuery,
        lambda t, f, q: queries.events(
            t, f, cursor=q.cursor, limit=q.limit, sort=q.sort, descending=q.order == "desc"
        ),
        "Detail rows with filters, sort and cursor pagination",
        aggregates=False,
    ),
    "dwell-histogram": Endpoint(HistogramQuery, _histogram, "Dwell time distribution"),
    "occupancy": Endpoint(
        OccupancyQuery,
        lambda t, f, q: queries.occupancy_timeline(t, f, level=q.level, resolution=q.resolution),
        "People present over time, per site, group or camera",
    ),
    "crowd-hourly": Endpoint(
        Filters,
        lambda t, f, q: queries.crowd_per_hour(t, f),
        "Crowd/loitering events per camera per hour",
    ),
    "waiting": Endpoint(
        Filters,
        lambda t, f, q: queries.waiting_time(t, f),
        "Events whose dwell exceeds the waiting threshold, by day and hour",
    ),
    "repeat-visitors": Endpoint(
        Filters, lambda t, f, q: queries.repeat_visitors(t, f), "Visitors who came back"
    ),
    "rankings": Endpoint(
        RankingQuery,
        lambda t, f, q: queries.rankings(t, f, level=q.by, limit=q.limit),
        "Busiest cameras or groups",
    ),
    "insight-merge": Endpoint(
        Filters,
        lambda t, f, q: queries.insight_merge(t, f),
        "Crowd events aligned with occupancy at the same minute",
    ),
    "demographics": Endpoint(
        Filters, lambda t, f, q: queries.demographics(t, f), "Visitors by gender and age group"
    ),
}


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"filter by one {name} at a time (got {len(values)})")
    return values[0] if values else None


def to_query_filters(filters: Filters) -> queries.Filters:
    """The query library's filters from the API's (the names differ; nothing is dropped)."""
    return queries.Filters(
        date_from=filters.start,
        date_to=filters.end,
        camera_ids=tuple(filters.camera),
        group_ids=tuple(filters.group),
        gender=_one(filters.gender, "gender"),
        age_group=_one(filters.age_group, "age group"),
        dwell_min_s=filters.min_dwell,
        dwell_max_s=filters.max_dwell,
    )


class Answers:
    """Serialised answers by key, the least recently used dropped beyond `size`."""

    def __init__(self, size: int = MAX_CACHED_ANSWERS) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], JsonText] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> JsonText | None:
        with self._lock:
            answer = self._items.get(key)
            if answer is not None:
                self._items.move_to_end(key)
            return answer

    def put(self, key: tuple[str, ...], answer: JsonText) -> None:
        with self._lock:
            self._items[key] = answer
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


answers = Answers()


_lake_reads = threading.BoundedSemaphore(MAX_LAKE_READS)


def run(path: str, tenant: str, query: Filters) -> Any:
    endpoint = ENDPOINTS[path]
    if not endpoint.aggregates:
        # dozens of DuckDB scans at once on a few cores finish none of them in time; a few at
        # a time, the rest waiting their turn, finish sooner and in order
        with _lake_reads:
            return _call(endpoint, tenant, query)
    key = (
        aggregate_store.table_name(),
        tenant,
        card_cache.version(tenant),  # read after this request arrived
        path,
        query.model_dump_json(),
    )
    answer = answers.get(key)
    if answer is None:
        answer = to_json(_call(endpoint, tenant, query))
        answers.put(key, answer)
    return answer


def _call(endpoint: Endpoint, tenant: str, query: Filters) -> Any:
    try:
        return endpoint.call(tenant, to_query_filters(query), query)
    except ValueError as exc:  # the query library's word for a bad option (sort, cursor...)
        raise BadRequest(str(exc)) from exc


def export(tenant: str, query: ExportQuery) -> dict[str, Any]:
    """Stream the filtered detail rows to a CSV in the results bucket; return its URL."""
    rows = iter(queries.export_rows(tenant, to_query_filters(query)))
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
