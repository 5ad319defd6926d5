"""Ingest stage: CBS reference data and the survey files of one edition → raw tables."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from pipelines.core.contracts import load_contract
from pipelines.core.reference_data import (
    ReferenceDataError,
    check_mergers,
    load_mergers,
    load_municipal_division,
    load_population,
    municipalities_on,
)
from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import read_survey_file, refused_file
from pipelines.orchestration.partitions import edition_partitions, requested_editions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.warehouse.build_state import (
    forget_build,
    loaded_reference,
    plan_refresh,
    record_ingested,
    record_reference,
)
from pipelines.warehouse.fingerprints import EditionFingerprint, reference_fingerprint
from pipelines.warehouse.ingest_frames import edition_frames
from pipelines.warehouse.landing import scan_edition
from pipelines.warehouse.raw_tables import (
    EDITION_TABLES,
    RAW_SCHEMA,
    replace_edition,
    replace_table,
)

REFERENCE_TABLES = ("cbs_municipalities", "cbs_population", "cbs_mergers")


def raw_key(table: str) -> AssetKey:
    """Raw tables are assets `raw/<table>`: the keys dbt's sources get by default."""
    return AssetKey([RAW_SCHEMA, table])


SUBMISSIONS_KEY = raw_key("survey_submissions")


@multi_asset(
    name="cbs_reference",
    group_name="ingest",
    specs=[
        AssetSpec(
            raw_key("cbs_municipalities"),
            kinds={"python", "duckdb"},
            description="CBS municipal division (gemeentelijke-indeling.csv) with validity.",
        ),
        AssetSpec(
            raw_key("cbs_population"),
            kinds={"python", "duckdb"},
            description="CBS population on 1 January per municipality (StatLine 03759ned).",
        ),
        AssetSpec(
            raw_key("cbs_mergers"),
            kinds={"python", "duckdb"},
            description="Municipal mergers and splits (herindelingen.csv), shares normalised.",
        ),
    ],
    description="Load the CBS reference data from <landing>/reference.",
)
def cbs_reference(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    settings = warehouse.settings
    # Taken before reading: if a file changes meanwhile, publication sees the difference.
    reference_sha256 = reference_fingerprint(settings.reference_dir)
    division_path = settings.division_file
    if not division_path.exists():
        raise Failure(description=f"missing reference file {division_path}")
    mergers_path = settings.mergers_file
    try:
        division = load_municipal_division(division_path)
        population = load_population(settings.population_dir)
        mergers = load_mergers(mergers_path) if mergers_path.exists() else None
        if mergers is not None:
            check_mergers(mergers, division, mergers_path, division_path)
    except ReferenceDataError as exc:
        # the description is what the CLI prints: file, line and rule broken
        raise Failure(description=str(exc)) from exc
    with warehouse.build_connection() as con:
        replace_table(con, "cbs_municipalities", division)
        replace_table(con, "cbs_population", population)
        # No herindelingen.csv means no mergers: never keep an earlier file's rows.
        replace_table(con, "cbs_mergers", mergers if mergers is not None else pd.DataFrame())
        record_reference(con, reference_sha256)
    years = sorted({d.year for d in population["reference_date"]})
    yield MaterializeResult(
        asset_key=raw_key("cbs_municipalities"),
        metadata={"municipalities_ever": len(division), "file": str(division_path)},
    )
    yield MaterializeResult(
        asset_key=raw_key("cbs_population"),
        metadata={"rows": len(population), "years": MetadataValue.json(years)},
    )
    yield MaterializeResult(
        asset_key=raw_key("cbs_mergers"),
        metadata={"rows": 0 if mergers is None else len(mergers)},
    )


@multi_asset(
    name="survey_submissions",
    group_name="ingest",
    partitions_def=edition_partitions,
    # A refresh is one run over a range of editions; the plan decides which it rebuilds.
    backfill_policy=BackfillPolicy.single_run(),
    specs=[
        AssetSpec(
            raw_key(table),
            kinds={"python", "duckdb"},
            deps=[raw_key("cbs_municipalities")],
            description=f"raw.{table} for one edition (see docs/architecture.md).",
        )
        for table in EDITION_TABLES
    ],
    description=(
        "The survey files of each edition whose build is stale (pipelines/warehouse/"
        "build_state.py), read strictly by its data contract: every input row is loaded, "
        "superseded, rejected (with reasons in raw.survey_rejections) or empty."
    ),
)
def survey_submissions(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    settings = warehouse.settings
    plan = plan_refresh(settings, requested_editions(context))
    for edition in plan.up_to_date:
        context.log.info(f"edition {edition}: up to date (built from the current landing zone)")
    for edition in plan.rebuild:
        context.log.info(f"edition {edition}: rebuild ({plan.why[edition]})")
    for edition in plan.withdrawn:
        context.log.warning(
            f"edition {edition}: no longer in the landing zone; it is dropped and no longer "
            "published"
        )
    if plan.refused:
        raise Failure(
            description="\n".join(
                f"edition {e} is not built from the current landing zone ({why}), "
                "and this run does not rebuild it"
                for e, why in plan.refused.items()
            )
            + "\nthe release must hold every edition of the landing zone: run `ictbench "
            "refresh`, or add " + " ".join(f"--edition {e}" for e in plan.refused)
        )
    metadata: dict[str, dict[str, object]] = {}
    failures: list[str] = []
    for edition in plan.rebuild:
        try:
            metadata[str(edition)] = ingest_edition(
                context, warehouse, edition, plan.landing[edition]
            )
        except Failure as exc:
            failures.append(exc.description or str(exc))
    if failures:
        raise Failure(description="\n".join(failures))
    for table in EDITION_TABLES:
        yield MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "rebuilt": MetadataValue.json(plan.rebuild),
                "up_to_date": MetadataValue.json(plan.up_to_date),
                **(
                    {"editions": MetadataValue.json(metadata)}
                    if table == "survey_submissions"
                    else {}
                ),
            },
        )


