"""Dagster resources: the warehouse settings and connections to the private build DB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import ConfigurableResource

from pipelines.raw_tables import ensure_schema
from pipelines.settings import Settings, export_for_dbt, load_settings


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
        con = duckdb.connect(str(settings.build_db), read_only=read_only)
        try:
            if not read_only:
                ensure_schema(con)
            yield con
        finally:
            con.close()
