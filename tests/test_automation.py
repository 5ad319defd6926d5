"""Automation end to end on a real, persistent Dagster instance (the warehouse's own,
`$ICTBENCH_WAREHOUSE/dagster`, as the CLI and `make ui` use it).

A change in the landing zone → a tick of `landing_zone_sensor` → its RunRequest launched
the way the sensor daemon launches it (skipped if a run with its run key exists; else one
run of `refresh_job` with the request's tags plus the daemon's sensor and run-key tags)
→ a refresh through publication, feedback files and reports. The weekly schedule asks
for the same job over every edition. Retention: dbt's output and Dagster's run history
stay bounded.

The landing zone is the findings fixture (two editions, 2020 and 2021), so that a change
to one edition shows that only that edition is rebuilt.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    JobDefinition,
    JobExecutionResult,
    RunRequest,
    RunsFilter,
    build_schedule_context,
    build_sensor_context,
    execute_job,
    job,
    op,
    reconstructable,
)

from pipelines.orchestration.automation import landing_zone_sensor, weekly_refresh_schedule
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.jobs import REFRESH_JOB
from pipelines.orchestration.partitions import (
    EDITIONS_TAG,
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    edition_partitions,
)
from pipelines.orchestration.refresh import outcome_of, prepare_dagster_home, run_config
from pipelines.orchestration.run_storage import fail_abandoned_runs, prune_runs
from pipelines.settings import Settings
from pipelines.warehouse.lock import refresh_lock
from tests.conftest import FIXTURES
from tests.db import query
from tests.graph_runner import settings_for

# The tags the sensor daemon adds to a run it creates for a RunRequest
# (dagster/_daemon/sensor.py, `_create_sensor_run`); the run key is how it deduplicates.
SENSOR_NAME_TAG = "dagster/sensor_name"
RUN_KEY_TAG = "dagster/run_key"


def refresh_job_def() -> JobDefinition:
    """`refresh_job` of the code location, for `reconstructable` (a run worker's view)."""
    return defs.resolve_job_def(REFRESH_JOB)


@pytest.fixture
def warehouse_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Settings, DagsterInstance]]:
    """The findings fixture as landing zone, an empty warehouse and its Dagster instance,
    with the settings in the environment (where the sensor reads them)."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "findings_landing", landing)
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("ICTBENCH_LANDING", str(landing))
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
    settings = settings_for(landing, warehouse)
    # prepare_dagster_home points DAGSTER_HOME at the warehouse; monkeypatch restores it.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    prepare_dagster_home(settings)
    with DagsterInstance.get() as instance:
        yield settings, instance


def tick(instance: DagsterInstance) -> tuple[list[RunRequest], str | None]:
    """One evaluation of the sensor, as the daemon evaluates it: (run requests, skip reason)."""
    context = build_sensor_context(instance=instance, definitions=defs)
    data = landing_zone_sensor.evaluate_tick(context)
    return list(data.run_requests or []), data.skip_message


def launch_as_daemon(
    instance: DagsterInstance, request: RunRequest, settings: Settings
) -> JobExecutionResult | None:
    """What the sensor daemon does with a RunRequest: nothing if a run with its run key
    exists; otherwise one run of the target job with the request's tags and the daemon's.

    The run configuration adds what the code location would take from its environment
    (this warehouse; the test process imported the definitions before it existed), and
    skips the PDFs (about 0.5 s each; the reports are written as HTML all the same)."""
    assert request.run_key
    if instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: request.run_key})):
        return None
    tags = {
        **request.tags,
        SENSOR_NAME_TAG: landing_zone_sensor.name,
        RUN_KEY_TAG: request.run_key,
    }
    config = {**(request.run_config or {}), **run_config(settings, pdf=False)}
    return execute_job(
        reconstructable(refresh_job_def), instance=instance, tags=tags, run_config=config
    )


def succeeded(result: JobExecutionResult | None) -> JobExecutionResult:
    """The run, asserted to have succeeded (else its reasons, read as the CLI reads them)."""
    assert result is not None, "the daemon would not have launched this request"
    assert result.success, outcome_of(result).reasons  # type: ignore[arg-type]
    return result


def rebuilt_and_up_to_date(result: JobExecutionResult) -> tuple[list[int], list[int]]:
    """What the run's ingest rebuilt and found up to date (its materialization metadata)."""
    for materialization in result.asset_materializations_for_node("survey_submissions"):
        if materialization.asset_key.path == ["raw", "survey_submissions"]:
            metadata = materialization.metadata
            return list(metadata["rebuilt"].value), list(metadata["up_to_date"].value)  # type: ignore[arg-type]
    raise AssertionError("the run materialized no raw/survey_submissions")


