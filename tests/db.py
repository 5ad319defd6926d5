"""Read-only queries on a DuckDB file the tests built (build or published database)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
