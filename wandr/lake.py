"""The lake: where validated rows live as Parquet, and how an upload is committed there.

Layout under the lake root (an S3 bucket, or a local directory for tests and benchmarks):

    <table>/tenant=<t>/dt=<YYYY-MM-DD>/part-<upload_id>.parquet   data, Hive-partitioned
    staging/tenant=<t>/upload=<id>/<table>/dt=<day>.parquet        written by Validate
    manifests/tenant=<t>/upload=<id>.json                           what a commit wrote

One file per (upload, day) is what makes re-ingesting a file replace instead of duplicate:
the commit overwrites the same names and deletes the upload's files for days it no longer
has, using the previous manifest rather than listing the whole table. Validate only ever
writes to staging, so a failed or hostile file never leaves a partial write in the tables.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from wandr.validation.csvfile import Sink
from wandr.validation.report import InvalidUpload

DAY_COLUMN = {"events": "utc_time_started", "insights": "utc_time_recorded"}
KIND_TABLE = {"csv": "events", "insight": "insights"}
COMPRESSION = "zstd"


@dataclass(frozen=True)
class Lake:
    """A filesystem and a root (`bucket` on S3, an absolute directory locally)."""

    fs: pafs.FileSystem
    root: str

    @classmethod
    def s3(cls, bucket: str) -> Lake:
        from wandr.aws import s3_filesystem

        return cls(s3_filesystem(), bucket)

    @classmethod
    def local(cls, path: str | Path) -> Lake:
        path = Path(path).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return cls(pafs.LocalFileSystem(), str(path))

    def path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def exists(self, rel: str) -> bool:
        return self.fs.get_file_info(self.path(rel)).type != pafs.FileType.NotFound

    def read_json(self, rel: str) -> Any:
        with self.fs.open_input_stream(self.path(rel)) as f:
            return json.loads(f.read())

    def write_json(self, rel: str, value: Any) -> None:
        self._parent(rel)
        with self.fs.open_output_stream(self.path(rel)) as f:
            f.write(json.dumps(value).encode())

    def delete(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_file(self.path(rel))

    def delete_dir(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.delete_dir(self.path(rel))

    def _parent(self, rel: str) -> None:
        if isinstance(self.fs, pafs.LocalFileSystem):
            self.fs.create_dir(posixpath.dirname(self.path(rel)), recursive=True)

    def write_parquet(self, rel: str, table: pa.Table) -> None:
        self._parent(rel)
        pq.write_table(table, self.path(rel), filesystem=self.fs, compression=COMPRESSION)

    def read_parquet(self, rel: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.path(rel), filesystem=self.fs, columns=columns)


def partition(table: str, tenant: str, day: str) -> str:
    return f"{table}/tenant={tenant}/dt={day}"


def data_file(table: str, tenant: str, day: str, upload_id: str) -> str:
    return f"{partition(table, tenant, day)}/part-{upload_id}.parquet"


def staging_dir(tenant: str, upload_id: str) -> str:
    return f"staging/tenant={tenant}/upload={upload_id}"


def manifest_file(tenant: str, upload_id: str) -> str:
    return f"manifests/tenant={tenant}/upload={upload_id}.json"


@dataclass
class StagingWriter(Sink):
    """Good rows of one upload, split by day into one staged Parquet file per day."""

    lake: Lake
    table: str
    tenant: str
    upload_id: str
    schema: pa.Schema
    max_days: int = 1000
    flush_rows: int = 131072
    rows: dict[str, int] = field(default_factory=dict)
    _buffers: dict[str, list[pa.Table]] = field(default_factory=dict)
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    def staged(self, day: str) -> str:
        return f"{staging_dir(self.tenant, self.upload_id)}/{self.table}/dt={day}.parquet"

    def write(self, table: pa.Table) -> None:
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        days = frame.get_column(DAY_COLUMN[self.table]).dt.date().cast(pl.String)
        for (day,), part in (
            frame.with_columns(days.alias("_dt"))
            .partition_by("_dt", as_dict=True, include_key=False)
            .items()
        ):
            self._add(str(day), part.to_arrow().cast(self.schema))

    def _add(self, day: str, table: pa.Table) -> None:
        if day not in self.rows and len(self.rows) >= self.max_days:
            raise InvalidUpload(f"the file spans more than {self.max_days} days")
        self.rows[day] = self.rows.get(day, 0) + table.num_rows
        buffer = self._buffers.setdefault(day, [])
        buffer.append(table)
        if sum(t.num_rows for t in buffer) >= self.flush_rows:
            self._flush(day)

    def _flush(self, day: str) -> None:
        buffer = self._buffers.pop(day, [])
        if not buffer:
            return
        writer = self._writers.get(day)
        if writer is None:
            self.lake._parent(self.staged(day))
            writer = pq.ParquetWriter(
                self.lake.path(self.staged(day)),
                self.schema,
                filesystem=self.lake.fs,
                compression=COMPRESSION,
            )
            self._writers[day] = writer
        writer.write_table(pa.concat_tables(buffer))

    def close(self, drop_lines: pl.Series | None = None) -> dict[str, int]:
        """Finish every day's file; drop rows by source line (duplicates) if asked."""
        for day in list(self._buffers):
            self._flush(day)
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        if drop_lines is not None and len(drop_lines):
            self._drop(drop_lines)
        self.rows = {d: n for d, n in self.rows.items() if n > 0}
        for day in [d for d in self._all_days() if d not in self.rows]:
            self.lake.delete(self.staged(day))
        self.lake.write_json(
            f"{staging_dir(self.tenant, self.upload_id)}/{self.table}.json",
            {"table": self.table, "rows": self.rows},
        )
        return dict(sorted(self.rows.items()))

    def _all_days(self) -> list[str]:
        return list(self.rows)

    def _drop(self, lines: pl.Series) -> None:
        drop = pa.array(lines.to_numpy())
        for day in list(self.rows):
            table = self.lake.read_parquet(self.staged(day))
            keep = pa.compute.invert(pa.compute.is_in(table["source_line"], drop))
            if pa.compute.all(keep).as_py():
                continue
            kept = table.filter(keep)
            self.rows[day] = kept.num_rows
            if kept.num_rows:
                self.lake.write_parquet(self.staged(day), kept)

    def discard(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        self._buffers.clear()
        self.rows.clear()
        self.lake.delete_dir(staging_dir(self.tenant, self.upload_id))


@dataclass(frozen=True)
class Commit:
    table: str
    days: list[str]  # days now holding this upload's rows
    touched_days: list[str]  # days whose content changed (new days + days it left)
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "days": self.days,
            "touched_days": self.touched_days,
            "rows": self.rows,
        }