def every_edition_tags() -> dict[str, str]:
    keys = edition_partitions.get_partition_keys()
    return {PARTITION_RANGE_START_TAG: keys[0], PARTITION_RANGE_END_TAG: keys[-1]}


def late_correction(export: bytes) -> bytes:
    """A correction file for 2021: GM0207's telecom cost in euros (80,000) instead of the
    80,000,000 of its export (a k€/€ mix-up, with findings), submitted later."""
    header, *rows = export.split(b"\r\n")
    (row,) = [r for r in rows if r.startswith(b"GM0207;")]
    assert b";80.000.000;" in row and b";2021-03-07 09:00;" in row
    row = row.replace(b";80.000.000;", b";80.000;").replace(
        b";2021-03-07 09:00;", b";2021-04-01 09:00;"
    )
    return header + b"\r\n" + row + b"\r\n"


@pytest.mark.slow
def test_a_landing_zone_change_is_refreshed_published_and_reported(
    warehouse_instance: tuple[Settings, DagsterInstance],
) -> None:
    settings, instance = warehouse_instance
    published = settings.published_db
    edition_dir = settings.survey_dir / "2021"

    # First tick on an empty warehouse: one refresh of every edition, launched by the daemon.
    requests, skipped = tick(instance)
    assert skipped is None
    (first,) = requests
    assert first.job_name in (None, REFRESH_JOB)
    assert first.tags.items() >= {**every_edition_tags(), "ictbench/trigger": "sensor"}.items()
    assert EDITIONS_TAG not in first.tags
    result = succeeded(launch_as_daemon(instance, first, settings))
    assert rebuilt_and_up_to_date(result) == ([2020, 2021], [])
    assert query(published, "select distinct edition from marts.survey_responses order by 1") == [
        (2020,),
        (2021,),
    ]
    telecom_sql = (
        "select value, source_file from marts.survey_responses where edition = 2021 "
        "and municipality_code = 'GM0207' and question_code = 'kosten_telecom'"
    )
    assert query(published, telecom_sql) == [(80_000_000.0, "export_2021.csv")]
    feedback = settings.warehouse / "feedback" / "2021"
    reports = settings.reports_dir / "2021"
    assert (feedback / "GM0207.xlsx").exists()  # its k€/€ mix-up goes back to GM0207
    assert (reports / "GM0207.html").exists() and (settings.reports_dir / "2020").is_dir()

    # Nothing changed: the next tick skips, and the same request again starts nothing.
    requests, skipped = tick(instance)
    assert requests == [] and skipped == "the build holds the current landing zone"
    assert launch_as_daemon(instance, first, settings) is None

    # While a run holds the warehouse, the sensor does not even open the build database.
    with refresh_lock(settings.lock_file, holder="Dagster run elsewhere"):
        requests, skipped = tick(instance)
    assert (
        requests == []
        and skipped is not None
        and "refresh of this warehouse is running" in (skipped)
    )

    # A late correction arrives for 2021: the next tick asks for a new run (a new run key),
    # which rebuilds 2021 only, publishes the corrected answer and writes 2021's files anew.
    correction = edition_dir / "correctie_2021.csv"
    correction.write_bytes(late_correction((edition_dir / "export_2021.csv").read_bytes()))
    changed_at = correction.stat().st_mtime
    requests, skipped = tick(instance)
    assert skipped is None
    (second,) = requests
    assert second.run_key != first.run_key
    assert second.tags == first.tags
    result = succeeded(launch_as_daemon(instance, second, settings))
    assert rebuilt_and_up_to_date(result) == ([2021], [2020])
    assert query(published, telecom_sql) == [(80_000.0, "correctie_2021.csv")]
    assert query(published, "select distinct edition from marts.survey_responses order by 1") == [
        (2020,),
        (2021,),
    ]
    assert not (feedback / "GM0207.xlsx").exists()  # corrected: nothing to ask GM0207
    for path in (feedback / "overzicht.xlsx", reports / "GM0207.html"):
        assert path.stat().st_mtime > changed_at, path
    assert (reports / "index.html").stat().st_mtime < changed_at  # the same participants
    # reports are rewritten only where they changed: 2020's files stay as they were
    untouched = list((settings.reports_dir / "2020").iterdir())
    assert untouched and [p.name for p in untouched if p.stat().st_mtime >= changed_at] == []
    runs = instance.get_runs(filters=RunsFilter(job_name=REFRESH_JOB))
    assert [run.tags[RUN_KEY_TAG] for run in runs] == [second.run_key, first.run_key]
    assert {run.tags[SENSOR_NAME_TAG] for run in runs} == {"landing_zone_sensor"}
    assert query(
        settings.build_db, "select edition, modelled from audit.edition_builds order by 1"
    ) == [(2020, True), (2021, True)]

    # Retention: two refreshes leave one dbt output folder per dbt step, reused.
    dbt_dir = settings.warehouse / "dbt"
    assert sorted(p.name for p in dbt_dir.iterdir()) == ["docs", "edition_models", "release_models"]
    for folder in dbt_dir.iterdir():
        # what each dbt step leaves: a build's results; the data dictionary's page
        output = "static_index.html" if folder.name == "docs" else "run_results.json"
        assert (folder / output).is_file(), folder
        # dbt's own layout (compiled/, run/), no folder per invocation
        assert {p.name for p in folder.iterdir() if p.is_dir()} <= {"compiled", "run"}

    # The correction withdrawn again: the landing zone is back to a state already refreshed
    # once, but the release now holds the correction, so the sensor asks for a new run.
    correction.unlink()
    requests, skipped = tick(instance)
    assert skipped is None
    (third,) = requests
    assert third.run_key and third.run_key not in {first.run_key, second.run_key}
    assert not instance.get_runs(filters=RunsFilter(tags={RUN_KEY_TAG: third.run_key}))


