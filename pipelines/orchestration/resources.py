"""Dagster resources: the warehouse settings, its run-wide lock and connections to the
private build DB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from pipelines.orchestration.run_storage import fail_abandoned_runs, prune_runs
from pipelines.settings import (
    LANDING_VAR,
    WAREHOUSE_VAR,
    Settings,
    export_for_dbt,
    load_settings,
)
from pipelines.warehouse.build_db import connect_build
from pipelines.warehouse.lock import acquire
from pipelines.warehouse.raw_tables import ensure_schema


class WarehouseResource(ConfigurableResource):
    """Where the landing zone is and where the warehouse writes (`outputs.md` settings)."""

    landing: str
    warehouse: str
    _lock: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        """Every run that uses the warehouse holds its exclusive lock from start to end,
        whoever launched it: a second run fails at once, naming the run that holds it."""
        run = f"Dagster run {context.run_id}" if context.run_id else "a Dagster run"
        self._lock = acquire(self.settings.lock_file, holder=run)
        if context.instance is not None and context.run_id:
            for run_id in fail_abandoned_runs(context.instance, context.run_id):
                if context.log is not None:
                    context.log.warning(f"run {run_id} had died without ending: marked failed")

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if context.instance is not None:
            prune_runs(context.instance)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> WarehouseResource:
        resolved = settings or load_settings()
        return cls(landing=str(resolved.landing), warehouse=str(resolved.warehouse))

    @property
    def settings(self) -> Settings:
        return load_settings({LANDING_VAR: self.landing, WAREHOUSE_VAR: self.warehouse})

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
