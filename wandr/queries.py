"""The analytics the API serves, one function per endpoint, each (tenant, Filters) -> JSON.

Cards and charts are combined from the precomputed DynamoDB cells (one per tenant, day and
camera/group/site), so they never scan raw events: date, camera and group filters select
cells; dwell filters apply exactly to the per-second dwell distributions. Visitor counts
across days come from the per-person-day aggregate table. Both are held decoded in a
per-process cache (`wandr.card_cache`) that one consistent GetItem per request validates
against the tenant's aggregates version, so a warm card costs milliseconds. The event list
and the insight merge read the lake Parquet (DuckDB), as detail rows must.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np

from wandr import card_cache, dwell
from wandr.aggregates import Cell
from wandr.card_cache import PersonDays
from wandr.lake import Lake
from wandr.occupancy import resample
from wandr.resources import current, env_name

RESOLUTIONS = {"minute": 1, "15min": 15, "hour": 60, "day": 1440}
SORTABLE = ("utc_time_started", "utc_time_ended", "dwell_s", "person_id", "camera_id")


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    camera_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    gender: str | None = None
    age_group: str | None = None
    dwell_min_s: float | None = None
    dwell_max_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def by_place(self) -> bool:
        return bool(self.camera_ids or self.group_ids)


def default_lake() -> Lake:
    return Lake.s3(env_name("WANDR_LAKE_BUCKET", current().lake_bucket))


def _cells(
    tenant: str, f: Filters, level: str | None = None, snap: card_cache.Snapshot | None = None
) -> list[Cell]:
    lo = f.date_from.isoformat() if f.date_from else None
    hi = f.date_to.isoformat() if f.date_to else None
    out = []
    for c in (snap or card_cache.snapshot(tenant)).select(level, lo, hi):
        if f.camera_ids and (c.level != "camera" or c.key not in f.camera_ids):
            continue
        if f.group_ids and c.level == "site":
            continue
        if f.group_ids and c.group_id not in f.group_ids and c.key not in f.group_ids:
            continue
        out.append(c)
    return out


def _place_cells(tenant: str, f: Filters, snap: card_cache.Snapshot | None = None) -> list[Cell]:
    """Cells that add up to the filtered population without double counting."""
    if f.camera_ids:
        return _cells(tenant, f, "camera", snap)
    if f.group_ids:
        return [c for c in _cells(tenant, f, "group", snap) if c.key in f.group_ids]
    return _cells(tenant, f, "site", snap)


def _distribution(cells: list[Cell], f: Filters) -> tuple[np.ndarray, np.ndarray]:
    values = np.concatenate([c.dwell_values for c in cells]) if cells else np.zeros(0, int)
    counts = np.concatenate([c.dwell_counts for c in cells]) if cells else np.zeros(0, int)
    keep = np.ones(values.shape, bool)
    if f.dwell_min_s is not None:
        keep &= values >= np.floor(f.dwell_min_s)
    if f.dwell_max_s is not None:
        keep &= values <= f.dwell_max_s
    uniq, inverse = np.unique(values[keep], return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts[keep]).astype(np.int64)


def summary(tenant: str, f: Filters | None = None) -> dict[str, Any]:
    """KPI cards: visitors, events, dwell avg/median/p95/max, repeat visitors, peak hour,
    busiest camera."""
    f = f or Filters()
    snap = card_cache.snapshot(tenant)  # one version check for the whole card set
    cells = _place_cells(tenant, f, snap)
    values, counts = _distribution(cells, f)
    events = int(counts.sum())
    hourly = np.sum([c.hourly_events for c in cells], axis=0) if cells else np.zeros(24)
    cams: Counter[str] = Counter()
    for c in _cells(tenant, f, "camera", snap):
        cams[c.key] += c.events
    people = _repeat_visitors(_people(tenant, snap), f, dwell.DEFAULT_RULE, 0)
    dwell_sum = sum(c.dwell_sum_s for c in cells)
    filtered = f.dwell_min_s is not None or f.dwell_max_s is not None
    return {
        "events": events,
        "visitors": people["visitors"],
        "avg_dwell_s": (
            float((values * counts).sum() / events)
            if filtered and events
            else (dwell_sum / events if events else None)
        ),
        "median_dwell_s": dwell.percentile(values, counts, 50),
        "p95_dwell_s": dwell.percentile(values, counts, 95),
        "max_dwell_s": (
            max((c.dwell_max_s for c in cells), default=None)
            if not filtered
            else (float(values.max()) if values.size else None)
        ),
        "total_dwell_s": dwell_sum,
        "repeat_visitors": people["repeat_visitors"],
        "peak_hour": int(np.argmax(hourly)) if hourly.sum() else None,
        "busiest_camera": cams.most_common(1)[0][0] if cams else None,
    }


def dwell_histogram(
    tenant: str, f: Filters | None = None, edges: tuple[float, ...] = dwell.HISTOGRAM_EDGES_S
) -> list[dict[str, Any]]:
    f = f or Filters()
    values, counts = _distribution(_place_cells(tenant, f), f)
    bounds = np.array([*edges, np.inf])
    sums = (
        np.histogram(values, bins=bounds, weights=counts)[0]
        if values.size
        else (np.zeros(len(edges)))
    )
    return [
        {"from_s": float(lo), "to_s": None if np.isinf(hi) else float(hi), "events": int(n)}
        for lo, hi, n in zip(bounds[:-1], bounds[1:], sums, strict=True)
    ]


def occupancy_timeline(
    tenant: str, f: Filters | None = None, level: str = "site", resolution: str = "minute"
) -> list[dict[str, Any]]:
    """Series per key of [{t, peak, mean}], from the cells' per-minute occupancy."""
    f = f or Filters()
    step = RESOLUTIONS.get(resolution)
    if step is None:
        raise ValueError(f"resolution must be one of {sorted(RESOLUTIONS)}")
    series: dict[str, list[dict[str, Any]]] = {}
    for c in sorted(_cells(tenant, f, level), key=lambda c: (c.key, c.dt)):
        if level == "group" and f.group_ids and c.key not in f.group_ids:
            continue
        peak, mean = resample(c.occupancy, step)
        points = series.setdefault(c.key, [])
        for i, (p, m) in enumerate(zip(peak, mean, strict=True)):
            minute = i * step
            points.append(
                {
                    "t": f"{c.dt}T{minute // 60:02d}:{minute % 60:02d}:00Z",
                    "peak": int(p),
                    "mean": round(float(m), 3),
                }
            )
    return [{"key": k, "points": v} for k, v in sorted(series.items())]


