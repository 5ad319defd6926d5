"""The analyst's connection to the published release: read-only and locked down.

    from pipelines.warehouse.analyst import connect_published
    con = connect_published()
    con.sql("select * from marts.peer_benchmarks").df()

The connection can read the published tables and nothing else: no file system, no
network, no extensions (`enable_external_access = false`), and the configuration is
locked so a query cannot switch that back on.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.settings import load_settings

LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect_published(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published release with external access disabled."""
    database = path or load_settings().published_db
    if not database.exists():
        raise FileNotFoundError(f"nothing published at {database}; run `ictbench refresh`")
    con = duckdb.connect(str(database), read_only=True, config=dict(LOCKED_DOWN))
    con.execute("set lock_configuration = true")
    return con
