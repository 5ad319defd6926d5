"""Dagster resources: the warehouse settings and connections to the private build DB."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from pipelines.settings import Settings, export_for_dbt, load_settings
from pipelines.warehouse.raw_tables import ensure_schema


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


class WarehouseResource(ConfigurableResource):
    """Where the landing zone is and where the warehouse writes (`outputs.md` settings)."""

    landing: str
    warehouse: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WarehouseResource:
        resolved = settings or load_settings()
        return cls(landing=str(resolved.landing), warehouse=str(resolved.warehouse))

    @property
    def settings(self) -> Settings:
        return load_settings(
            {"ICTBENCH_LANDING": self.landing, "ICTBENCH_WAREHOUSE": self.warehouse}
        )

    def export_for_dbt(self) -> None:
        """Make dbt (a subprocess reading profiles.yml) use this warehouse."""
        export_for_dbt(self.settings)

    @contextmanager
    def build_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection to the private build DB (closed before dbt runs)."""
        settings = self.settings
        settings.build_dir.mkdir(parents=True, exist_ok=True)
        con = connect_build(settings.build_db, read_only=read_only)
        try:
            if not read_only:
                ensure_schema(con)
            yield con
        finally:
            con.close()
