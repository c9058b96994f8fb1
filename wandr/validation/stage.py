"""Validate an upload and stage its good rows for the lake: the body of the Validate step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wandr.events import EVENT_SCHEMA, INSIGHT_SCHEMA
from wandr.lake import KIND_TABLE, Lake, StagingWriter
from wandr.validation import csvfile, insight
from wandr.validation.report import InvalidUpload, Limits, Report


def validate_and_stage(
    lake: Lake,
    open_stream: Callable[[], Any],
    size: int,
    tenant: str,
    upload_id: str,
    kind: str,
    limits: Limits | None = None,
) -> Report:
    """Check the file, stage good rows per day, and return the report.

    Raises InvalidUpload (with the report attached as `.report`) when the file is unusable
    or has no usable rows; staging is then discarded so nothing partial remains.
    """
    limits = limits or Limits()
    if kind not in KIND_TABLE:
        raise InvalidUpload(f"unknown upload kind {kind!r}; expected csv or insight")
    table = KIND_TABLE[kind]
    schema = EVENT_SCHEMA if kind == "csv" else INSIGHT_SCHEMA
    writer = StagingWriter(lake, table, tenant, upload_id, schema, max_days=limits.max_days)
    report = Report(kind, upload_id, limits=limits)
    try:
        if kind == "csv":
            report, repeats = csvfile.validate(open_stream, size, upload_id, writer, limits)
            days = writer.close(repeats.get_column("line"))
        else:
            with open_stream() as stream:
                data = stream.read(insight.MAX_INSIGHT_BYTES + 1)
            report, good = insight.validate(data, upload_id, limits)
            if good.num_rows:
                writer.write(good)
            days = writer.close()
        report.days = sorted(days)
        if report.rows_good == 0:
            top = ", ".join(f"{why} ({n})" for why, n in report.reasons.most_common(3))
            raise InvalidUpload(f"no usable rows in {report.rows_total}: {top}")
        return report
    except InvalidUpload as exc:
        writer.discard()
        report.error = str(exc)
        exc.report = report  # type: ignore[attr-defined]
        raise
    except Exception:
        writer.discard()
        raise
