"""dbt-duckdb plugin: the Python functions the dbt project's SQL may call.

Listed under `plugins` in `dbt_project/profiles.yml`; dbt-duckdb creates `Plugin` once
per dbt invocation and lets it configure the connection every model and test runs on.

* `nl_number(value DOUBLE, decimals INTEGER) -> VARCHAR`: a number in Dutch notation,
  `pipelines.core.dutch_format.nl_number` (the one implementation of that rule, shared
  with the reports). NULL gives NULL.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection, sqltypes

from pipelines.core.dutch_format import nl_number


def register_functions(conn: DuckDBPyConnection) -> None:
    """Make the project's functions callable on this connection (dbt's, or a reader's
    that runs a compiled model)."""
    conn.create_function(
        "nl_number",
        nl_number,
        [sqltypes.DOUBLE, sqltypes.INTEGER],
        sqltypes.VARCHAR,
        side_effects=False,
    )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
