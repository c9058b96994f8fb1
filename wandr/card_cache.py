"""A per-process cache of what the dashboard's cards are combined from, per tenant.

The API's analytics cards read a tenant's DynamoDB cells (`wandr.aggregate_store`) and its
per-person-day aggregate (`agg_person_day`, for distinct and repeat visitors over any date
range). Fetching ~50 cells per day and decompressing their arrays on every request cost
seconds; here they are loaded once, decoded, and kept for as long as the tenant's aggregates
version token (`aggregate_store.version`, one consistent GetItem per request) is unchanged.
The aggregate step replaces the token after rewriting any of the tenant's cells, so the next
request after an upload reloads. Lambda containers stay warm between requests, so the cloud
API benefits the same way as the local stack.

Loads are guarded by a per-tenant lock (concurrent first requests load once), and at most
`MAX_TENANTS` tenants are kept (least recently used goes first).

Concurrent requests of one tenant share their version reads (`version`): a request waits
for a GetItem that *started after it arrived* and takes that read's token, so every answer
is as fresh as a GetItem of its own would be, while 25 requests in flight cost one or two
GetItems instead of 25 (`FreshRead`). Nothing is trusted for a period of time: there is no TTL.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wandr import aggregate_store
from wandr.aggregates import Cell

MAX_TENANTS = 32


@dataclass
class PersonDays:
    """agg_person_day as arrays: one row per person and day, people numbered in id order."""

    person_ids: np.ndarray  # object, sorted: code -> person_id
    person: np.ndarray  # int64 code per row
    dt: np.ndarray  # YYYY-MM-DD per row (fixed-width unicode, compares as text)
    visits: np.ndarray  # int64
    dwell_s: np.ndarray  # float64
    gender: np.ndarray  # object (None where unknown)
    age_group: np.ndarray  # object
    camera_row: np.ndarray  # row index of each (row, camera) pair
    camera: np.ndarray  # camera id of each pair
    group_row: np.ndarray
    group: np.ndarray

    @classmethod
    def empty(cls) -> PersonDays:
        return cls.from_arrow(
            pa.table(
                {
                    "person_id": pa.array([], pa.string()),
                    "dt": pa.array([], pa.string()),
                    "visits": pa.array([], pa.int64()),
                    "dwell_s": pa.array([], pa.float64()),
                    "gender": pa.array([], pa.string()),
                    "age_group": pa.array([], pa.string()),
                    "cameras": pa.array([], pa.list_(pa.string())),
                    "groups": pa.array([], pa.list_(pa.string())),
                }
            )
        )

    @classmethod
    def from_arrow(cls, table: pa.Table) -> PersonDays:
        ids = np.asarray(table["person_id"].to_pylist(), dtype=object)
        uniq, codes = np.unique(ids, return_inverse=True) if ids.size else (ids, ids)

        def pairs(column: str) -> tuple[np.ndarray, np.ndarray]:
            lists = table[column].combine_chunks()
            values = pc.list_flatten(lists)
            rows = pc.list_parent_indices(lists)
            return (
                np.asarray(rows.to_numpy(zero_copy_only=False), np.int64),
                np.asarray(values.to_pylist(), dtype=object),
            )

        camera_row, camera = pairs("cameras")
        group_row, group = pairs("groups")
        return cls(
            person_ids=uniq,
            person=np.asarray(codes, np.int64),
            dt=np.asarray(table["dt"].to_pylist(), dtype="U10"),
            visits=np.asarray(table["visits"].to_pylist(), np.int64),
            dwell_s=np.asarray(table["dwell_s"].to_pylist(), np.float64),
            gender=np.asarray(table["gender"].to_pylist(), dtype=object),
            age_group=np.asarray(table["age_group"].to_pylist(), dtype=object),
            camera_row=camera_row,
            camera=camera,
            group_row=group_row,
            group=group,
        )


@dataclass
class Snapshot:
    """One tenant's decoded aggregates at one version token."""

    token: str
    cells: dict[str, list[Cell]]  # level -> cells sorted by (dt, key)
    days: dict[str, list[str]]  # level -> the dt of each of those cells (for bisect)
    people: PersonDays | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def select(self, level: str | None, lo: str | None, hi: str | None) -> list[Cell]:
        out: list[Cell] = []
        for name in (level,) if level else tuple(self.cells):
            days = self.days.get(name, [])
            i = bisect_left(days, lo) if lo else 0
            j = bisect_right(days, hi) if hi else len(days)
            out += self.cells.get(name, [])[i:j]
        return out


