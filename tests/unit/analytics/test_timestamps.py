"""The DuckDB timestamp expression reads every value exactly as the polars definition."""

from __future__ import annotations

import duckdb
import polars as pl

from wandr.validation import times

VALUES = [
    "1709280000",
    "1709280000.1235",
    " 1709280000.5 ",
    "1.70928e9",
    "1709280000123",
    "1.709280000123e12",
    "0",
    "-86400",
    "2024-03-01T10:00:00Z",
    "2024-03-01 10:00:00",
    "2024-03-01T10:00:00.250+07:00",
    "2024-03-01T10:00:00-0530",
    "2024-03-01",
    "not-a-date",
    "",
    None,
]


def test_the_sql_expression_reads_each_value_like_the_polars_definition() -> None:
    expected = times.parse(pl.Series("t", VALUES, pl.String)).to_list()
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("CREATE TABLE v (i INTEGER, t VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(VALUES)))
    got = [
        row[0]
        for row in con.execute(
            f"SELECT CAST({times.sql('t')} AS TIMESTAMP_MS) FROM v ORDER BY i"
        ).fetchall()
    ]
    assert got == expected
