"""A seedable generator of realistic Dwell-Insight data: a mall's camera events and crowd JSON.

The demo (`make demo`), the benchmark and the split-vs-single-pass tests all need data that
looks like a real Corsight export (daily curve, log-normal dwell, repeat visitors, a few dirty
rows) at any size, reproducibly. Everything is vectorised with numpy and written in chunks,
so ten million rows take seconds and little memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

GENDERS = ("male", "female", "not_determined")
AGE_GROUPS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55+", "not_determined")
GROUP_NAMES = ("Entrance", "Food Court", "Fashion", "Electronics", "Cinema", "Parking")


@dataclass(frozen=True)
class Mall:
    """The shape of the generated site."""

    cameras: int = 40
    groups: int = 6
    days: int = 30
    start: date = date(2024, 3, 1)
    visitors: int = 200_000  # distinct people over the whole period
    dirty_fraction: float = 0.02
    utc_offset_h: int = 7  # the mall's local time (opening hours follow it)


def _camera_tables(mall: Mall) -> tuple[list[str], list[str], list[str], list[str], np.ndarray]:
    ids = [f"cam-{i:02d}" for i in range(mall.cameras)]
    group_index = np.arange(mall.cameras) % mall.groups
    group_ids = [f"grp-{g}" for g in group_index]
    group_names = [GROUP_NAMES[g % len(GROUP_NAMES)] for g in group_index]
    descriptions = [f"{group_names[i]} camera {i}" for i in range(mall.cameras)]
    weights = np.random.default_rng(7).gamma(2.0, 1.0, mall.cameras)
    return ids, descriptions, group_ids, group_names, weights / weights.sum()


def _local_seconds_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Arrival times on a mall's day: open 10:00-22:00, lunch and evening peaks."""
    peak = rng.choice(3, size=n, p=[0.25, 0.35, 0.40])
    centre = np.array([11.5, 13.0, 19.0])[peak]
    spread = np.array([1.0, 1.2, 1.6])[peak]
    hours = np.clip(rng.normal(centre, spread), 10.0, 21.95)
    return hours * 3600.0


