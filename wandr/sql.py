"""Analysts' Athena (Trino) SQL, run locally on DuckDB over the same lake.

sqlglot transpiles the Trino dialect to DuckDB's; every Glue table in `wandr.catalog` is
exposed as a DuckDB view over its Parquet files (a local directory through read_parquet, the
local stack's S3 through pyarrow datasets, since DuckDB's httpfs cannot be installed here),
and the analyst views are created from the same Trino SQL the CDK app gives Athena.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow.dataset as ds
import sqlglot
from pyarrow import fs as pafs

from wandr import catalog
from wandr.lake import Lake


def to_duckdb(sql: str) -> str:
    """Trino/Athena SQL -> DuckDB SQL."""
    return ";\n".join(sqlglot.transpile(sql, read="trino", write="duckdb"))


def _dataset(lake: Lake, prefix: str) -> ds.Dataset | None:
    base = lake.path(prefix)
    if lake.fs.get_file_info(base).type == pafs.FileType.NotFound:
        return None
    return ds.dataset(
        base, filesystem=lake.fs, format="parquet", partitioning="hive", exclude_invalid_files=False
    )


def _register(
    con: duckdb.DuckDBPyConnection,
    name: str,
    dataset: ds.Dataset | None,
    spec: catalog.GlueTableSpec,
) -> None:
    if dataset is None:
        cols = ", ".join(
            f"CAST(NULL AS {_duck_type(c.type)}) AS {c.name}"
            for c in (*spec.columns, *spec.partition_keys)
        )
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE FALSE")
        return
    con.register(f"__{name}", dataset)
    casts = ", ".join(f"CAST({c.name} AS VARCHAR) AS {c.name}" for c in spec.partition_keys)
    parts = ", ".join(c.name for c in spec.partition_keys)
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE ({parts}), {casts} FROM __{name}"
    )


def _duck_type(glue: str) -> str:
    return {
        "string": "VARCHAR",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "int": "INTEGER",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "array<string>": "VARCHAR[]",
    }.get(glue, "VARCHAR")


def connect(lake: Lake, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every lake table and analyst view defined."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit='{memory_limit}'")
    for spec in catalog.TABLES:
        _register(con, spec.name, _dataset(lake, spec.prefix), spec)
    for view in catalog.VIEWS:
        con.execute(f"CREATE OR REPLACE VIEW {view.name} AS {to_duckdb(view.sql)}")
    return con


def connect_table(lake: Lake, table: str, tenant: str) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A connection and a relation name over one tenant's partitions of one table."""
    spec = next(s for s in catalog.TABLES if s.name == table)
    dataset = _dataset(lake, f"{spec.prefix}/tenant={tenant}")
    if dataset is None:
        raise FileNotFoundError(f"no {table} data for tenant {tenant}")
    con = duckdb.connect()
    con.register("__t", dataset)
    con.execute(
        f"CREATE VIEW t AS SELECT *, CAST(dt AS VARCHAR) AS dt_text, '{tenant}' AS tenant FROM __t"
    )
    con.execute(
        "CREATE OR REPLACE VIEW rel AS SELECT * EXCLUDE (dt, dt_text), dt_text AS dt FROM t"
    )
    return con, "rel"


def run(sql: str, lake: Lake) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one Trino/Athena statement locally; returns (column names, rows)."""
    con = connect(lake)
    cur = con.execute(to_duckdb(sql))
    return [d[0] for d in cur.description or []], cur.fetchall()
