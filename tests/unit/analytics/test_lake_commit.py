"""Committing an upload moves its staged day files into the table, survives a retry after a
crash half-way, and replaces the upload's earlier version without duplicating rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wandr import lake as lake_module
from wandr.lake import Lake, commit, read_days, stage_files, staged_dir


def _stage(lake: Lake, tmp_path: Path, upload: str, days: dict[str, int]) -> None:
    files: dict[str, list[str]] = {}
    for day, rows in days.items():
        path = tmp_path / f"{upload}-{day}.parquet"
        pq.write_table(pa.table({"n": list(range(rows))}), path)
        files[day] = [str(path)]
    stage_files(lake, "events", "t1", upload, files, days)


def _rows(lake: Lake, days: list[str]) -> int:
    table = read_days(lake, "events", "t1", days)
    return 0 if table is None else table.num_rows


def test_a_commit_moves_the_staged_files_into_the_table(tmp_path: Path) -> None:
    lake = Lake.local(tmp_path / "lake")
    _stage(lake, tmp_path, "u1", {"2024-03-01": 3, "2024-03-02": 2})
    done = commit(lake, "events", "t1", "u1")
    assert done.days == ["2024-03-01", "2024-03-02"] and done.rows == 5
    assert _rows(lake, done.days) == 5
    assert not (tmp_path / "lake" / staged_dir("events", "t1", "u1")).exists()


def test_a_commit_retried_after_a_crash_half_way_gives_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake.local(tmp_path / "lake")
    _stage(lake, tmp_path, "u1", {"2024-03-01": 3, "2024-03-02": 2})
    publish = lake_module._publish
    moved: list[str] = []

    def crash_after_first(lake: Lake, source: str, target: str) -> None:
        if moved:
            raise OSError("the Lambda died")
        moved.append(source)
        publish(lake, source, target)

    monkeypatch.setattr(lake_module, "_publish", crash_after_first)
    with pytest.raises(OSError, match="died"):
        commit(lake, "events", "t1", "u1")
    monkeypatch.undo()
    done = commit(lake, "events", "t1", "u1")
    assert done.rows == 5 and _rows(lake, done.days) == 5


def test_recommitting_an_upload_replaces_its_rows(tmp_path: Path) -> None:
    lake = Lake.local(tmp_path / "lake")
    _stage(lake, tmp_path, "u1", {"2024-03-01": 3, "2024-03-02": 2})
    commit(lake, "events", "t1", "u1")
    _stage(lake, tmp_path, "u1", {"2024-03-02": 4})
    done = commit(lake, "events", "t1", "u1")
    assert done.touched_days == ["2024-03-01", "2024-03-02"]
    assert _rows(lake, ["2024-03-01", "2024-03-02"]) == 4
