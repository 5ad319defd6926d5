"""Runs the asset graph with `dagster.materialize` against a given landing zone."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import DagsterInstance, materialize

from pipelines.orchestration.assets.ingest import cbs_reference, survey_submissions
from pipelines.orchestration.assets.publish import published_release
from pipelines.orchestration.assets.transform import dbt_resource, edition_models, release_models
from pipelines.orchestration.assets.validate import survey_checks
from pipelines.orchestration.resources import WarehouseResource


def resources(landing: Path, warehouse: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(landing=str(landing), warehouse=str(warehouse)),
        "dbt": dbt_resource(),
    }


def run_graph(
    landing: Path, warehouse: Path, editions: list[int], instance: DagsterInstance | None = None
) -> bool:
    """Reference, every edition, then release: False as soon as a run does not succeed."""
    res = resources(landing, warehouse)
    instance = instance or DagsterInstance.ephemeral()
    if not materialize([cbs_reference], resources=res, instance=instance).success:
        return False
    for edition in editions:
        result = materialize(
            [survey_submissions, edition_models, *survey_checks],
            partition_key=str(edition),
            resources=res,
            instance=instance,
            raise_on_error=False,
        )
        failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
        if not result.success or failed_checks:
            return False
    result = materialize(
        [release_models, published_release], resources=res, instance=instance, raise_on_error=False
    )
    return result.success


def published_fixture(
    base: Path, fixture: Path, editions: list[int], instance: DagsterInstance | None = None
) -> Path:
    """Copy a fixture landing zone under `base`, run the graph over it and return the
    warehouse directory (its release is `published/ictbench.duckdb`)."""
    landing = base / "landing"
    shutil.copytree(fixture, landing)
    warehouse = base / "warehouse"
    assert run_graph(landing, warehouse, editions, instance=instance)
    return warehouse
