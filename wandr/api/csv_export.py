"""CSV exports that are safe to open in a spreadsheet, streamed to S3.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (CSV injection: `=HYPERLINK(...)`, `=cmd|...`). Such
text cells get a leading apostrophe, which spreadsheets show as text and never evaluate
(OWASP's advice). Numbers are written as numbers, so `-3.5` stays a number.

Rows are written to the results bucket through pyarrow's S3 output stream, which uploads
in parts as it goes: the export's memory stays flat however many rows it has, and API
Gateway's 10 MB / 29 s response limits never apply. The client gets a short-lived URL.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from wandr import aws
from wandr.rawkeys import RawKey

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
URL_EXPIRY_S = 900
_CHUNK_ROWS = 2000


def escape_cell(value: Any) -> Any:
    """The value as a spreadsheet will show it, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    if text.startswith(FORMULA_PREFIXES) or text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_chunks(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The CSV text in chunks of a few thousand rows, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_cell(c) for c in columns])
    for n, row in enumerate(rows, start=1):
        writer.writerow([escape_cell(row.get(c)) for c in columns])
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_key(tenant: str, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{RawKey.tenant_prefix(tenant)}exports/{stamp}-{secrets.token_hex(4)}-{name}.csv"


def write(bucket: str, key: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Stream the CSV to s3://bucket/key; returns the number of data rows written."""
    counted = _Counter(rows)
    with aws.s3_filesystem().open_output_stream(f"{bucket}/{key}") as out:
        for chunk in csv_chunks(columns, counted):
            out.write(chunk.encode("utf-8"))
    return counted.n


class _Counter:
    def __init__(self, rows: Iterable[Mapping[str, Any]]):
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self.rows:
            self.n += 1
            yield row