def ingest_edition(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    edition: int,
    planned: EditionFingerprint,
) -> dict[str, object]:
    """Read one edition's files strictly by its contract into the raw tables. `planned` is
    the edition's fingerprint as the plan took it, before any file was read: if a file
    changes meanwhile, publication sees the difference."""
    contract = load_contract(edition)
    settings = warehouse.settings
    edition_dir = settings.survey_dir / str(edition)
    with warehouse.build_connection() as con:
        # Not built until ingest, checks and models all finished from these very inputs.
        forget_build(con, edition)
        reference_sha256 = loaded_reference(con)
        division = con.execute(
            "select municipality_code, valid_from, valid_to from raw.cbs_municipalities"
        ).df()
    if reference_sha256 is None or division.empty:
        raise Failure(description="the CBS municipal division is not loaded (run cbs_reference)")
    # Built from the reference data loaded in raw.cbs_*, whatever the landing zone holds now.
    fingerprint = replace(planned, reference=reference_sha256)
    folder = scan_edition(edition_dir)
    paths, unread = folder.files, folder.unread
    for entry in unread:
        context.log.warning(f"edition {edition}: {entry.name}: {entry.reason}")
    # A refused file (a link out of the landing zone) is an unusable file: it blocks.
    results = [refused_file(e.name, e.reason) for e in unread if e.refused]
    if not paths and not results:
        raise Failure(description=f"edition {edition}: no .csv or .xlsx files in {edition_dir}")
    valid_codes = municipalities_on(division, date(contract.boekjaar, 1, 1))
    for path in paths:
        result = read_survey_file(path, contract, valid_codes)
        if result.unusable_reason:
            context.log.error(f"{path.name}: unusable: {result.unusable_reason}")
        for warning in result.warnings:
            named = warning.startswith(f"{path.name}:")
            context.log.warning(warning if named else f"{path.name}: {warning}")
        results.append(result)
    resolved = resolve_submissions(results)
    frames = edition_frames(contract, results, resolved, unread)
    with warehouse.build_connection() as con:
        replace_edition(con, edition, frames)
        record_ingested(con, edition, fingerprint)
    statuses = frames["survey_submissions"]["status"].value_counts().to_dict()
    return {
        "files": [f.source_file for f in results],
        "rows_in": sum(f.n_rows for f in results),
        **{s: int(statuses.get(s, 0)) for s in ("loaded", "superseded", "rejected", "empty")},
        "rejections": len(frames["survey_rejections"]),
        "contract_version": contract.contract_version,
    }
