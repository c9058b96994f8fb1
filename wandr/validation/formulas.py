"""Which text values a spreadsheet would run as a formula, for polars columns.

The definition is `csvfile._FORMULA` (a regular expression anchored at the first character),
and every value it matches starts with one of six bytes (`csvfile._FORMULA_FIRST`). So the
first byte of each value is read straight off its Arrow string view (a view's bytes 4..7
are the value's first bytes, inline or as the prefix of a longer one) and the expression
only runs on the few values that start with one of them, as the DuckDB path does with
`ascii()` (csvfile.formula_flag). Why: running the expression on every value of the eleven
text columns took about 3 of the streamed path's 35 CPU-s on a 10-million-row file; reading
one byte a value takes a tenth of that.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from wandr.validation.csvfile import _FORMULA, _FORMULA_FIRST

_STARTS = np.zeros(256, bool)
_STARTS[list(_FORMULA_FIRST)] = True
_VIEW_BYTES = 16


def flags(values: pl.Series) -> np.ndarray:
    """True where the text (a String series) looks like a formula; null is False."""
    first = first_bytes(values)
    candidates = np.flatnonzero(_STARTS[first])
    out = np.zeros(len(values), bool)
    if len(candidates):
        maybe = values.gather(pl.Series(candidates, dtype=pl.UInt32))
        out[candidates] = maybe.str.contains(_FORMULA).fill_null(False).to_numpy()
    return out


def first_bytes(values: pl.Series) -> np.ndarray:
    """The first byte of each value, 0 for an empty or null one."""
    array = values.to_arrow(compat_level=pl.CompatLevel.newest())
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    parts = [_first_bytes(chunk) for chunk in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)


def _first_bytes(chunk: pa.Array) -> np.ndarray:
    if not pa.types.is_string_view(chunk.type):
        raise TypeError(f"expected Arrow string views, got {chunk.type}")
    n = len(chunk)
    if n == 0:
        return np.zeros(0, np.uint8)
    validity, views = chunk.buffers()[:2]
    start = chunk.offset * _VIEW_BYTES
    raw = np.frombuffer(views, np.uint8, n * _VIEW_BYTES, start).reshape(n, _VIEW_BYTES)
    length = np.frombuffer(views, "<i4", n * 4, start)[:: _VIEW_BYTES // 4]
    first = np.where(length > 0, raw[:, 4], 0).astype(np.uint8)
    if validity is not None and chunk.null_count:
        valid = np.unpackbits(
            np.frombuffer(validity, np.uint8), count=chunk.offset + n, bitorder="little"
        )[chunk.offset :]
        first[valid == 0] = 0
    return first
