"""The private build database: one place opens it, and names who holds it when it cannot."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb


class BuildInUseError(RuntimeError):
    """Another process holds the private build database."""


def connect_build(build_db: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build database; if another process holds it, say which one, in words."""
    try:
        return duckdb.connect(str(build_db), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        holder = re.search(r"held in (.+)", str(exc))
        raise BuildInUseError(
            f"the build database {build_db} is in use by another process"
            + (f" ({holder.group(1).strip()})" if holder else "")
            + "; close it (a DuckDB session, a Dagster UI run, a stuck refresh) and try again"
        ) from None
