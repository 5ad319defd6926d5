"""Transform stage: the dbt project as Dagster assets.

Edition-grained models (tag `edition`) are partitioned by edition and built with
`--vars '{"edition": E}'`; release-wide models (tag `release`) are unpartitioned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.dbt_args import EDITION_SELECTOR, RELEASE_SELECTOR, dbt_build_args
from pipelines.partitions import edition_partitions
from pipelines.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

SURVEY_ASSET = AssetKey("survey_submissions")
REFERENCE_ASSET = AssetKey("cbs_reference")


class IctbenchDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables written by the ingest assets: point at those."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            name = str(dbt_resource_props["name"])
            return REFERENCE_ASSET if name.startswith("cbs_") else SURVEY_ASSET
        return AssetKey(str(dbt_resource_props["name"]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        return str(fqn[1]) if len(fqn) > 2 else "transform"


translator = IctbenchDbtTranslator()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=EDITION_SELECTOR,
    partitions_def=edition_partitions,
    dagster_dbt_translator=translator,
    name="edition_models",
)
def edition_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    warehouse.export_for_dbt()
    args = dbt_build_args(int(context.partition_key))
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
