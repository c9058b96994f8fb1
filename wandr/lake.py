"""The lake: where validated rows live as Parquet, and how an upload is committed there.

Layout under the lake root (an S3 bucket, or a local directory for tests and benchmarks):

    <table>/tenant=<t>/dt=<YYYY-MM-DD>/part-<upload_id>.parquet   data, Hive-partitioned
    staging/tenant=<t>/upload=<id>/<table>/dt=<day>/part-<k>.parquet  written by Validate
    manifests/tenant=<t>/upload=<id>.json                           what a commit wrote

One file per (upload, day) is what makes re-ingesting a file replace instead of duplicate:
the commit overwrites the same names and deletes the upload's files for days it no longer
has, using the previous manifest rather than listing the whole table. Validate only ever
writes to staging, so a failed or hostile file never leaves a partial write in the tables.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

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

    def local_dir(self, rel: str) -> str | None:
        """The real directory of `rel` when the lake is on the local disk, else None."""
        return self.path(rel) if isinstance(self.fs, pafs.LocalFileSystem) else None

    def write_parquet(
        self, rel: str, table: pa.Table, use_dictionary: bool | list[str] = True
    ) -> None:
        """Write `table` at `rel`; `use_dictionary` may name the columns whose values repeat
        (dictionaries on unique values only cost time)."""
        self._parent(rel)
        pq.write_table(
            table,
            self.path(rel),
            filesystem=self.fs,
            compression=COMPRESSION,
            use_dictionary=use_dictionary,
        )

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


def staged_dir(table: str, tenant: str, upload_id: str) -> str:
    return f"{staging_dir(tenant, upload_id)}/{table}"


def stage_files(
    lake: Lake,
    table: str,
    tenant: str,
    upload_id: str,
    files: dict[str, list[str]],
    rows: dict[str, int],
) -> dict[str, int]:
    """Record (and, for a remote lake, upload) an upload's staged files: one or more local
    Parquet files per day. A local lake's files may already sit in `staged_dir`."""
    names: dict[str, list[str]] = {}
    target_dir = staged_dir(table, tenant, upload_id)
    local = lake.local_dir(target_dir)
    for day, paths in sorted(files.items()):
        names[day] = []
        for k, path in enumerate(paths):
            rel = f"{target_dir}/dt={day}/part-{k}.parquet"
            if local is None or os.path.abspath(path) != os.path.abspath(lake.path(rel)):
                lake._parent(rel)
                pafs.copy_files(
                    path,
                    lake.path(rel),
                    source_filesystem=pafs.LocalFileSystem(),
                    destination_filesystem=lake.fs,
                )
            names[day].append(rel)
    lake.write_json(
        f"{staging_dir(tenant, upload_id)}/{table}.json",
        {"table": table, "rows": rows, "files": names},
    )
    return dict(sorted(rows.items()))


def stage_table(
    lake: Lake,
    table: str,
    tenant: str,
    upload_id: str,
    data: pa.Table,
    workdir: str,
    max_days: int = 1000,
) -> dict[str, int]:
    """Stage a small Arrow table (insight events) split by day."""
    frame = pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)
    days = frame.get_column(DAY_COLUMN[table]).dt.date().cast(pl.String)
    parts = frame.with_columns(days.alias("_dt")).partition_by(
        "_dt", as_dict=True, include_key=False
    )
    if len(parts) > max_days:
        raise InvalidUpload(f"the file spans more than {max_days} days")
    files, rows = {}, {}
    for (day,), part in parts.items():
        path = os.path.join(workdir, f"{table}-{day}.parquet")
        pq.write_table(part.to_arrow().cast(data.schema), path, compression=COMPRESSION)
        files[str(day)], rows[str(day)] = [path], part.height
    return stage_files(lake, table, tenant, upload_id, files, rows)


def discard(lake: Lake, tenant: str, upload_id: str) -> None:
    lake.delete_dir(staging_dir(tenant, upload_id))


def _upload_files(lake: Lake, table: str, tenant: str, day: str, upload_id: str) -> list[str]:
    directory = lake.path(partition(table, tenant, day))
    infos = lake.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    pattern = re.compile(rf"part-{re.escape(upload_id)}(-\d+)?\.parquet")
    return [i.path for i in infos if pattern.fullmatch(i.base_name)]


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
    meta = lake.read_json(meta_rel)
    staged_rows: dict[str, int] = meta["rows"]
    staged_files: dict[str, list[str]] = meta.get("files") or {}
    previous = lake.read_json(manifest_rel) if lake.exists(manifest_rel) else None
    for day in staged_rows:
        sources = staged_files.get(day, [])
        targets = [data_file(table, tenant, day, upload_id)]
        if len(sources) > 1:
            targets = [targets[0].replace(".parquet", f"-{k}.parquet") for k in range(len(sources))]
        keep = {lake.path(t) for t in targets}
        for source, target in zip(sources, targets, strict=True):
            _publish(lake, source, target)
        for old in _upload_files(lake, table, tenant, day, upload_id):
            if old not in keep:
                _delete_if_present(lake, old)
    old_days = set(previous["days"]) if previous and previous["table"] == table else set()
    for day in old_days - set(staged_rows):
        for old in _upload_files(lake, table, tenant, day, upload_id):
            _delete_if_present(lake, old)
    days = sorted(staged_rows)
    touched = sorted(set(days) | old_days)
    rows = sum(staged_rows.values())
    lake.write_json(
        manifest_rel, {"table": table, "days": days, "touched_days": touched, "rows": rows}
    )
    lake.delete_dir(staging_dir(tenant, upload_id))
    return Commit(table, days, touched, rows)


def _publish(lake: Lake, source: str, target: str) -> None:
    """Move a staged file into the table (a rename on a local lake, copy-and-delete on S3).
    A retry after a crash finds the files an earlier try already moved at their target."""
    if lake.exists(source):
        lake._parent(target)
        lake.fs.move(lake.path(source), lake.path(target))
    elif not lake.exists(target):
        raise FileNotFoundError(f"staged file {source} is gone and {target} was never written")


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


def _delete_if_present(lake: Lake, path: str) -> None:
    """Delete a superseded file; one already gone (a concurrent commit of the same upload,
    e.g. the object re-uploaded while its first run was committing) is the wanted end state."""
    with contextlib.suppress(FileNotFoundError):
        lake.fs.delete_file(path)
