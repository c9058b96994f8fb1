"""Timestamps as real exports write them, read into naive UTC milliseconds.

Accepted per value (a file may mix them): epoch seconds or milliseconds (also in scientific
notation), ISO-8601 with `T` or a space, with or without fraction, with `Z` or a numeric zone
(converted to UTC) or without a zone (taken as UTC). Anything else is null, and the caller
reports it. The epoch path runs first because it is the common case and the cheapest.
"""

from __future__ import annotations

import polars as pl

_EPOCH_MS_ABOVE = 1e11  # a number this large is milliseconds, not seconds
_ZONED = ("%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M%:z")
_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y/%m/%dT%H:%M:%S%.f")


def parse(values: pl.Series) -> pl.Series:
    """String series -> Datetime("ms") series (naive UTC); unparseable values become null."""
    text = values.str.strip_chars()
    number = text.cast(pl.Float64, strict=False)
    millis = pl.select(
        pl.when(number.abs() > _EPOCH_MS_ABOVE)
        .then(number)
        .otherwise(number * 1000.0)
        .round(0)
        .cast(pl.Int64, strict=False)
        .cast(pl.Datetime("ms"))
    ).to_series()
    todo = millis.is_null() & text.is_not_null() & (text != "")
    if not todo.any():
        return millis.alias(values.name)
    iso = (
        text.filter(todo)
        .str.replace(r"[zZ]$", "+00:00")
        .str.replace(r"^(\d{4}[-/]\d\d[-/]\d\d)[ T]", "${1}T")
    )
    zoned = iso.str.replace(r"([+-]\d\d)(\d\d)$", "${1}:${2}").str.replace(
        r"([+-]\d\d)$", "${1}:00"
    )
    # Only a value with a time part has a zone ("2024-03-01" ends in "-01", not a zone).
    iso = pl.select(pl.when(iso.str.contains("T")).then(zoned).otherwise(iso)).to_series()
    parsed = pl.Series(values.name, [None] * len(iso), pl.Datetime("ms"))
    for fmt in _ZONED:
        attempt = iso.str.to_datetime(
            fmt, strict=False, time_unit="ms", time_zone="UTC"
        ).dt.replace_time_zone(None)
        parsed = parsed.fill_null(attempt)
    for fmt in _NAIVE:
        parsed = parsed.fill_null(iso.str.to_datetime(fmt, strict=False, time_unit="ms"))
    # A bare date is its midnight (polars' to_datetime no longer takes a date-only format).
    parsed = parsed.fill_null(iso.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("ms")))
    return millis.scatter(todo.arg_true(), parsed).alias(values.name)


def epoch_millis(text: pl.Expr) -> pl.Expr:
    """The common case as a lazy polars expression: text that polars reads as a number, as
    epoch milliseconds (Int64), else null. It does not trim: every value it leaves null is
    for `sql` to decide (the streamed validation path asks DuckDB for just those), so a
    value is never read two ways. Same scale, rounding and range as `sql_millis` + `sql`."""
    number = text.cast(pl.Float64, strict=False)
    millis = (
        pl.when(number.abs() > _EPOCH_MS_ABOVE).then(number).otherwise(number * 1000.0).round(0)
    )
    return pl.when(millis.abs() < 1e14).then(millis).cast(pl.Int64, strict=False)


def sql_number(column: str) -> str:
    """Step 1 of `sql`: the value as a number, if it is one (DuckDB trims spaces itself)."""
    return f"TRY_CAST({column} AS DOUBLE)"


def sql_millis(number: str) -> str:
    """Step 2 of `sql`: epoch seconds or milliseconds as whole milliseconds (half to even,
    as polars rounds)."""
    scale = f"CASE WHEN abs({number}) > {_EPOCH_MS_ABOVE} THEN 1.0 ELSE 1000.0 END"
    return f"round_even({number} * {scale}, 0)"


def sql(column: str, millis: str | None = None) -> str:
    """The same rules as `parse`, as a DuckDB expression over a VARCHAR column.

    `millis` names a column already holding `sql_millis(sql_number(column))`: computing the
    steps once per row in subqueries, instead of in each branch here, makes the expression
    about three times cheaper. Needs the session time zone UTC (naive ISO text is UTC);
    values beyond year ~5000 are null.
    """
    millis = millis or sql_millis(sql_number(column))
    return (
        f"CASE WHEN {millis} IS NOT NULL THEN "
        f"(CASE WHEN abs({millis}) < 1e14 THEN epoch_ms(CAST({millis} AS BIGINT)) END) "
        f"ELSE CAST(TRY_CAST(trim({column}) AS TIMESTAMPTZ) AS TIMESTAMP) END"
    )
