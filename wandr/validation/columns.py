"""Reading a CSV's first bytes: encoding, delimiter, header, and the header -> column mapping.

Real exports differ in small ways (BOM, `;` delimiters, `camera_group_data_group_*` names,
`*_readable` times, headers a spreadsheet truncated). Mapping them here, once, lets the rest
of the pipeline see only canonical names.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field

from wandr.events import ALIASES, MANDATORY, SOURCE_COLUMNS
from wandr.validation.report import InvalidUpload, Limits

DELIMITERS = ",;\t|"
_MIN_TRUNCATED = 5


@dataclass(frozen=True)
class Sniffed:
    encoding: str  # "utf-8" or "latin-1" (a UTF-8 BOM is skipped by the CSV reader)
    delimiter: str
    headers: list[str]


@dataclass
class ColumnMap:
    """Which source column (by position) feeds which canonical column."""

    canonical: dict[int, str] = field(default_factory=dict)
    unknown: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def sniff(head: bytes, total_size: int, limits: Limits) -> Sniffed:
    """Guess encoding, delimiter and header from the first bytes, or say why it is not a CSV."""
    if total_size == 0 or not head.strip():
        raise InvalidUpload("the file is empty")
    if total_size > limits.max_bytes:
        raise InvalidUpload(f"the file is {total_size} bytes; the limit is {limits.max_bytes}")
    if head.startswith(b"PK\x03\x04"):
        raise InvalidUpload("the file is a ZIP archive (an Excel workbook?); export it as CSV")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidUpload("the file is UTF-16; save it as UTF-8 CSV")
    if b"\x00" in head[:65536]:
        raise InvalidUpload("the file is binary (it contains NUL bytes), not a CSV")
    end = head.find(b"\n")
    if end < 0:
        if len(head) >= limits.max_line_bytes or total_size > len(head):
            raise InvalidUpload(
                f"the first line is longer than {limits.max_line_bytes} bytes; not a CSV"
            )
        raise InvalidUpload("the file has a header line and no data rows")
    if total_size <= len(head) and not head[end + 1 :].strip():
        raise InvalidUpload("the file has a header line and no data rows")
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    encoding = "utf-8"
    try:
        body[: body.rfind(b"\n") + 1].decode("utf-8")
    except UnicodeDecodeError:
        encoding = "latin-1"
    header_line = body[: body.find(b"\n")].decode(encoding).rstrip("\r")
    sample = body[: min(len(body), 65536)].decode(encoding, errors="replace")
    delimiter = _delimiter(header_line, sample)
    headers = next(csv.reader([header_line], delimiter=delimiter))
    return Sniffed(encoding, delimiter, headers)


def _delimiter(header_line: str, sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header_line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def normalise_header(name: str) -> str:
    """`Camera Group-Name ` -> `camera_group_name`."""
    return re.sub(r"[\s\-.]+", "_", name.strip().strip("\ufeff").strip('"').lower()).strip("_")


def map_columns(headers: list[str]) -> ColumnMap:
    """Map headers to canonical columns: exact, alias, then unambiguous truncation."""
    out = ColumnMap()
    names = [normalise_header(h) for h in headers]
    taken: set[str] = set()
    pending: list[int] = []
    for i, name in enumerate(names):
        if name in SOURCE_COLUMNS and name not in taken:
            out.canonical[i] = name
            taken.add(name)
        else:
            pending.append(i)
    still: list[int] = []
    for i in pending:  # aliases, in ALIASES order of preference
        target = ALIASES.get(names[i])
        if target and target not in taken:
            out.canonical[i] = target
            taken.add(target)
            out.notes.append(f"column {headers[i]!r} read as {target}")
        else:
            still.append(i)
    candidates = {c: c for c in SOURCE_COLUMNS} | ALIASES
    for i in still:
        name = names[i]
        targets = {
            t
            for c, t in candidates.items()
            if len(name) >= _MIN_TRUNCATED and c.startswith(name) and c != name
        }
        free = targets - taken
        if len(targets) == 1 and free:
            target = free.pop()
            out.canonical[i] = target
            taken.add(target)
            out.notes.append(f"column {headers[i]!r} read as {target} (truncated header)")
        else:
            if len(targets) > 1:
                out.notes.append(
                    f"column {headers[i]!r} could be any of {sorted(targets)}; "
                    "kept as an unknown column"
                )
            out.unknown[i] = headers[i].strip() or f"column_{i + 1}"
    missing = [c for c in MANDATORY if c not in taken]
    if missing:
        raise InvalidUpload(
            f"missing mandatory column(s) {', '.join(missing)}; the header has "
            f"{', '.join(repr(h) for h in headers[:30])}"
        )
    return out