def crowd_per_hour(tenant: str, f: Filters | None = None) -> list[dict[str, Any]]:
    """Crowd/loitering events per camera and hour of day, summed over the filtered days
    (at most 24 rows per camera; hours without events are left out)."""
    f = f or Filters()
    totals: dict[str, list[int]] = {}
    for c in _cells(tenant, f, "camera"):
        hours = totals.setdefault(c.key, [0] * 24)
        for hour, n in enumerate(c.hourly_crowd):
            hours[hour] += n
    return [
        {"camera_id": camera, "hour": hour, "crowd_events": n}
        for camera, hours in sorted(totals.items())
        for hour, n in enumerate(hours)
        if n
    ]


def waiting_time(tenant: str, f: Filters | None = None) -> dict[str, Any]:
    """Events over the waiting threshold per day and hour (threshold fixed at aggregation)."""
    f = f or Filters()
    by_day: dict[str, list[int]] = {}
    for c in _place_cells(tenant, f):
        hours = by_day.setdefault(c.dt, [0] * 24)
        for h, n in enumerate(c.hourly_waiting):
            hours[h] += n
    return {
        "threshold_s": dwell.WAITING_THRESHOLD_S,
        "by_day": [
            {"dt": d, "waiting_events": sum(h), "by_hour": h} for d, h in sorted(by_day.items())
        ],
    }


def rankings(
    tenant: str, f: Filters | None = None, level: str = "camera", limit: int = 10
) -> list[dict[str, Any]]:
    f = f or Filters()
    totals: dict[str, dict[str, Any]] = {}
    for c in _cells(tenant, f, level):
        row = totals.setdefault(
            c.key,
            {
                "key": c.key,
                "name": c.name,
                "events": 0,
                "visits": 0,
                "dwell_sum_s": 0.0,
                "crowd_events": 0,
            },
        )
        row["events"] += c.events
        row["visits"] += c.visitors
        row["dwell_sum_s"] += c.dwell_sum_s
        row["crowd_events"] += c.crowd_events
    for row in totals.values():
        row["avg_dwell_s"] = row["dwell_sum_s"] / row["events"] if row["events"] else None
    return sorted(totals.values(), key=lambda r: (-r["events"], r["key"]))[:limit]


def demographics(tenant: str, f: Filters | None = None) -> dict[str, dict[str, int]]:
    f = f or Filters()
    gender: Counter[str] = Counter()
    age: Counter[str] = Counter()
    for c in _place_cells(tenant, f):
        gender.update(c.gender)
        age.update(c.age_group)
    return {"gender": dict(gender), "age_group": dict(age)}


# --- from the Parquet aggregate tables and the lake (DuckDB) ------------------------------


def _duck(lake: Lake | None, table: str, tenant: str) -> tuple[duckdb.DuckDBPyConnection, str]:
    from wandr.sql import connect_table

    return connect_table(lake or default_lake(), table, tenant)


