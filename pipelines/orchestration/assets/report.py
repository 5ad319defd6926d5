"""Report stage: feedback files and benchmark reports, from the published release.

Both assets are partitioned by edition and read only `published/ictbench.duckdb`
(read-only). They run after publication: a failure here leaves the release published.
"""

import warnings

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    BetaWarning,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.orchestration.assets.publish import published_release
from pipelines.orchestration.partitions import edition_partitions, requested_editions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.reporting.feedback import write_feedback
from pipelines.reporting.report import write_reports
from pipelines.warehouse.fingerprints import publishable_editions

# BackfillPolicy.single_run() on a plain asset is "beta"; it is what we want (one run per
# partition range), so keep the warning out of the CLI's output.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=BetaWarning)


@asset(
    group_name="report",
    deps=[published_release],
    partitions_def=edition_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"xlsx"},
    description=(
        "Plausibility findings back to the respondents: "
        "`feedback/<edition>/<municipality_code>.xlsx` and `feedback/<edition>/overzicht.xlsx`."
    ),
)
def feedback_files(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = warehouse.settings
    counts: dict[str, int] = {}
    for edition in published_editions(context, warehouse):
        written = write_feedback(settings.published_db, settings.feedback_dir, edition)
        counts[str(edition)] = len(written) - 1  # minus the overview
        context.log.info(f"feedback {edition}: {counts[str(edition)]} files + overzicht.xlsx")
    return MaterializeResult(
        metadata={
            "municipality_files": MetadataValue.json(counts),
            "path": MetadataValue.path(str(settings.feedback_dir)),
        }
    )


def published_editions(context: AssetExecutionContext, warehouse: WarehouseResource) -> list[int]:
    """The editions of this run that the release holds: those it was asked for, or, for a
    run over every edition, each edition of the landing zone (the release holds no other)."""
    requested = requested_editions(context)
    if requested is not None:
        return requested
    keys = {int(k) for k in context.partition_keys}
    return [e for e in publishable_editions(warehouse.settings) if e in keys]


class ReportConfig(Config):
    """Run configuration of `benchmark_reports` (`ictbench refresh --no-pdf` sets pdf false)."""

    pdf: bool = True  # also render each report as PDF (about 0.3 s CPU a report)


@asset(
    group_name="report",
    deps=[published_release],
    partitions_def=edition_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"html", "pdf"},
    description=(
        "Benchmark reports: `reports/<edition>/<municipality_code>.html` and `.pdf` per "
        "participating municipality, plus `reports/<edition>/index.html`."
    ),
)
def benchmark_reports(
    context: AssetExecutionContext, config: ReportConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = warehouse.settings
    editions = published_editions(context, warehouse)
    result = write_reports(settings.published_db, settings.reports_dir, editions, pdf=config.pdf)
    context.log.info(
        f"reports {editions}: {sum(result.editions.values())} HTML in "
        f"{result.seconds_html:.1f} s, {result.pdf_files} PDF in {result.seconds_pdf:.1f} s"
    )
    return MaterializeResult(
        metadata={
            "reports": MetadataValue.json({str(e): n for e, n in result.editions.items()}),
            "pdf_rendered": result.pdf_files,
            "seconds_html": round(result.seconds_html, 1),
            "seconds_pdf": round(result.seconds_pdf, 1),
            "path": MetadataValue.path(str(settings.reports_dir)),
        }
    )
