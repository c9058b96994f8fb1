"""The aggregates table in DynamoDB: one item per tenant, day and camera/group/site.

Keys: pk = `<tenant>#cell`, sk = `<YYYY-MM-DD>#<level>#<key>`, so one Query with a key range
fetches a tenant's cells for a date range, and the tenant id in every key keeps tenants
apart. Dwell distributions and minute occupancy are stored as compressed binary arrays so
a cell stays a few kilobytes while still combining exactly across days and cameras.

Beside the cells, one item per tenant (pk `<tenant>#version`, sk `version`) holds a random
token that `save` replaces whenever it rewrites any of the tenant's cells (which the
aggregate step does after writing the day's Parquet aggregate tables). Readers that cache
what they derived from the aggregates (`wandr.card_cache`) check it with one consistent
GetItem per request. A random token, not a counter, so a fresh table never repeats one.
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import Iterable, Iterator

import numpy as np
from pynamodb.attributes import (
    BinaryAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from wandr import aws
from wandr.aggregates import Cell
from wandr.resources import Resources


class CellItem(Model):
    class Meta:
        table_name = os.environ.get("WANDR_AGGREGATES_TABLE", Resources().aggregates_table.name)
        region = aws.region()

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenant = UnicodeAttribute()
    dt = UnicodeAttribute()
    level = UnicodeAttribute()
    key = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    group_id = UnicodeAttribute(null=True)
    events = NumberAttribute(default=0)
    visitors = NumberAttribute(default=0)
    dwell_sum_s = NumberAttribute(default=0)
    dwell_max_s = NumberAttribute(default=0)
    waiting_events = NumberAttribute(default=0)
    crowd_events = NumberAttribute(default=0)
    loitering_s = NumberAttribute(default=0)
    hourly = JSONAttribute(default=dict)  # events, dwell_s, waiting, crowd: 24 values each
    demographics = JSONAttribute(default=dict)  # gender: {..}, age_group: {..}
    dwell_dist = BinaryAttribute(legacy_encoding=False, null=True)
    occupancy = BinaryAttribute(legacy_encoding=False, null=True)


class VersionItem(Model):
    """The tenant's aggregates version: a token replaced on every rewrite of its cells."""

    class Meta:
        table_name = CellItem.Meta.table_name
        region = CellItem.Meta.region

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    token = UnicodeAttribute()


VERSION_SK = "version"
_bound: tuple[str, ...] = ()


def table_name() -> str:
    return os.environ.get("WANDR_AGGREGATES_TABLE", Resources().aggregates_table.name)


def _bind() -> None:
    """Point the models at the configured table; keep their clients while nothing changed
    (creating a botocore client costs ~0.5 s of CPU, more than the query it would serve)."""
    global _bound
    where = (table_name(), aws.endpoint_url() or "", aws.region())
    if where == _bound:
        return
    for model in (CellItem, VersionItem):
        model.Meta.table_name = where[0]
        model._connection = None  # type: ignore[attr-defined]
    _bound = where


def pk(tenant: str) -> str:
    return f"{tenant}#cell"


def sk(dt: str, level: str, key: str) -> str:
    return f"{dt}#{level}#{key}"


def _pack(*arrays: np.ndarray) -> bytes:
    return zlib.compress(np.concatenate([a.astype(np.int64) for a in arrays]).tobytes())


def _unpack(blob: bytes | None, parts: int) -> list[np.ndarray]:
    if not blob:
        return [np.zeros(0, np.int64)] * parts
    flat = np.frombuffer(zlib.decompress(blob), dtype=np.int64)
    return list(flat.reshape(parts, -1)) if flat.size else [np.zeros(0, np.int64)] * parts


