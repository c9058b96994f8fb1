"""Splitting a CSV too big for one Lambda into byte-range chunks validated in parallel.

`plan` reads the head (encoding, delimiter, header) and cuts the body into ranges that each
start at a line start: a nominal boundary moves forward to just after the next newline. Each
chunk is validated on its own (`scan_chunk`: the header is prepended, so DuckDB sees a small
CSV) by a Lambda of a Step Functions Distributed Map, writing one Parquet file of rows and
one of rejects. The merge step (`csvfile.merge` via `stage.merge_and_stage`) then numbers the
lines (each chunk's base is the records of the chunks before it), finds duplicate event_ids
across all chunks and stages the good rows by day, exactly as the single pass does.

Limitation: a quoted field containing a newline must not straddle a chunk boundary (the
same rule the single pass has for blocks); Corsight exports do not quote newlines.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from wandr.validation import csvfile
from wandr.validation.columns import Sniffed, map_columns, sniff
from wandr.validation.csvfile import ChunkScan
from wandr.validation.report import InvalidUpload, Limits

ReadRange = Callable[[int, int], bytes]  # (start, end exclusive) -> bytes


def threshold_bytes() -> int:
    """Files above this size are split (WANDR_SPLIT_THRESHOLD_BYTES, default 1 GiB)."""
    return int(os.environ.get("WANDR_SPLIT_THRESHOLD_BYTES") or 1 << 30)


def chunk_bytes() -> int:
    """Nominal chunk size (WANDR_SPLIT_CHUNK_BYTES, default: half the threshold)."""
    return int(os.environ.get("WANDR_SPLIT_CHUNK_BYTES") or max(1, threshold_bytes() // 2))


@dataclass
class Plan:
    encoding: str
    delimiter: str
    headers: list[str]
    header_end: int  # byte offset of the first data line
    ranges: list[tuple[int, int]]

    @property
    def sniffed(self) -> Sniffed:
        return Sniffed(self.encoding, self.delimiter, list(self.headers))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        return cls(
            d["encoding"],
            d["delimiter"],
            list(d["headers"]),
            int(d["header_end"]),
            [(int(a), int(b)) for a, b in d["ranges"]],
        )


def plan(read_range: ReadRange, size: int, limits: Limits, chunk: int) -> Plan:
    """Sniff the head and cut [first data line, size) into line-aligned ranges of ~chunk."""
    head = read_range(0, min(size, limits.max_line_bytes + 1))
    sniffed = sniff(head, size, limits)
    map_columns(sniffed.headers)  # refuse a file without the mandatory columns up front
    header_end = head.find(b"\n") + 1
    cuts = [header_end]
    nominal = header_end + chunk
    while nominal < size:
        window = read_range(nominal - 1, min(size, nominal - 1 + limits.max_line_bytes + 1))
        newline = window.find(b"\n")
        if newline < 0:
            raise InvalidUpload(
                f"a line near byte {nominal} is longer than {limits.max_line_bytes} bytes"
            )
        cut = nominal + newline  # just after the newline (the window starts one byte early)
        if cut >= size:
            break
        if cut > cuts[-1]:
            cuts.append(cut)
        nominal = max(cut, nominal) + chunk
    cuts.append(size)
    ranges = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    return Plan(sniffed.encoding, sniffed.delimiter, sniffed.headers, header_end, ranges)


def scan_chunk(
    read_range: ReadRange,
    p: Plan,
    k: int,
    upload_id: str,
    limits: Limits,
    out_dir: str,
    work: str,
) -> ChunkScan:
    """Pass 1 over chunk k: header + its bytes into a local CSV, scanned by DuckDB."""
    start, end = p.ranges[k]
    path = os.path.join(work, f"chunk-{k:05d}.csv")
    with open(path, "wb") as f:
        f.write(read_range(0, p.header_end))
        f.write(read_range(start, end))
    con = csvfile.connect(work)
    try:
        sniffed = p.sniffed
        return csvfile.scan(
            con, path, sniffed, map_columns(sniffed.headers), upload_id, limits, out_dir, k
        )
    finally:
        con.close()
        os.remove(path)


def file_reader(path: str) -> ReadRange:
    """A ReadRange over a local file (tests, the benchmark)."""

    def read(start: int, end: int) -> bytes:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(max(0, end - start))

    return read
