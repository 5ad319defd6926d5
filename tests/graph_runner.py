"""Runs the one refresh definition (`refresh_job`, as the CLI does) on a landing zone."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from dagster import DagsterInstance

from pipelines.orchestration.assets.transform import dbt_resource
from pipelines.orchestration.refresh import RefreshOutcome, run_refresh
from pipelines.orchestration.resources import WarehouseResource
from pipelines.settings import Settings, load_settings


def settings_for(landing: Path, warehouse: Path) -> Settings:
    return load_settings({"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)})


def resources(landing: Path, warehouse: Path) -> dict[str, object]:
    """The resources of one asset materialized on its own (`dagster.materialize`)."""
    return {
        "warehouse": WarehouseResource(landing=str(landing), warehouse=str(warehouse)),
        "dbt": dbt_resource(),
    }


def refresh(
    landing: Path,
    warehouse: Path,
    editions: Sequence[int] | None = None,
    *,
    pdf: bool = False,
    instance: DagsterInstance | None = None,
) -> RefreshOutcome:
    """One run of `refresh_job` (the CLI's own path), on an ephemeral Dagster instance."""
    return run_refresh(
        settings_for(landing, warehouse),
        instance or DagsterInstance.ephemeral(),
        editions,
        pdf=pdf,
        trigger="test",
    )


def published_fixture(
    base: Path,
    fixture: Path,
    editions: list[int] | None = None,
    instance: DagsterInstance | None = None,
    *,
    pdf: bool = False,
) -> Path:
    """Copy a fixture landing zone under `base`, refresh it and return the warehouse
    directory (its release is `published/ictbench.duckdb`)."""
    landing = base / "landing"
    shutil.copytree(fixture, landing)
    warehouse = base / "warehouse"
    outcome = refresh(landing, warehouse, editions, pdf=pdf, instance=instance)
    assert outcome.success, outcome.reasons
    return warehouse
