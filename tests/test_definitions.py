"""The code location loads, and its shape is what `dagster dev` should show."""

from dagster import AssetKey

from pipelines.core.contracts import available_editions
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.jobs import REFRESH_JOB
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


def test_one_refresh_job_holds_every_asset_and_check() -> None:
    """The CLI, the UI, the sensor, the schedule and the tests launch this one job."""
    job = defs.resolve_job_def(REFRESH_JOB)
    graph = job.asset_layer.asset_graph
    assert graph.executable_asset_keys == defs.resolve_asset_graph().executable_asset_keys
    assert "population_available" in {k.name for k in graph.asset_check_keys}
    assert [j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")] == [
        REFRESH_JOB
    ]
    assert defs.resolve_sensor_def("landing_zone_sensor").job_name == REFRESH_JOB
    assert defs.resolve_schedule_def("weekly_refresh").job_name == REFRESH_JOB


def test_dbt_runs_through_dagster_dbts_own_resource() -> None:
    """No subclass overriding dagster-dbt's private methods: the plain resource, running
    this environment's dbt through the `ictbench-dbt` launcher."""
    import sys
    from pathlib import Path

    from dagster_dbt import DbtCliResource

    from pipelines.orchestration.assets.transform import dbt_resource
    from pipelines.orchestration.dbt_launcher import LAUNCHER_NAME

    resource = dbt_resource()
    assert type(resource) is DbtCliResource
    # `make setup` installs the launcher beside this interpreter
    assert resource.dbt_executable == str(Path(sys.executable).parent / LAUNCHER_NAME)