def build(token: str, cells: list[Cell]) -> Snapshot:
    by_level: dict[str, list[Cell]] = {}
    for c in sorted(cells, key=lambda c: (c.dt, c.key)):
        by_level.setdefault(c.level, []).append(c)
    return Snapshot(token, by_level, {k: [c.dt for c in v] for k, v in by_level.items()})


_lock = threading.Lock()
_tenants: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()
_loading: dict[tuple[str, str], threading.Lock] = {}


class FreshRead:
    """Shares one read among concurrent callers without ever handing out an older result.

    Reads run one at a time, numbered. A caller needs the read numbered one past the last
    started when it asked (that read starts after it asked, so it sees every write that
    finished before); it waits for that read or, when none is running, runs it for itself
    and for every caller that arrived meanwhile. A failed read fails the callers that
    needed it, as their own read would have.
    """

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._cond = threading.Condition()
        self._started = 0  # number of the last read started
        self._done = 0  # number of the last read finished
        self._running = False
        self._result: str | Exception = ""

    def __call__(self) -> str:
        with self._cond:
            need = self._started + 1
            while self._done < need and self._running:
                self._cond.wait()
            if self._done >= need:
                return self._value()
            self._running = True
            self._started = number = need
        result: str | Exception
        try:
            result = self._read()
        except Exception as exc:  # handed to every caller that waited for this read
            result = exc
        with self._cond:
            self._running = False
            self._done = number
            self._result = result
            self._cond.notify_all()
            return self._value()

    def _value(self) -> str:
        if isinstance(self._result, Exception):
            raise self._result
        return self._result


_versions: dict[tuple[str, str], FreshRead] = {}


def version(tenant: str) -> str:
    """The tenant's aggregates version token, read after this call began (see FreshRead)."""
    key = (aggregate_store.table_name(), tenant)
    with _lock:
        read = _versions.get(key)
        if read is None:
            read = _versions[key] = FreshRead(lambda: aggregate_store.version(tenant))
    return read()


def snapshot(tenant: str) -> Snapshot:
    """The tenant's cells at its current version: one (shared) GetItem, plus a load when it
    changed."""
    key = (aggregate_store.table_name(), tenant)
    token = version(tenant)
    with _lock:
        snap = _tenants.get(key)
        if snap is not None and snap.token == token:
            _tenants.move_to_end(key)
            return snap
        loading = _loading.setdefault(key, threading.Lock())
    with loading:
        with _lock:
            snap = _tenants.get(key)
        if snap is None or snap.token != token:
            # read the token before the cells: a rewrite racing this load leaves a newer
            # token behind, so the next request reloads rather than keep a mixed state
            snap = build(token, list(aggregate_store.load(tenant)))
            with _lock:
                _tenants[key] = snap
                _tenants.move_to_end(key)
                while len(_tenants) > MAX_TENANTS:
                    _tenants.popitem(last=False)
            settle()
    return snap


def settle() -> None:
    """Take what is alive now out of the cyclic garbage collector's full passes.

    After a load the process holds what it keeps until the next upload: the decoded cells,
    the modules and botocore models the first requests imported. Python's full (generation-2)
    collection walks every tracked object: in an API worker that had loaded a tenant each
    pass took 250-515 ms holding the interpreter lock, so every request in the process
    stalled at once (the p99 misses at 50 clients). `gc.freeze()` moves them
    to the permanent generation, so later passes walk only what was allocated since.
    Reference counting still frees frozen objects; only a frozen object that later becomes
    part of a reference cycle is never reclaimed, which is why this runs once per load
    (after a collection, so that no garbage is frozen), not per request.
    """
    gc.collect()
    gc.freeze()


def people(snap: Snapshot, load: Callable[[], PersonDays]) -> PersonDays:
    """The snapshot's person-day arrays, loaded once per version by `load`."""
    if snap.people is None:
        with snap.lock:
            if snap.people is None:
                snap.people = load()
    return snap.people


def clear() -> None:
    with _lock:
        _tenants.clear()


def stats() -> dict[str, Any]:
    with _lock:
        return {"tenants": len(_tenants)}