def _str(prefix: str, values: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")


def event_chunks(
    rows: int, seed: int = 42, mall: Mall | None = None, chunk_rows: int = 500_000
) -> Iterator[pa.Table]:
    """Camera-event rows as Arrow tables of CSV text columns, `chunk_rows` at a time."""
    mall = mall or Mall()
    cam_ids, cam_desc, grp_ids, grp_names, weights = _camera_tables(mall)
    # Zipf-like popularity: a few people come often (repeat visitors), most once.
    person_weights = 1.0 / np.arange(1, mall.visitors + 1) ** 0.6
    person_weights /= person_weights.sum()
    start_epoch = datetime(mall.start.year, mall.start.month, mall.start.day, tzinfo=UTC)
    base = start_epoch.timestamp() - mall.utc_offset_h * 3600
    done = 0
    chunk_no = 0
    while done < rows:
        n = min(chunk_rows, rows - done)
        rng = np.random.default_rng([seed, chunk_no])
        day = rng.integers(0, mall.days, n)
        started = base + day * 86400.0 + _local_seconds_of_day(rng, n)
        dwell = np.minimum(rng.lognormal(np.log(75.0), 1.0, n), 4 * 3600.0)
        ended = started + dwell
        cam = rng.choice(mall.cameras, size=n, p=weights)
        person = rng.choice(mall.visitors, size=n, p=person_weights)
        gender = np.array(GENDERS)[person % 3]
        age = np.array(AGE_GROUPS)[(person // 3) % len(AGE_GROUPS)]
        started_txt = np.char.mod("%.3f", started)
        ended_txt = np.char.mod("%.3f", ended)
        dirty = rng.random(n) < mall.dirty_fraction
        kinds = rng.integers(0, 5, n)
        event_no = np.arange(done, done + n)
        event_ids = _str(f"ev-{seed}-", event_no).to_numpy(zero_copy_only=False).astype(object)
        person_ids = _str("p-", person).to_numpy(zero_copy_only=False).astype(object)
        for k, bad in enumerate(dirty & (kinds == np.arange(5)[:, None]), start=0):
            idx = np.flatnonzero(bad)
            if k == 0:  # ended before started
                ended_txt[idx] = np.char.mod("%.3f", started[idx] - 30)
            elif k == 1:  # no person
                person_ids[idx] = ""
            elif k == 2:  # unparseable time
                started_txt[idx] = "not-a-date"
            elif k == 3:  # duplicate event id (the previous row's)
                event_ids[idx] = event_ids[np.maximum(idx - 1, 0)]
            else:  # absurd duration: two days
                ended_txt[idx] = np.char.mod("%.3f", started[idx] + 2 * 86400)
        table = pa.table(
            {
                "event_id": pa.array(event_ids, pa.string()),
                "event_type": pa.array(np.full(n, "appearance")),
                "person_id": pa.array(person_ids, pa.string()),
                "camera_id": pa.array(np.array(cam_ids)[cam]),
                "camera_description": pa.array(np.array(cam_desc)[cam]),
                "camera_group_id": pa.array(np.array(grp_ids)[cam]),
                "camera_group_name": pa.array(np.array(grp_names)[cam]),
                "age_group_outcome": pa.array(age),
                "gender_outcome": pa.array(gender),
                "liveness_outcome": pa.array(np.full(n, "live")),
                "mask_outcome": pa.array(np.where(rng.random(n) < 0.05, "mask", "no_mask")),
                "face_score": pa.array(np.round(rng.uniform(0.5, 1.0, n), 3)),
                "utc_time_recorded": pa.array(ended_txt),
                "utc_time_started": pa.array(started_txt),
                "utc_time_ended": pa.array(ended_txt),
            }
        )
        yield table
        done += n
        chunk_no += 1


def write_events_csv(path: str | Path, rows: int, seed: int = 42, mall: Mall | None = None) -> Path:
    """Write `rows` camera events to a CSV file (header + rows) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: pacsv.CSVWriter | None = None
    try:
        for table in event_chunks(rows, seed, mall):
            if writer is None:
                writer = pacsv.CSVWriter(
                    str(path),
                    table.schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def insight_events(count: int, seed: int = 42, mall: Mall | None = None) -> list[dict[str, object]]:
    """Crowd/loitering Insight Report events in Corsight's shape, matching the camera events."""
    mall = mall or Mall()
    cam_ids, _, _, _, weights = _camera_tables(mall)
    rng = np.random.default_rng([seed, 99])
    start_epoch = datetime(mall.start.year, mall.start.month, mall.start.day, tzinfo=UTC)
    base = start_epoch.timestamp() - mall.utc_offset_h * 3600
    day = rng.integers(0, mall.days, count)
    recorded = base + day * 86400.0 + _local_seconds_of_day(rng, count)
    out: list[dict[str, object]] = []
    for i in range(count):
        cam = cam_ids[int(rng.choice(mall.cameras, p=weights))]
        person = int(rng.integers(0, mall.visitors))
        loiter = float(np.round(rng.lognormal(np.log(300.0), 0.6), 1))
        rec = float(np.round(recorded[i], 3))
        out.append(
            {
                "event_id": f"ins-{seed}-{i}",
                "event_type": "loitering" if i % 3 else "crowd",
                "person_id": f"p-{person}",
                "camera_id": cam,
                "utc_time_recorded": rec,
                "save_insight_time": rec + 2.0,
                "loitering_duration": loiter,
                "gender": GENDERS[person % 3],
                "age_group": AGE_GROUPS[(person // 3) % len(AGE_GROUPS)],
                "camera_data": {"camera_id": cam, "camera_description": f"camera {cam}"},
                "frame_data": {"utc_time_recorded": rec, "bounding_box": [10, 20, 80, 200]},
                "appearance_data": {"utc_time_started": rec - loiter, "utc_time_ended": rec},
            }
        )
    return out


def write_insight_json(
    path: str | Path, count: int, seed: int = 42, mall: Mall | None = None
) -> Path:
    """Write an Insight Report as a JSON array and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(insight_events(count, seed, mall)), encoding="utf-8")
    return path
