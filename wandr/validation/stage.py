"""Validate an upload and stage its good rows for the lake: the body of the Validate step.

A camera-event CSV goes through DuckDB (`csvfile.scan` then `csvfile.merge`); a big file can
instead be scanned in byte-range chunks by several Lambdas (`wandr.validation.split`) and
merged once with `merge_and_stage`, which gives the same rows and report as one pass.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

from wandr.lake import KIND_TABLE, Lake, discard, stage_files, stage_table, staged_dir
from wandr.validation import csvfile, insight, parallel, streamed
from wandr.validation.columns import Sniffed, map_columns
from wandr.validation.csvfile import ChunkScan
from wandr.validation.report import InvalidUpload, Limits, Report

log = logging.getLogger(__name__)


def validate_and_stage(
    lake: Lake,
    open_stream: Callable[[], Any],
    size: int,
    tenant: str,
    upload_id: str,
    kind: str,
    limits: Limits | None = None,
    path: str | None = None,
) -> Report:
    """Check the file, stage good rows per day, and return the report.

    `path` is a local copy of the file if the caller has one (else the stream is spooled).
    Raises InvalidUpload (with the report attached as `.report`) when the file is unusable
    or has no usable rows; staging is then discarded so nothing partial remains.
    """
    limits = limits or Limits()
    if kind not in KIND_TABLE:
        raise InvalidUpload(f"unknown upload kind {kind!r}; expected csv or insight")
    report = Report(kind, upload_id, limits=limits)
    try:
        with csvfile.workdir() as work:
            if kind == "csv":
                if path is None:
                    path = os.path.join(work, "upload.csv")
                    csvfile.spool(open_stream, path)
                report = _validate_csv(lake, path, size, tenant, upload_id, limits, work)
            else:
                with open_stream() as stream:
                    data = stream.read(insight.MAX_INSIGHT_BYTES + 1)
                report, good = insight.validate(data, upload_id, limits)
                days = (
                    stage_table(lake, "insights", tenant, upload_id, good, work, limits.max_days)
                    if good.num_rows
                    else {}
                )
                report.days = sorted(days)
        require_rows(report)
        return report
    except InvalidUpload as exc:
        discard(lake, tenant, upload_id)
        report.error = str(exc)
        exc.report = getattr(exc, "report", None) or report  # type: ignore[attr-defined]
        exc.report.error = str(exc)  # type: ignore[attr-defined]
        raise
    except Exception:
        discard(lake, tenant, upload_id)
        raise


def _validate_csv(
    lake: Lake, path: str, size: int, tenant: str, upload_id: str, limits: Limits, work: str
) -> Report:
    """The fastest path that can read the file exactly: polars' streaming pass
    (`wandr.validation.streamed`), then DuckDB by byte range (`parallel`), then the general
    two-pass path (a quoted line break, a file that is not UTF-8). Each faster path gives
    the general path's rows and report or declines (NotFastPath) before anything is staged."""
    sniffed = csvfile.head_of(path, size, limits)
    cmap = map_columns(sniffed.headers)
    target = lake.local_dir(staged_dir("events", tenant, upload_id)) or os.path.join(work, "days")
    for fast_path in (streamed.validate_to_days, parallel.validate_to_days):
        try:
            report, files, days = fast_path(
                path, sniffed, cmap, upload_id, limits, target, os.path.join(work, "fast")
            )
        except parallel.NotFastPath as why:
            log.info("%s declined the file: %s", fast_path.__module__, why)
            shutil.rmtree(target, ignore_errors=True)
            shutil.rmtree(os.path.join(work, "fast"), ignore_errors=True)
        else:
            stage_files(lake, "events", tenant, upload_id, files, days)
            return report
    con = csvfile.connect(work)
    try:
        scans = [
            csvfile.scan(con, path, sniffed, cmap, upload_id, limits, os.path.join(work, "scan"))
        ]
        return merge_and_stage(con, lake, tenant, upload_id, scans, sniffed, limits, work)
    finally:
        con.close()


def require_rows(report: Report) -> None:
    if report.rows_good == 0:
        top = ", ".join(f"{why} ({n})" for why, n in report.reasons.most_common(3))
        exc = InvalidUpload(f"no usable rows in {report.rows_total}: {top}")
        exc.report = report  # type: ignore[attr-defined]
        raise exc


def merge_and_stage(
    con: Any,
    lake: Lake,
    tenant: str,
    upload_id: str,
    scans: list[ChunkScan],
    sniffed: Sniffed,
    limits: Limits,
    work: str,
) -> Report:
    """Pass 2 over the chunk scans; stage the good rows by day; return the report."""
    cmap = map_columns(sniffed.headers)
    try:
        merged = csvfile.merge(con, scans, sniffed, cmap, upload_id, limits)
    except InvalidUpload as exc:
        exc.report = Report("csv", upload_id, limits=limits)  # type: ignore[attr-defined]
        raise
    target = lake.local_dir(staged_dir("events", tenant, upload_id))
    files = csvfile.write_days(con, merged, target or os.path.join(work, "days"))
    stage_files(lake, "events", tenant, upload_id, files, merged.days)
    return merged.report