def test_the_weekly_schedule_refreshes_every_edition() -> None:
    schedule_def = defs.resolve_schedule_def("weekly_refresh")
    assert schedule_def is weekly_refresh_schedule
    assert schedule_def.job_name == REFRESH_JOB
    assert schedule_def.cron_schedule == "0 6 * * 1"
    data = schedule_def.evaluate_tick(build_schedule_context())
    (request,) = data.run_requests or []
    assert request.job_name in (None, REFRESH_JOB)
    assert request.tags.items() >= {**every_edition_tags(), "ictbench/trigger": "schedule"}.items()
    assert EDITIONS_TAG not in request.tags  # a full refresh: whatever changed is rebuilt
    # Both are off until switched on (README, Orchestration).
    assert schedule_def.default_status.value == "STOPPED"
    assert defs.resolve_sensor_def("landing_zone_sensor").default_status.value == "STOPPED"


@op
def nothing() -> None:
    pass


@job
def tiny_job() -> None:
    nothing()


def test_prune_runs_keeps_the_newest_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`prune_runs` on a real persistent instance (the warehouse's, as the CLI makes it)."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # restored after the test
    home = prepare_dagster_home(settings_for(tmp_path / "landing", tmp_path / "warehouse"))
    with DagsterInstance.from_config(str(home)) as instance:
        run_ids = [tiny_job.execute_in_process(instance=instance).run_id for _ in range(5)]
        assert prune_runs(instance, keep=2) == 3
        assert [run.run_id for run in instance.get_runs()] == run_ids[:-3:-1]
        for gone in run_ids[:3]:
            assert instance.get_run_by_id(gone) is None
        assert prune_runs(instance, keep=2) == 0
        # the per-run event log file of the local instance is gone too
        for gone in run_ids[:3]:
            assert not list((home / "history" / "runs").glob(f"{gone}.db"))


def test_a_run_left_started_by_a_killed_process_is_marked_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed `ictbench refresh` leaves its run STARTED; the next run that holds the
    warehouse marks it failed, so the one-at-a-time queue does not wait for it forever."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    home = prepare_dagster_home(settings_for(tmp_path / "landing", tmp_path / "warehouse"))
    with DagsterInstance.from_config(str(home)) as instance:
        dead = instance.create_run_for_job(tiny_job, status=DagsterRunStatus.STARTED)
        alive = instance.create_run_for_job(tiny_job, status=DagsterRunStatus.STARTED)
        assert fail_abandoned_runs(instance, alive.run_id) == [dead.run_id]
        dead_now = instance.get_run_by_id(dead.run_id)
        assert dead_now is not None and dead_now.status == DagsterRunStatus.FAILURE
        alive_now = instance.get_run_by_id(alive.run_id)
        assert alive_now is not None and alive_now.status == DagsterRunStatus.STARTED
