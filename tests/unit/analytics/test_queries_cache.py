"""Visitor counts from the cached person-day arrays, and the per-tenant card cache."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from wandr import aggregate_store, card_cache, queries
from wandr.aggregates import Cell
from wandr.lake import Lake, partition


@pytest.fixture
def lake(tmp_path) -> Lake:
    """agg_person_day for tenant t: 300 people over 6 days, random cameras and groups."""
    rng = np.random.default_rng(3)
    lake = Lake.local(tmp_path)
    for d in range(1, 7):
        people = rng.choice(300, size=120, replace=False)
        cams = [
            sorted({f"cam-{c}" for c in rng.integers(0, 5, rng.integers(0, 3))}) for _ in people
        ]
        table = pa.table(
            {
                "person_id": [f"p{p}" for p in people],
                "events": pa.array(rng.integers(1, 5, people.size), pa.int64()),
                "dwell_s": rng.random(people.size) * 3000,
                "cameras": pa.array(cams, pa.list_(pa.string())),
                "groups": pa.array(
                    [["g1"] if "cam-1" in c else [] for c in cams], pa.list_(pa.string())
                ),
                "gender": [
                    None if i % 7 == 0 else ("female", "male")[i % 2] for i in range(people.size)
                ],
                "age_group": [("18-24", "25-34")[i % 2] for i in range(people.size)],
                "visits": pa.array(rng.integers(1, 4, people.size), pa.int32()),
            }
        )
        lake.write_parquet(
            f"{partition('agg_person_day', 't', f'2024-03-0{d}')}/part-0.parquet", table
        )
    return lake


@pytest.mark.parametrize(
    "f",
    [
        queries.Filters(),
        queries.Filters(date(2024, 3, 2), date(2024, 3, 4)),
        queries.Filters(camera_ids=("cam-1", "cam-3")),
        queries.Filters(group_ids=("g1",), date_to=date(2024, 3, 5)),
        queries.Filters(gender="female", age_group="25-34"),
        queries.Filters(date(2024, 3, 9), date(2024, 3, 10)),
    ],
)
def test_repeat_visitors_from_arrays_equal_the_sql_definition(lake, f) -> None:
    fast = queries.repeat_visitors("t", f, lake=lake, top=20)
    sql = queries.repeat_visitors_sql("t", f, lake=lake, top=20)
    assert {k: v for k, v in fast.items() if k != "top"} == {
        k: v for k, v in sql.items() if k != "top"
    }
    key = ("person_id", "visits", "visit_days")
    assert [[r[k] for k in key] for r in fast["top"]] == [[r[k] for k in key] for r in sql["top"]]
    assert [r["total_dwell_s"] for r in fast["top"]] == pytest.approx(
        [r["total_dwell_s"] for r in sql["top"]]
    )


def test_a_tenant_without_person_days_has_no_visitors(tmp_path) -> None:
    out = queries.repeat_visitors("nobody", lake=Lake.local(tmp_path))
    assert (out["visitors"], out["repeat_visitors"]) == (0, 0)


class FakeStore:
    def __init__(self) -> None:
        self.token, self.loads = "v1", 0
        self.cells = [
            Cell("2024-03-01", "site", "site", events=2),
            Cell("2024-03-02", "site", "site", events=3),
        ]

    def version(self, tenant: str) -> str:
        return self.token

    def load(self, tenant: str):
        self.loads += 1
        return iter(self.cells)


@pytest.fixture
def store(monkeypatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(aggregate_store, "version", fake.version)
    monkeypatch.setattr(aggregate_store, "load", fake.load)
    card_cache.clear()
    yield fake
    card_cache.clear()


def test_the_cells_load_once_per_version_and_reload_when_it_changes(store) -> None:
    assert [c.events for c in card_cache.snapshot("t").select("site", None, None)] == [2, 3]
    card_cache.snapshot("t")
    assert store.loads == 1
    store.token = "v2"
    store.cells = [*store.cells, Cell("2024-03-03", "site", "site", events=7)]
    assert [c.events for c in card_cache.snapshot("t").select("site", None, None)] == [2, 3, 7]
    assert store.loads == 2


def test_a_snapshot_selects_cells_by_level_and_inclusive_days(store) -> None:
    store.cells.append(Cell("2024-03-02", "camera", "cam-1", events=1))
    snap = card_cache.snapshot("t")
    assert [c.dt for c in snap.select("site", "2024-03-02", "2024-03-02")] == ["2024-03-02"]
    assert len(snap.select(None, "2024-03-02", None)) == 2
    assert snap.select("camera", None, "2024-03-01") == []
