"""Validate stage: blocking asset checks on the editions a run ingested.

Each check runs once per refresh run, over every edition the run rebuilt (ingested and
not yet modelled, `pipelines/warehouse/build_state.py`). The Great Expectations suite is
generated from the edition's data contract (`pipelines/core/expectations.py`). A failing
check stops every model and the publication of that run; each edition's outcome is also
stored in `audit.edition_checks`, so no later run publishes a build holding it.
"""

import inspect
import warnings
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from pipelines.core.contracts import load_contract
from pipelines.core.expectations import (
    ANSWER_COLUMNS,
    SUBMISSION_COLUMNS,
    expectations_frame,
    validate_loaded_submissions,
)
from pipelines.orchestration.assets.ingest import SUBMISSIONS_KEY
from pipelines.orchestration.partitions import edition_partitions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.settings import Settings
from pipelines.warehouse.audit import unaccounted_rows
from pipelines.warehouse.build_state import unmodelled_editions
from pipelines.warehouse.raw_tables import record_checks

# Partitioned asset checks are a Dagster "preview" feature; they are what makes a check
# per edition possible, so we use them knowingly (pinned dagster version).
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*")


def loaded_submissions_frame(con: duckdb.DuckDBPyConnection, edition: int) -> pd.DataFrame:
    """One row per loaded submission, one column per numeric question (GX's input)."""
    submissions = con.execute(
        f"""
        select {", ".join(SUBMISSION_COLUMNS)}
        from raw.survey_submissions where edition = ? and status = 'loaded'
        order by municipality_code
        """,
        [edition],
    ).df()
    answers = con.execute(
        f"select {', '.join(ANSWER_COLUMNS)} from raw.survey_answers where edition = ?",
        [edition],
    ).df()
    return expectations_frame(submissions, answers)


CheckOutcome = tuple[bool, str, dict[str, Any]]
EditionCheck = Callable[[duckdb.DuckDBPyConnection, int, Settings], CheckOutcome]


def _evaluate(
    context: AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    name: str,
    check: EditionCheck,
) -> AssetCheckResult:
    """Run one check on each edition this run ingested; record each edition's outcome."""
    keys = {int(k) for k in context.partition_keys}
    outcomes: dict[int, CheckOutcome] = {}
    with warehouse.build_connection() as con:
        for edition in [e for e in unmodelled_editions(con) if e in keys]:
            passed, detail, metadata = check(con, edition, warehouse.settings)
            record_checks(con, edition, {name: (passed, detail)})
            outcomes[edition] = (passed, detail, metadata)
    failed = {e: o for e, o in outcomes.items() if not o[0]}
    shown = failed or outcomes
    detail = "; ".join(f"edition {e}: {o[1]}" for e, o in shown.items())
    return AssetCheckResult(
        check_name=name,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "detail": detail or "no edition ingested in this run",
            "editions": MetadataValue.json(sorted(outcomes)),
            **{
                f"{key} ({e})": value
                for e, (_, _, metadata) in outcomes.items()
                for key, value in metadata.items()
            },
        },
    )


def files_usable(con: duckdb.DuckDBPyConnection, edition: int, _: Settings) -> CheckOutcome:
    """Every file of the edition is usable (no missing required column, readable)."""
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
    return not unusable, detail, {}


def rows_accounted_for(con: duckdb.DuckDBPyConnection, edition: int, _: Settings) -> CheckOutcome:
    """Rows in = loaded + superseded + rejected + empty, for every file."""
    mismatches = unaccounted_rows(con, edition)
    detail = (
        "; ".join(f"{f}: {n} rows in, {a} accounted for" for _, f, n, a in mismatches)
        or "every input row accounted for"
    )
    return not mismatches, detail, {}


def contract_expectations(
    con: duckdb.DuckDBPyConnection, edition: int, _: Settings
) -> CheckOutcome:
    """Great Expectations suite generated from the edition's data contract."""
    contract = load_contract(edition)
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
        return False, detail, {}
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
    metadata = {
        "expectations": len(report.results),
        "failed": MetadataValue.json(
            [{"expectation": o.expectation, "column": o.column} for o in failed]
        ),
    }
    return report.success, detail, metadata


def population_available(
    con: duckdb.DuckDBPyConnection, edition: int, settings: Settings
) -> CheckOutcome:
    """The CBS population holds 1 January of the edition's boekjaar (per-inhabitant
    indicators and peer groups need it); participants without one are listed."""
    population_dir = settings.population_dir
    boekjaar = load_contract(edition).boekjaar
    on = date(boekjaar, 1, 1)
    known = con.execute(
        "select count(population) from raw.cbs_population where reference_date = ?", [on]
    ).fetchone()
    n_known = int(known[0]) if known else 0
    if not n_known:
        detail = (
            f"no CBS population on 1 January {boekjaar} (boekjaar of edition {edition}) "
            f"in {population_dir}; add the StatLine 03759ned export holding {boekjaar}"
        )
        return False, detail, {}
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
    return True, detail, {"participants_without_population": MetadataValue.json(without)}


def edition_check(check: EditionCheck) -> AssetChecksDefinition:
    """A blocking Dagster check on raw/survey_submissions that runs `check` on each edition
    the run ingested (its name and docstring are the check's)."""
    name = check.__name__

    @asset_check(
        asset=SUBMISSIONS_KEY,
        name=name,
        blocking=True,
        partitions_def=edition_partitions,
        description=inspect.getdoc(check),
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        return _evaluate(context, warehouse, name, check)

    return _check


survey_checks = [
    edition_check(check)
    for check in (files_usable, rows_accounted_for, contract_expectations, population_available)
]
