"""Publish stage: audit the private build, then swap in a new release atomically."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration.assets.docs import DATA_DICTIONARY, STATIC_PAGE
from pipelines.orchestration.assets.transform import dbt_target_dir, mart_keys, release_models
from pipelines.orchestration.resources import WarehouseResource
from pipelines.reporting.excel_export import write_edition_workbooks
from pipelines.warehouse.audit import audit_build
from pipelines.warehouse.build_state import publication_problems
from pipelines.warehouse.release import PUBLISHED_SCHEMA, publish
from pipelines.warehouse.table_definitions import descriptions_from_manifest


@asset(
    group_name="publish",
    deps=[*mart_keys(), AssetKey(DATA_DICTIONARY)],
    kinds={"duckdb", "parquet", "excel"},
    description=(
        "The published release: `published/ictbench.duckdb` (schema marts), "
        "`published/parquet/<table>.parquet`, `published/excel/ictbench_<edition>.xlsx` and "
        "`published/docs/index.html`, replaced atomically after the audit passed."
    ),
)
def published_release(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = warehouse.settings
    with warehouse.build_connection(read_only=True) as con:
        # Publish nothing but a clean rebuild of the current landing zone.
        problems = audit_build(con) + publication_problems(con, settings)
    if problems:
        raise Failure(
            description="publication blocked; the previous release is untouched:\n- "
            + "\n- ".join(problems),
            metadata={"problems": MetadataValue.json(problems)},
        )
    # The descriptions of the marts, as this run's dbt knew them (the release models'
    # manifest): they become the release's comments.
    manifest = dbt_target_dir(settings, release_models.op.name) / "manifest.json"
    release = publish(
        settings.build_db,
        settings.warehouse,
        data_dictionary=settings.data_dictionary_dir / STATIC_PAGE,
        writers={"excel": write_edition_workbooks},
        descriptions=descriptions_from_manifest(manifest, PUBLISHED_SCHEMA),
    )
    context.log.info(f"published release {release.release_id} at {settings.published_dir}")
    return MaterializeResult(
        metadata={
            "release_id": release.release_id,
            "path": MetadataValue.path(str(settings.published_db)),
            "editions": MetadataValue.json(release.editions),
            "rows": MetadataValue.json({t: s.rows for t, s in release.tables.items()}),
        }
    )