def commit(lake: Lake, table: str, tenant: str, upload_id: str) -> Commit:
    """Publish an upload's staged files into the table, replacing its earlier version."""
    meta_rel = f"{staging_dir(tenant, upload_id)}/{table}.json"
    manifest_rel = manifest_file(tenant, upload_id)
    if not lake.exists(meta_rel):
        if lake.exists(manifest_rel):  # a retried commit that already finished
            done = lake.read_json(manifest_rel)
            return Commit(table, done["days"], done.get("touched_days", done["days"]), done["rows"])
        raise InvalidUpload(f"nothing staged for upload {upload_id}; run validation first")
    staged_rows: dict[str, int] = lake.read_json(meta_rel)["rows"]
    previous = lake.read_json(manifest_rel) if lake.exists(manifest_rel) else None
    for day in staged_rows:
        source = f"{staging_dir(tenant, upload_id)}/{table}/dt={day}.parquet"
        target = data_file(table, tenant, day, upload_id)
        lake._parent(target)
        lake.fs.copy_file(lake.path(source), lake.path(target))
    old_days = set(previous["days"]) if previous and previous["table"] == table else set()
    for day in old_days - set(staged_rows):
        lake.delete(data_file(table, tenant, day, upload_id))
    days = sorted(staged_rows)
    touched = sorted(set(days) | old_days)
    rows = sum(staged_rows.values())
    lake.write_json(
        manifest_rel, {"table": table, "days": days, "touched_days": touched, "rows": rows}
    )
    lake.delete_dir(staging_dir(tenant, upload_id))
    return Commit(table, days, touched, rows)


def read_days(
    lake: Lake, table: str, tenant: str, days: list[str], columns: list[str] | None = None
) -> pa.Table | None:
    """Every row of `table` for `tenant` on `days` (all uploads), or None if there are none."""
    parts = []
    for day in days:
        directory = lake.path(partition(table, tenant, day))
        infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
        files = sorted(i.path for i in infos if i.path.endswith(".parquet"))
        for path in files:
            parts.append(pq.read_table(path, filesystem=lake.fs, columns=columns))
    if not parts:
        return None
    return pa.concat_tables(parts, promote_options="permissive")
