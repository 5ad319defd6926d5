"""The code location loads, and its shape is what `dagster dev` should show."""

from dagster import AssetKey

from pipelines.core.contracts import available_editions
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.partitions import edition_partitions


def test_partitions_are_the_contract_editions() -> None:
    assert edition_partitions.get_partition_keys() == [str(e) for e in available_editions()]
    assert {"2019", "2024"} <= set(edition_partitions.get_partition_keys())


def test_raw_tables_feed_the_dbt_sources_and_marts_feed_the_release() -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    raw_answers = AssetKey(["raw", "survey_answers"])
    assert raw_answers in keys
    assert AssetKey(["staging", "stg_survey__answers"]) in graph.get(raw_answers).child_keys
    release = graph.get(AssetKey("published_release"))
    assert AssetKey(["marts", "indicator_values"]) in release.parent_keys
    assert AssetKey(["marts", "peer_benchmarks"]) in release.parent_keys


def test_the_checks_on_each_edition_block_what_follows() -> None:
    checks = {
        spec.key.name: spec
        for checks_def in defs.asset_checks or []
        for spec in checks_def.check_specs  # type: ignore[union-attr]
    }
    blocking = ("files_usable", "contract_expectations", "population_available")
    assert {"rows_accounted_for", *blocking} <= set(checks)
    assert all(checks[name].blocking for name in blocking)
    ingest = defs.resolve_job_def("ingest_job")
    assert "population_available" in {
        k.name for k in ingest.asset_layer.asset_graph.asset_check_keys
    }


def test_jobs_sensor_and_schedule() -> None:
    for job in ("reference_job", "ingest_job", "models_job", "edition_job", "release_job"):
        assert defs.resolve_job_def(job) is not None
    assert defs.resolve_sensor_def("landing_zone_sensor").job_name == "edition_job"
    assert defs.resolve_schedule_def("weekly_release").job_name == "release_job"


def test_the_dbt_version_taken_in_process_is_the_executables() -> None:
    """VenvDbtCliResource skips dagster-dbt's `dbt --version` subprocess; the version it
    reports must be what that subprocess would print (and the private hook must exist)."""
    import re
    import subprocess

    from dagster_dbt import DbtCliResource

    from pipelines.orchestration.assets.transform import (
        VenvDbtCliResource,
        dbt_executable,
        dbt_resource,
    )

    # the hooks dagster-dbt still has
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)
    resource = dbt_resource()
    assert isinstance(resource, VenvDbtCliResource)
    printed = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+\.\d+\.\d+)", printed)
    assert match and str(resource._cli_version) == match.group(1)
