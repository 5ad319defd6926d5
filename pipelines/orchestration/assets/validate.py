"""Validate stage: blocking asset checks on each edition's ingested submissions.

The Great Expectations suite is generated from the edition's data contract
(`pipelines/core/expectations.py`). A failing check stops the edition's models in the
same run, and its outcome is stored in `audit.edition_checks` so that publication
(a later run) refuses a build containing a failed edition.
"""

import warnings
from datetime import date
from typing import Any

import duckdb
import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from pipelines.core.contracts import load_contract
from pipelines.core.expectations import validate_loaded_submissions
from pipelines.orchestration.assets.ingest import SUBMISSIONS_KEY
from pipelines.orchestration.partitions import edition_partitions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.warehouse.raw_tables import record_checks

# Partitioned asset checks are a Dagster "preview" feature; they are what makes a check
# per edition possible, so we use them knowingly (pinned dagster version).
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")


def loaded_submissions_frame(con: duckdb.DuckDBPyConnection, edition: int) -> pd.DataFrame:
    """One row per loaded submission, one column per numeric question (GX's input)."""
    submissions = con.execute(
        """
        select municipality_code, boekjaar, ingediend_op, source_file, source_row
        from raw.survey_submissions where edition = ? and status = 'loaded'
        order by municipality_code
        """,
        [edition],
    ).df()
    answers = con.execute(
        "select municipality_code, question_code, value from raw.survey_answers where edition = ?",
        [edition],
    ).df()
    if answers.empty:
        return submissions
    wide = answers.pivot_table(
        index="municipality_code",
        columns="question_code",
        values="value",
        aggfunc="first",
        dropna=False,
    )
    wide.columns = [str(c) for c in wide.columns]
    return submissions.merge(wide.reset_index(), on="municipality_code", how="left")


def _result(
    con: duckdb.DuckDBPyConnection,
    edition: int,
    name: str,
    passed: bool,
    detail: str,
    metadata: dict[str, Any] | None = None,  # Dagster's raw metadata values
) -> AssetCheckResult:
    record_checks(con, edition, {name: (passed, detail)})
    return AssetCheckResult(
        check_name=name,
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={"detail": detail, **(metadata or {})},
    )


@asset_check(
    asset=SUBMISSIONS_KEY,
    blocking=True,
    partitions_def=edition_partitions,
    description="Every file of the edition is usable (no missing required column, readable).",
)
def files_usable(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    edition = int(context.partition_key)
    with warehouse.build_connection() as con:
        unusable = con.execute(
            "select source_file, reason from raw.survey_source_files "
            "where edition = ? and status <> 'ok' order by source_file",
            [edition],
        ).fetchall()
        # the reader's reasons already start with the file name
        detail = (
            "; ".join(r if r.startswith(f"{f}:") else f"{f}: {r}" for f, r in unusable)
            or "all files usable"
        )
        return _result(con, edition, "files_usable", not unusable, detail)


@asset_check(
    asset=SUBMISSIONS_KEY,
    blocking=True,
    partitions_def=edition_partitions,
    description="Rows in = loaded + superseded + rejected + empty, for every file.",
)
def rows_accounted_for(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    edition = int(context.partition_key)
    with warehouse.build_connection() as con:
        mismatches = con.execute(
            """
            select f.source_file, f.n_rows, count(s.source_row) as accounted
            from raw.survey_source_files as f
            left join raw.survey_submissions as s
                on s.edition = f.edition and s.source_file = f.source_file
            where f.edition = ?
            group by all having f.n_rows <> count(s.source_row)
            """,
            [edition],
        ).fetchall()
        detail = (
            "; ".join(f"{f}: {n} rows in, {a} accounted for" for f, n, a in mismatches)
            or "every input row accounted for"
        )
        return _result(con, edition, "rows_accounted_for", not mismatches, detail)


@asset_check(
    asset=SUBMISSIONS_KEY,
    blocking=True,
    partitions_def=edition_partitions,
    description="Great Expectations suite generated from the edition's data contract.",
)
def contract_expectations(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    edition = int(context.partition_key)
    contract = load_contract(edition)
    with warehouse.build_connection() as con:
        frame = loaded_submissions_frame(con, edition)
        if frame.empty:
            files = con.execute(
                """
                select f.source_file, f.n_rows,
                    count(*) filter (where s.status = 'rejected'),
                    count(*) filter (where s.status = 'empty')
                from raw.survey_source_files as f
                left join raw.survey_submissions as s
                    on s.edition = f.edition and s.source_file = f.source_file
                where f.edition = ? group by all order by 1
                """,
                [edition],
            ).fetchall()
            detail = "no submission loaded: " + "; ".join(
                f"{name}: {n} data rows ({rejected} rejected, {empty} empty)"
                for name, n, rejected, empty in files
            )
            return _result(con, edition, "contract_expectations", False, detail)
        report = validate_loaded_submissions(frame, contract)
        failed = [o for o in report.results if not o.success]
        detail = (
            "; ".join(
                f"{o.expectation} on {o.column}: {o.unexpected_count} unexpected "
                f"(e.g. {o.sample_unexpected})"
                for o in failed
            )
            or f"{len(report.results)} expectations met"
        )
        return _result(
            con,
            edition,
            "contract_expectations",
            report.success,
            detail,
            {
                "expectations": len(report.results),
                "failed": MetadataValue.json(
                    [{"expectation": o.expectation, "column": o.column} for o in failed]
                ),
            },
        )


@asset_check(
    asset=SUBMISSIONS_KEY,
    blocking=True,
    partitions_def=edition_partitions,
    description=(
        "The CBS population holds 1 January of the edition's boekjaar (per-inhabitant "
        "indicators and peer groups need it); participants without one are listed."
    ),
)
def population_available(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    edition = int(context.partition_key)
    boekjaar = load_contract(edition).boekjaar
    on = date(boekjaar, 1, 1)
    with warehouse.build_connection() as con:
        known = con.execute(
            "select count(population) from raw.cbs_population where reference_date = ?", [on]
        ).fetchone()
        n_known = int(known[0]) if known else 0
        if not n_known:
            folder = warehouse.settings.population_dir
            detail = (
                f"no CBS population on 1 January {boekjaar} (boekjaar of edition {edition}) "
                f"in {folder}; add the StatLine 03759ned export holding {boekjaar}"
            )
            return _result(con, edition, "population_available", False, detail)
        # one participant without population: not blocking, a NO_POPULATION finding instead
        without = [
            str(r[0])
            for r in con.execute(
                """
                select s.municipality_code
                from raw.survey_submissions as s
                left join raw.cbs_population as p
                    on p.municipality_code = s.municipality_code and p.reference_date = ?
                where s.edition = ? and s.status = 'loaded' and p.population is null
                order by 1
                """,
                [on, edition],
            ).fetchall()
        ]
        detail = f"CBS population on 1 January {boekjaar} for {n_known} municipalities"
        if without:
            detail += (
                f"; none for participant(s) {', '.join(without)} (finding NO_POPULATION: "
                "no per-inhabitant indicators, no peer group)"
            )
        return _result(
            con,
            edition,
            "population_available",
            True,
            detail,
            {"participants_without_population": MetadataValue.json(without)},
        )


survey_checks = [files_usable, rows_accounted_for, contract_expectations, population_available]
