"""The numpy aggregates (wandr.aggregates) against the polars reference definitions
(wandr.dwell, wandr.occupancy, wandr.crowd) on generated events: several days, events
across midnight, repeat visitors, overlapping events, null cameras, groups and genders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from wandr import aggregates, crowd, dwell, occupancy
from wandr.events import EVENT_SCHEMA
from wandr.lake import Lake, data_file

DAYS = ["2024-03-01", "2024-03-02", "2024-03-03"]


def _events(rows: int = 4000, seed: int = 5) -> pl.DataFrame:
    """People seen several times a day on a few cameras; some events run past midnight."""
    rng = np.random.default_rng(seed)
    person = rng.integers(0, rows // 10, rows)
    day = rng.integers(0, len(DAYS), rows)
    start_ms = day * 86_400_000 + (person * 7_919_000) % 86_400_000
    start_ms += rng.integers(0, 3 * 3_600_000, rows)
    late = rng.random(rows) < 0.1
    start_ms[late] = (
        day[late] * 86_400_000 + 86_400_000 - rng.integers(1_000, 3_600_000, late.sum())
    )
    long = rng.random(rows) < 0.05
    duration_ms = np.where(
        long, rng.integers(3_600_000, 6 * 3_600_000, rows), rng.integers(0, 900_000, rows)
    )
    start_ms = np.minimum(start_ms, len(DAYS) * 86_400_000 - 1)
    cameras = np.array([f"c{i}" for i in range(6)] + [None], dtype=object)[rng.integers(0, 7, rows)]
    groups = np.array([None if c is None else f"g{int(c[1:]) % 3}" for c in cameras], object)
    groups[rng.random(rows) < 0.03] = None
    base = np.datetime64("2024-03-01T00:00:00", "ms")
    start = base + start_ms.astype("timedelta64[ms]")
    return pl.DataFrame(
        {
            "person_id": [f"p{p}" for p in person],
            "camera_id": pl.Series(cameras.tolist(), dtype=pl.String),
            "camera_description": pl.Series(
                [None if c is None else f"cam {c}" for c in cameras], dtype=pl.String
            ),
            "camera_group_id": pl.Series(groups.tolist(), dtype=pl.String),
            "camera_group_name": pl.Series(
                [None if g is None else f"group {g}" for g in groups], dtype=pl.String
            ),
            "gender_outcome": pl.Series(
                np.array(["male", "female", None], object)[rng.integers(0, 3, rows)].tolist(),
                dtype=pl.String,
            ),
            "age_group_outcome": pl.Series(
                np.array(["18-24", "25-34", "55+", None], object)[
                    rng.integers(0, 4, rows)
                ].tolist(),
                dtype=pl.String,
            ),
            "utc_time_started": start,
            "utc_time_ended": start + duration_ms.astype("timedelta64[ms]"),
            "dwell_s": duration_ms / 1000.0,
        }
    )


def _insights(seed: int = 6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    count = 60
    return pl.DataFrame(
        {
            "event_id": [f"i{i}" for i in range(count)],
            "person_id": [f"p{i}" for i in range(count)],
            "camera_id": [f"c{i % 6}" for i in range(count)],
            "insight_type": ["crowd" if i % 3 == 0 else "loitering" for i in range(count)],
            "utc_time_recorded": [
                datetime(2024, 3, 1) + timedelta(seconds=int(s))
                for s in rng.integers(0, len(DAYS) * 86_400, count)
            ],
            "loitering_duration": rng.random(count) * 100,
            "gender": ["male"] * count,
            "age_group": ["18-24"] * count,
        },
        schema_overrides={"utc_time_recorded": pl.Datetime("ms")},
    )


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return _events()


@pytest.fixture(scope="module")
def aggs(events: pl.DataFrame) -> aggregates.DayAggregates:
    return aggregates.compute(events, _insights(), DAYS)


def test_fast_aggregates_equal_the_reference_definitions_on_generated_data(
    events: pl.DataFrame, aggs: aggregates.DayAggregates
) -> None:
    expected = dwell.person_days(events).with_columns(pl.col("dt").cast(pl.String))
    got = aggs.tables["agg_person_day"].sort("dt", "person_id")
    assert got.height == expected.height and (got.get_column("visits") > 1).any()
    for column in ("person_id", "dt", "events", "first_seen", "last_seen", "cameras", "groups"):
        assert got.get_column(column).to_list() == expected.get_column(column).to_list(), column
    for column in ("gender", "age_group", "visits"):
        assert got.get_column(column).to_list() == expected.get_column(column).to_list(), column
    assert np.allclose(got.get_column("dwell_s"), expected.get_column("dwell_s"), atol=1e-9)


def test_every_cell_equals_the_reference_metrics_of_its_days_events(
    events: pl.DataFrame, aggs: aggregates.DayAggregates
) -> None:
    frame = dwell.with_day(events).with_columns(pl.col("dt").cast(pl.String))
    cells = {(c.dt, c.level, c.key): c for c in aggs.cells}
    checked = 0
    for level in aggregates.LEVELS:
        keyed = frame.with_columns(occupancy.level_key(level).alias("key"))
        for (dt, key), part in keyed.partition_by("dt", "key", as_dict=True).items():
            cell = cells[(str(dt), level, str(key))]
            assert cell.events == part.height
            assert cell.visitors == part.get_column("person_id").n_unique()
            assert cell.dwell_sum_s == pytest.approx(part.get_column("dwell_s").sum(), abs=1e-9)
            values, counts = dwell.dwell_counts(part.get_column("dwell_s"))
            assert cell.dwell_values.tolist() == values.tolist()
            assert cell.dwell_counts.tolist() == counts.tolist()
            hours = dict(part.group_by("hour").len().iter_rows())
            assert cell.hourly_events == [hours.get(h, 0) for h in range(24)]
            checked += 1
    assert checked > 3 * len(DAYS)


def test_occupancy_equals_the_reference_sweep_including_the_night_before(
    events: pl.DataFrame, aggs: aggregates.DayAggregates
) -> None:
    cells = {(c.dt, c.level, c.key): c for c in aggs.cells}
    crossing = 0
    for dt in DAYS:
        for level in aggregates.LEVELS:
            for key, minutes in occupancy.day_arrays(events, level, date.fromisoformat(dt)).items():
                if minutes.any():
                    assert cells[(dt, level, key)].occupancy.tolist() == minutes.tolist()
                    crossing += int(minutes[0] > 0)
    assert crossing > 0  # some people are still there at midnight


def test_the_insight_merge_reads_the_occupancy_of_the_alerts_minute(
    events: pl.DataFrame, aggs: aggregates.DayAggregates
) -> None:
    insights = _insights()
    camera_group = {f"c{i}": f"g{i % 3}" for i in range(6)}
    merged = aggs.tables["agg_insight_merge"]
    for dt in DAYS:
        day = date.fromisoformat(dt)
        arrays = {lvl: occupancy.day_arrays(events, lvl, day) for lvl in aggregates.LEVELS}
        expected = crowd.merge(insights, day, camera_group, arrays)
        got = merged.filter(pl.col("dt") == dt).drop("dt")
        assert got.sort("event_id").equals(expected.sort("event_id"))


def test_one_day_batches_and_the_sorting_fallback_give_the_same_aggregates(
    events: pl.DataFrame, aggs: aggregates.DayAggregates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDR_AGG_BATCH_DAYS", "1")
    monkeypatch.setattr(aggregates, "DENSE_GROUP_LIMIT", 0)
    other = aggregates.compute(events, _insights(), DAYS)
    for name, frame in aggs.tables.items():
        key = [c for c, t in frame.schema.items() if not t.is_float() and t != pl.List(pl.String)]
        mine, theirs = frame.sort(key), other.tables[name].sort(key)
        floats = [c for c, t in frame.schema.items() if t.is_float()]
        assert mine.drop(floats).equals(theirs.drop(floats)), name
        for column in floats:  # sums may add in another order
            assert np.allclose(mine.get_column(column), theirs.get_column(column), atol=1e-9)
    assert [(c.dt, c.level, c.key, c.events, c.visitors) for c in other.cells] == [
        (c.dt, c.level, c.key, c.events, c.visitors) for c in aggs.cells
    ]


def _lake_of(events: pl.DataFrame, root: str) -> Lake:
    """A local lake holding `events` in one file per start day."""
    lake = Lake.local(root)
    frame = events.with_columns(pl.col("utc_time_started").dt.date().cast(pl.String).alias("d"))
    for (day,), part in frame.partition_by("d", as_dict=True).items():
        table = part.drop("d").to_arrow()
        columns = {
            f.name: table.column(f.name).cast(f.type)
            if f.name in table.column_names
            else pa.nulls(table.num_rows, f.type)
            for f in EVENT_SCHEMA
        }
        lake.write_parquet(
            data_file("events", "t", str(day), "u1"), pa.table(columns, schema=EVENT_SCHEMA)
        )
    return lake


def test_recomputing_one_day_also_recomputes_the_days_its_events_run_into(
    events: pl.DataFrame, tmp_path: Path
) -> None:
    lake = _lake_of(events, str(tmp_path))
    full = aggregates.recompute(lake, "t", aggregates.tenant_days(lake, "t"))
    files = aggregates.local_files(lake, "events", "t", DAYS[:1], str(tmp_path))
    spilled = aggregates.spill_days(files, DAYS[:1])
    assert spilled == DAYS[1:2]
    one = aggregates.recompute(lake, "t", DAYS[:1])
    assert one.days == DAYS[:2]
    expected = [c for c in full.cells if c.dt in one.days]
    assert [(c.dt, c.level, c.key, c.events, c.visitors) for c in one.cells] == [
        (c.dt, c.level, c.key, c.events, c.visitors) for c in expected
    ]
    for mine, theirs in zip(one.cells, expected, strict=True):
        assert np.array_equal(mine.occupancy, theirs.occupancy)


def test_written_tables_have_the_schema_and_rows_polars_gives_them(
    events: pl.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person-days are built as Arrow and the other tables sliced by day; each day's
    file must still hold what a partition of compute()'s polars frame by dt would write
    (rows in any order: person codes follow the order people first appear in the input)."""
    monkeypatch.setenv("WANDR_AGG_WORKERS", "2")
    lake = _lake_of(events, str(tmp_path))
    aggregates.recompute(lake, "t", DAYS)
    expected = aggregates.compute(events, pl.DataFrame(), DAYS)
    for name, frame in expected.tables.items():
        for (day,), part in frame.partition_by("dt", as_dict=True, include_key=False).items():
            written = lake.read_parquet(f"{name}/tenant=t/dt={day}/part-0.parquet")
            assert written.schema == part.to_arrow().schema, name
            got = pl.from_arrow(written)
            assert isinstance(got, pl.DataFrame)
            key = [
                c for c, t in part.schema.items() if not t.is_float() and t != pl.List(pl.String)
            ]
            mine, theirs = got.sort(key, nulls_last=True), part.sort(key, nulls_last=True)
            floats = [c for c, t in part.schema.items() if t.is_float()]
            assert mine.drop(floats).equals(theirs.drop(floats)), (name, day)
            for column in floats:  # equal start times may add in another order
                assert np.allclose(mine.get_column(column), theirs.get_column(column)), column


def test_rows_of_the_day_before_merge_into_the_person_order(events: pl.DataFrame) -> None:
    """The levels' order (the batch's person sort with the previous day's late rows merged
    in) is by person, day and start, as one sort of every row would give."""
    passed = aggregates._read_events(events.to_arrow(), DAYS[1:])
    assert (~passed.batch).any()
    batch_order = aggregates._person_order(passed, np.flatnonzero(passed.batch))
    merged = aggregates._all_by_person(passed, batch_order)
    every = np.arange(len(passed.day))
    keys = aggregates._person_key(passed, merged, every)
    assert sorted(merged.tolist()) == every.tolist()
    assert (np.diff(keys) >= 0).all()


def test_a_day_in_two_runs_of_an_arrow_table_is_filtered_not_sliced() -> None:
    table = pa.table({"dt": ["d1", "d2", "d1"], "n": [1, 2, 3]})
    by_day = aggregates._arrow_by_day(table)
    assert by_day["d1"].column("n").to_pylist() == [1, 3]
    assert by_day["d2"].column("n").to_pylist() == [2]
