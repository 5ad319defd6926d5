"""Transform stage: the dbt project as Dagster assets.

Edition-grained models (tag `edition`) are partitioned by edition and built with
`--vars '{"editions": [...]}'` (a partition range runs as one dbt invocation);
release-wide models (tag `release`) are unpartitioned.
"""

import sys
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from pipelines.orchestration.dbt_args import EDITION_SELECTOR, RELEASE_SELECTOR, dbt_build_args
from pipelines.orchestration.dbt_launcher import LAUNCHER_NAME, parent_pid_env, real_dbt
from pipelines.orchestration.partitions import edition_partitions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR
from pipelines.warehouse.build_state import drop_editions, editions_in_build, record_modelled
from pipelines.warehouse.fingerprints import publishable_editions

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
    """What dagster-dbt runs as `dbt`: `ictbench-dbt` (orchestration/dbt_launcher.py) from this
    interpreter's environment (the project's .venv), not whatever is on PATH. It execs
    that environment's dbt, which is SIGKILLed when the process that started it dies, so
    a killed refresh leaves no dbt holding the build database. Without the launcher
    installed (`make setup` installs it), that dbt itself."""
    launcher = Path(sys.executable).parent / LAUNCHER_NAME
    if launcher.exists():
        return str(launcher)
    try:
        return real_dbt()
    except FileNotFoundError:
        return "dbt"  # dagster-dbt then names the missing executable when a run starts


def dbt_resource() -> DbtCliResource:
    # project_dir accepts a DbtProject (dagster-dbt's documented use); its annotation says str
    if Path(dbt_executable()).parent == Path(sys.executable).parent:
        return VenvDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())  # type: ignore[arg-type]
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def start_dbt(
    dbt: DbtCliResource, args: list[str], context: AssetExecutionContext
) -> DbtCliInvocation:
    """Start dbt, telling the launcher which process starts it: a launcher whose parent
    died before it could ask for the death signal then exits instead of running dbt.
    dagster-dbt starts dbt inside `cli()` from this (the op's) thread, which streams
    dbt's output until dbt has exited: the death signal cannot fire early."""
    with parent_pid_env():
        return dbt.cli(args, context=context)


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
    editions = [int(key) for key in context.partition_keys]
    yield from start_dbt(dbt, dbt_build_args(editions), context).stream()
    # dbt failed → stream() raised above and these editions stay unbuilt.
    with warehouse.build_connection() as con:
        record_modelled(con, editions)


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
    # Editions withdrawn from the landing zone leave the build before the release-wide
    # models read it (the audit refuses a build that still holds one).
    with warehouse.build_connection() as con:
        withdrawn = sorted(editions_in_build(con) - set(publishable_editions(warehouse.settings)))
        drop_editions(con, withdrawn)
    for edition in withdrawn:
        context.log.warning(f"edition {edition}: no longer in the landing zone; dropped")
    warehouse.export_for_dbt()
    yield from start_dbt(dbt, dbt_build_args(None), context).stream()


def mart_keys() -> list[AssetKey]:
    """The published marts: every dbt model in the `marts` folder."""
    keys: list[AssetKey] = []
    for assets_def in (edition_models, release_models):
        for spec in assets_def.specs:
            if spec.group_name == "marts":
                keys.append(spec.key)
    return sorted(keys, key=lambda k: k.to_user_string())