def _date_where(f: Filters, column: str = "dt") -> tuple[list[str], list[Any]]:
    where, args = [], []
    if f.date_from:
        where.append(f"{column} >= ?")
        args.append(f.date_from.isoformat())
    if f.date_to:
        where.append(f"{column} <= ?")
        args.append(f.date_to.isoformat())
    return where, args


def person_days(tenant: str, lake: Lake | None = None) -> PersonDays:
    """The tenant's agg_person_day table as arrays (the columns the visitor counts need)."""
    try:
        con, rel = _duck(lake, "agg_person_day", tenant)
    except FileNotFoundError:
        return PersonDays.empty()
    return PersonDays.from_arrow(
        con.execute(
            f"SELECT person_id, dt, CAST(visits AS BIGINT) AS visits, "
            f"CAST(dwell_s AS DOUBLE) AS dwell_s, gender, age_group, cameras, groups "
            f"FROM {rel}"
        ).to_arrow_table()
    )


def repeat_visitors(
    tenant: str,
    f: Filters | None = None,
    lake: Lake | None = None,
    rule: dwell.VisitRule = dwell.DEFAULT_RULE,
    top: int = 0,
) -> dict[str, Any]:
    """Distinct visitors and repeat visitors (>= rule.min_visits visits) in the filter.

    Exactly `repeat_visitors_sql`, on the cached person-day arrays: the person-days in the
    filter (date range; any of the cameras/groups; gender; age group), summed per person."""
    f = f or Filters()
    if lake is None:
        people = _people(tenant, card_cache.snapshot(tenant))
    else:
        people = person_days(tenant, lake)
    return _repeat_visitors(people, f, rule, top)


def _people(tenant: str, snap: card_cache.Snapshot) -> PersonDays:
    return card_cache.people(snap, lambda: person_days(tenant))


def _repeat_visitors(
    people: PersonDays, f: Filters, rule: dwell.VisitRule, top: int
) -> dict[str, Any]:
    keep = np.ones(people.person.shape, bool)
    if f.date_from:
        keep &= people.dt >= f.date_from.isoformat()
    if f.date_to:
        keep &= people.dt <= f.date_to.isoformat()
    for pair_row, pair_value, wanted in (
        (people.camera_row, people.camera, f.camera_ids),
        (people.group_row, people.group, f.group_ids),
    ):
        if wanted:
            has = np.zeros(people.person.shape, bool)
            has[pair_row[np.isin(pair_value, list(wanted))]] = True
            keep &= has
    if f.gender:
        keep &= people.gender == f.gender
    if f.age_group:
        keep &= people.age_group == f.age_group
    who = people.person[keep]
    size = people.person_ids.size
    days = np.bincount(who, minlength=size)
    visits = np.bincount(who, weights=people.visits[keep], minlength=size).astype(np.int64)
    present = days > 0
    rows = []
    if top:
        order = np.lexsort((np.arange(size), -visits))
        order = order[present[order]][: int(top)]
        dwell_s = np.bincount(who, weights=people.dwell_s[keep], minlength=size)
        rows = [
            {
                "person_id": str(people.person_ids[i]),
                "visits": int(visits[i]),
                "visit_days": int(days[i]),
                "total_dwell_s": float(dwell_s[i]),
            }
            for i in order
        ]
    return {
        "visitors": int(present.sum()),
        "repeat_visitors": int((present & (visits >= rule.min_visits)).sum()),
        "min_visits": rule.min_visits,
        "top": rows,
    }


def repeat_visitors_sql(
    tenant: str,
    f: Filters | None = None,
    lake: Lake | None = None,
    rule: dwell.VisitRule = dwell.DEFAULT_RULE,
    top: int = 0,
) -> dict[str, Any]:
    """`repeat_visitors` in SQL over the lake (the reference the in-memory one is tested
    against; analysts run the same query in Athena)."""
    f = f or Filters()
    try:
        con, rel = _duck(lake, "agg_person_day", tenant)
    except FileNotFoundError:
        return {"visitors": 0, "repeat_visitors": 0, "min_visits": rule.min_visits, "top": []}
    where, args = _date_where(f)
    if f.camera_ids:
        where.append("list_has_any(cameras, ?)")
        args.append(list(f.camera_ids))
    if f.group_ids:
        where.append("list_has_any(groups, ?)")
        args.append(list(f.group_ids))
    if f.gender:
        where.append("gender = ?")
        args.append(f.gender)
    if f.age_group:
        where.append("age_group = ?")
        args.append(f.age_group)
    cond = " AND ".join(where) or "TRUE"
    per = (
        f"SELECT person_id, sum(visits) AS visits, count(DISTINCT dt) AS days, "
        f"sum(dwell_s) AS dwell_s FROM {rel} WHERE {cond} GROUP BY person_id"
    )
    visitors, repeats = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE visits >= {int(rule.min_visits)}) FROM ({per})",
        args,
    ).fetchone() or (0, 0)
    rows = []
    if top:
        rows = [
            dict(zip(("person_id", "visits", "visit_days", "total_dwell_s"), r, strict=True))
            for r in con.execute(
                f"{per} ORDER BY visits DESC, person_id LIMIT {int(top)}", args
            ).fetchall()
        ]
    return {
        "visitors": int(visitors or 0),
        "repeat_visitors": int(repeats or 0),
        "min_visits": rule.min_visits,
        "top": rows,
    }


