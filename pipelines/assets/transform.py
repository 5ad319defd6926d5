"""Transform stage: the dbt project as Dagster assets.

Edition-grained models (tag `edition`) are partitioned by edition and built with
`--vars '{"editions": [...]}'` (a partition range runs as one dbt invocation);
release-wide models (tag `release`) are unpartitioned.
"""

import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from pipelines.dbt_args import EDITION_SELECTOR, RELEASE_SELECTOR, dbt_build_args
from pipelines.partitions import edition_partitions
from pipelines.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class IctbenchDbtTranslator(DagsterDbtTranslator):
    """Models are keyed by name; sources keep dbt's default key `raw/<table>`, which is
    the key of the ingest assets that write those tables."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        return str(fqn[1]) if len(fqn) > 2 else "transform"


translator = IctbenchDbtTranslator()


class VenvDbtCliResource(DbtCliResource):
    """`DbtCliResource` for the dbt-core installed beside this interpreter.

    Before every invocation dagster-dbt asks the executable for its version (`dbt
    --version`, a subprocess) and loads dbt's macros into an in-process adapter: ~8 s of a
    refresh's ~20 s per dbt run here. The executable we run is the dbt-core of this
    environment, so its version is the package's; the adapter only serves
    `fetch_row_counts()` / `fetch_column_metadata()`, which ictbench does not use
    (dagster-dbt runs without one when it cannot create it). tests/test_definitions.py
    checks both hooks still exist and the version matches.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_executable() -> str:
    """dbt from this interpreter's environment (the project's .venv), not whatever is on PATH."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else shutil.which("dbt") or "dbt"


def dbt_resource() -> DbtCliResource:
    # project_dir accepts a DbtProject (dagster-dbt's documented use); its annotation says str
    if Path(dbt_executable()).parent == Path(sys.executable).parent:
        return VenvDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())  # type: ignore[arg-type]
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=EDITION_SELECTOR,
    partitions_def=edition_partitions,
    # A partition range is one dbt invocation (dbt's start-up costs ~10 s a run).
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
    name="edition_models",
)
def edition_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    warehouse.export_for_dbt()
    args = dbt_build_args([int(key) for key in context.partition_keys])
    yield from dbt.cli(args, context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=RELEASE_SELECTOR,
    dagster_dbt_translator=translator,
    name="release_models",
)
def release_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    warehouse.export_for_dbt()
    yield from dbt.cli(dbt_build_args(None), context=context).stream()


def mart_keys() -> list[AssetKey]:
    """The published marts: every dbt model in the `marts` folder."""
    keys: list[AssetKey] = []
    for assets_def in (edition_models, release_models):
        for spec in assets_def.specs:
            if spec.group_name == "marts":
                keys.append(spec.key)
    return sorted(keys, key=lambda k: k.to_user_string())