def to_item(tenant: str, cell: Cell) -> CellItem:
    return CellItem(
        pk(tenant),
        sk(cell.dt, cell.level, cell.key),
        tenant=tenant,
        dt=cell.dt,
        level=cell.level,
        key=cell.key,
        name=cell.name,
        group_id=cell.group_id,
        events=cell.events,
        visitors=cell.visitors,
        dwell_sum_s=round(cell.dwell_sum_s, 3),
        dwell_max_s=round(cell.dwell_max_s, 3),
        waiting_events=cell.waiting_events,
        crowd_events=cell.crowd_events,
        loitering_s=round(cell.loitering_s, 3),
        hourly={
            "events": cell.hourly_events,
            "dwell_s": [round(x, 3) for x in cell.hourly_dwell_s],
            "waiting": cell.hourly_waiting,
            "crowd": cell.hourly_crowd,
        },
        demographics={"gender": cell.gender, "age_group": cell.age_group},
        dwell_dist=_pack(cell.dwell_values, cell.dwell_counts),
        occupancy=zlib.compress(cell.occupancy.astype(np.int64).tobytes()),
    )


def from_item(item: CellItem) -> Cell:
    values, counts = _unpack(item.dwell_dist, 2)
    occ = (
        np.frombuffer(zlib.decompress(item.occupancy), dtype=np.int64)
        if item.occupancy
        else np.zeros(1440, np.int64)
    )
    hourly = item.hourly or {}
    demo = item.demographics or {}
    return Cell(
        dt=item.dt,
        level=item.level,
        key=item.key,
        name=item.name,
        group_id=item.group_id,
        events=int(item.events),
        visitors=int(item.visitors),
        dwell_sum_s=float(item.dwell_sum_s),
        dwell_max_s=float(item.dwell_max_s),
        waiting_events=int(item.waiting_events),
        crowd_events=int(item.crowd_events),
        loitering_s=float(item.loitering_s),
        hourly_events=list(hourly.get("events", [0] * 24)),
        hourly_dwell_s=list(hourly.get("dwell_s", [0.0] * 24)),
        hourly_waiting=list(hourly.get("waiting", [0] * 24)),
        hourly_crowd=list(hourly.get("crowd", [0] * 24)),
        gender=dict(demo.get("gender", {})),
        age_group=dict(demo.get("age_group", {})),
        dwell_values=values,
        dwell_counts=counts,
        occupancy=occ,
    )


def save(tenant: str, days: Iterable[str], cells: list[Cell]) -> int:
    """Replace the tenant's cells of `days` with `cells` (stale cells are deleted)."""
    _bind()
    fresh = {sk(c.dt, c.level, c.key) for c in cells}
    with CellItem.batch_write() as batch:
        for day in sorted(set(days)):
            for old in CellItem.query(
                pk(tenant), CellItem.sk.startswith(f"{day}#"), attributes_to_get=["pk", "sk"]
            ):
                if old.sk not in fresh:
                    batch.delete(old)
        for cell in cells:
            batch.save(to_item(tenant, cell))
    bump_version(tenant)
    return len(cells)


def version_pk(tenant: str) -> str:
    return f"{tenant}#version"


def bump_version(tenant: str) -> str:
    """Give the tenant's aggregates a new version token (after rewriting any of them)."""
    _bind()
    token = uuid.uuid4().hex
    VersionItem(version_pk(tenant), VERSION_SK, token=token).save()
    return token


def version(tenant: str) -> str:
    """The tenant's current version token (strongly consistent read). A tenant whose cells
    were written before versions existed gets one now, so its readers can cache too."""
    _bind()
    try:
        return str(VersionItem.get(version_pk(tenant), VERSION_SK, consistent_read=True).token)
    except VersionItem.DoesNotExist:
        pass
    token = uuid.uuid4().hex
    try:
        VersionItem(version_pk(tenant), VERSION_SK, token=token).save(
            condition=VersionItem.pk.does_not_exist()
        )
    except PutError:  # another reader (or a writer) set it first: use theirs
        return str(VersionItem.get(version_pk(tenant), VERSION_SK, consistent_read=True).token)
    return token


def load(
    tenant: str, date_from: str | None = None, date_to: str | None = None, level: str | None = None
) -> Iterator[Cell]:
    """The tenant's cells between two days (inclusive), optionally of one level."""
    _bind()
    lo = date_from or "0000-00-00"
    hi = (date_to or "9999-99-99") + "#~"
    condition = CellItem.sk.between(lo, hi)
    for item in CellItem.query(pk(tenant), condition):
        if level is None or item.level == level:
            yield from_item(item)