def insight_merge(
    tenant: str, f: Filters | None = None, lake: Lake | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Crowd events with the occupancy of their camera, group and site at that minute."""
    f = f or Filters()
    try:
        con, rel = _duck(lake, "agg_insight_merge", tenant)
    except FileNotFoundError:
        return []
    where, args = _date_where(f)
    if f.camera_ids:
        where.append("camera_id IN (SELECT unnest(?))")
        args.append(list(f.camera_ids))
    cond = " AND ".join(where) or "TRUE"
    cur = con.execute(
        f"SELECT * EXCLUDE (tenant) FROM {rel} WHERE {cond} "
        f"ORDER BY utc_time_recorded, event_id LIMIT {int(limit)}",
        args,
    )
    names = [d[0] for d in cur.description]
    return [_jsonable(dict(zip(names, r, strict=True))) for r in cur.fetchall()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _event_where(f: Filters) -> tuple[str, list[Any]]:
    where, args = _date_where(f)
    for column, values in (("camera_id", f.camera_ids), ("camera_group_id", f.group_ids)):
        if values:
            where.append(f"{column} IN (SELECT unnest(?))")
            args.append(list(values))
    for column, value in (("gender_outcome", f.gender), ("age_group_outcome", f.age_group)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if f.dwell_min_s is not None:
        where.append("dwell_s >= ?")
        args.append(f.dwell_min_s)
    if f.dwell_max_s is not None:
        where.append("dwell_s <= ?")
        args.append(f.dwell_max_s)
    return " AND ".join(where) or "TRUE", args


def events(
    tenant: str,
    f: Filters | None = None,
    *,
    cursor: str | None = None,
    limit: int = 100,
    sort: str = "utc_time_started",
    descending: bool = False,
    lake: Lake | None = None,
) -> dict[str, Any]:
    """A page of event rows and the cursor of the next page (keyset on sort value + line)."""
    f = f or Filters()
    if sort not in SORTABLE:
        raise ValueError(f"sort must be one of {SORTABLE}")
    limit = max(1, min(int(limit), 1000))
    try:
        con, rel = _duck(lake, "events", tenant)
    except FileNotFoundError:
        return {"rows": [], "next_cursor": None}
    cond, args = _event_where(f)
    op = "<" if descending else ">"
    if cursor:
        last = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        cond += f" AND ({sort}, upload_id, source_line) {op} (CAST(? AS {_sql_type(sort)}), ?, ?)"
        args += [last[0], last[1], last[2]]
    order = "DESC" if descending else "ASC"
    cur = con.execute(
        f"SELECT * EXCLUDE (tenant) FROM {rel} WHERE {cond} ORDER BY {sort} "
        f"{order}, upload_id {order}, source_line {order} LIMIT {limit + 1}",
        args,
    )
    names = [d[0] for d in cur.description]
    rows = [_jsonable(dict(zip(names, r, strict=True))) for r in cur.fetchall()]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last_row = rows[-1]
        token = [last_row[sort], last_row["upload_id"], last_row["source_line"]]
        next_cursor = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
    return {"rows": rows, "next_cursor": next_cursor}


def _sql_type(column: str) -> str:
    return {
        "dwell_s": "DOUBLE",
        "utc_time_started": "TIMESTAMP",
        "utc_time_ended": "TIMESTAMP",
    }.get(column, "VARCHAR")


def export_rows(
    tenant: str, f: Filters | None = None, lake: Lake | None = None, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    """Every filtered event row, for CSV export (the API neutralises formulas on write)."""
    f = f or Filters()
    try:
        con, rel = _duck(lake, "events", tenant)
    except FileNotFoundError:
        return
    cond, args = _event_where(f)
    cur = con.execute(
        f"SELECT * EXCLUDE (tenant) FROM {rel} WHERE {cond} "
        "ORDER BY utc_time_started, upload_id, source_line",
        args,
    )
    names = [d[0] for d in cur.description]
    while chunk := cur.fetchmany(batch):
        for r in chunk:
            yield _jsonable(dict(zip(names, r, strict=True)))
