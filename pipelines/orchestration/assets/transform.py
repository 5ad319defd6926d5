"""Transform stage: the dbt project as Dagster assets.

Edition-grained models (tag `edition`) are partitioned by edition and built for the
editions named in dbt's environment (`dbt_build_env`; a partition range runs as one dbt
invocation); release-wide models (tag `release`) are unpartitioned.

Every dbt invocation starts from the warehouse's latest parse (`PARSE_FILES`): with the
same vars and profile on every run, dbt re-parses only the files that changed.
"""

import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    DbtProjectPreparer,
    dbt_assets,
)

from pipelines.orchestration.dbt_args import (
    EDITION_SELECTOR,
    RELEASE_SELECTOR,
    dbt_build_args,
    dbt_build_env,
    dbt_vars,
)
from pipelines.orchestration.dbt_launcher import LAUNCHER_NAME, parent_pid_env, real_dbt
from pipelines.orchestration.partitions import edition_partitions
from pipelines.orchestration.resources import WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR, Settings, export_for_dbt, load_settings
from pipelines.warehouse.build_state import (
    drop_editions,
    editions_in_build,
    record_modelled,
    record_unit_tests_passed,
    unit_tests_key,
    unit_tests_passed,
    unmodelled_editions,
)
from pipelines.warehouse.fingerprints import publishable_editions

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# What dbt keeps of a run in its target folder for the next run to start from: its parse,
# and the manifest (`dbt docs generate --no-compile` documents that one).
PARSE_FILES = ("partial_parse.msgpack", "manifest.json")


class IctbenchDbtTranslator(DagsterDbtTranslator):
    """Models are keyed by name; sources keep dbt's default key `raw/<table>`, which is
    the key of the ingest assets that write those tables."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        return str(fqn[1]) if len(fqn) > 2 else "transform"


translator = IctbenchDbtTranslator()


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


def prepare_manifest_if_dev() -> None:
    """Under `dagster dev`, parse the dbt project as the code location loads, so model
    edits show at once. dagster-dbt's own `DbtProject.prepare_if_dev()` runs `dbt` from
    PATH, which a fresh clone's `make ui` does not have (it lives in .venv/bin): this
    runs the same `dbt parse` with this environment's dbt. Outside `dagster dev`, the
    manifest is the one `make setup` parsed."""
    if not DbtProjectPreparer().using_dagster_dev():
        return
    export_for_dbt(load_settings())
    parse = ["parse", "--quiet", "--vars", json.dumps(dbt_vars())]
    invocation = dbt_resource().cli(parse, target_path=dbt_project.target_path)
    invocation.wait()


def dbt_resource() -> DbtCliResource:
    # project_dir accepts a DbtProject (dagster-dbt's documented use); its annotation says str
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def dbt_target_dir(settings: Settings, op_name: str) -> Path:
    """Where the dbt of the asset computed by op `op_name` writes its artifacts and log:
    one folder per dbt asset inside the warehouse, reused by every run (one run at a time
    holds the warehouse), so dbt's output never piles up (dagster-dbt's default is a new
    folder per invocation)."""
    return settings.warehouse / "dbt" / op_name


def dbt_target_path(settings: Settings, context: AssetExecutionContext) -> Path:
    """The target folder of the dbt asset being computed (`dbt_target_dir`)."""
    return dbt_target_dir(settings, context.op_execution_context.op.name)


def start_dbt(
    dbt: DbtCliResource,
    args: list[str],
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    env: Mapping[str, str] | None = None,
) -> DbtCliInvocation:
    """Start dbt for a `@dbt_assets` asset (`launch_dbt` into its own target folder);
    dagster-dbt reads the asset's models from `context`."""
    target = dbt_target_path(warehouse.settings, context)
    return launch_dbt(dbt, args, warehouse, target, context=context, env=env)


def latest_parse(settings: Settings) -> Path | None:
    """The target folder of this warehouse's most recent dbt parse (`PARSE_FILES`)."""
    parses = sorted(
        (path.stat().st_mtime_ns, path.parent)
        for path in (settings.warehouse / "dbt").glob(f"*/{PARSE_FILES[0]}")
    )
    return parses[-1][1] if parses else None


def launch_dbt(
    dbt: DbtCliResource,
    args: list[str],
    warehouse: WarehouseResource,
    target: Path,
    *,
    context: AssetExecutionContext | None = None,
    reuse_parse_of: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> DbtCliInvocation:
    """Start dbt on this run's warehouse, with `target` (emptied first) as its target and
    log folder, telling the launcher which process starts it: a launcher whose parent
    died before it could ask for the death signal then exits instead of running dbt.
    dagster-dbt starts dbt inside `cli()` from this (the op's) thread, which streams or
    waits for dbt's output until dbt has exited: the death signal cannot fire early.

    `context` only from a `@dbt_assets` asset (dagster-dbt takes the models to select
    and report from it); a dbt command that builds no model (`dbt docs generate`) runs
    without. `reuse_parse_of`: the target folder of an earlier dbt run whose parse and
    manifest (`PARSE_FILES`) dbt starts from (default: the warehouse's latest parse);
    dbt checks the parse against the project's files, vars and profile and parses afresh
    whatever differs. `env`: set for dbt only (the editions of a build)."""
    warehouse.export_for_dbt()
    source = reuse_parse_of or latest_parse(warehouse.settings)
    parse = {
        name: (source / name).read_bytes()
        for name in PARSE_FILES
        if source is not None and (source / name).is_file()
    }
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, content in parse.items():
        (target / name).write_bytes(content)
    with parent_pid_env(env):
        return dbt.cli(args, context=context, target_path=target)


prepare_manifest_if_dev()


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
    keys = {int(key) for key in context.partition_keys}
    # The editions this run ingested (and checked): their models are stale, no others.
    with warehouse.build_connection() as con:
        editions = [e for e in unmodelled_editions(con) if e in keys]
    if not editions:
        # Every edition of the run is built from the current landing zone already: its
        # models are current. Saying so (rather than skipping) lets the release follow.
        context.log.info("no edition ingested in this run: its edition models are current")
        # Dagster takes a multi-asset's results in dependency order only.
        selected = context.selected_asset_keys
        deps = context.assets_def.asset_deps
        in_order = TopologicalSorter({k: deps.get(k, set()) & selected for k in selected})
        for key in in_order.static_order():
            yield MaterializeResult(asset_key=key, metadata={"dbt": "not run: up to date"})
        yield from checks_as_last_evaluated(context)
        return
    # When the run rebuilds every edition, the incremental tables are recreated rather
    # than refilled: a table then has exactly the columns, order and constraints of its
    # current contract, as in a clean rebuild (refilling keeps an older table's layout).
    full_refresh = set(publishable_editions(warehouse.settings)) <= set(editions)
    with unit_tests_once(context, warehouse, EDITION_SELECTOR) as unit_tests:
        args = dbt_build_args(full_refresh=full_refresh, unit_tests=unit_tests)
        yield from start_dbt(dbt, args, context, warehouse, env=dbt_build_env(editions)).stream()
    # dbt failed → stream() raised above and these editions stay unbuilt.
    with warehouse.build_connection() as con:
        record_modelled(con, editions)


def checks_as_last_evaluated(context: AssetExecutionContext) -> Iterator[AssetCheckResult]:
    """The dbt tests of models that were not rebuilt, as they were last evaluated: the
    tables are the ones those tests checked (nothing rebuilt them since), so their verdict
    stands, and the blocking checks downstream steps wait for have a result (Dagster
    warns once per check without one). A check never evaluated gets no result."""
    for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
        # this run's planned evaluation is the latest record (and runs before this fix left
        # theirs open): take the latest evaluated one
        history = context.instance.event_log_storage.get_asset_check_execution_history(
            check_key, limit=100
        )
        evaluated = [
            (record.run_id, record.event.asset_check_evaluation)
            for record in history
            if record.event is not None and record.event.asset_check_evaluation is not None
        ]
        run_id, evaluation = evaluated[0] if evaluated else ("", None)
        if evaluation is None:
            continue
        yield AssetCheckResult(
            asset_key=check_key.asset_key,
            check_name=check_key.name,
            passed=evaluation.passed,
            severity=evaluation.severity,
            metadata={
                "dbt": "not run: the model was not rebuilt; its last evaluation stands",
                "evaluated_in_run": run_id,
            },
        )


@contextmanager
def unit_tests_once(
    context: AssetExecutionContext, warehouse: WarehouseResource, selection: str
) -> Iterator[bool]:
    """Whether this dbt build runs the unit tests of `selection`: only when they have not
    passed in this build for the same code and engines (`unit_tests_key`). They test
    formulas on fixed inputs, so running them again on the same code tells nothing new;
    a changed model, macro or engine runs them again. Recorded when the build passed."""
    key = unit_tests_key()
    with warehouse.build_connection() as con:
        needed = not unit_tests_passed(con, selection, key)
    if not needed:
        context.log.info(f"dbt unit tests of {selection}: passed for this code already")
    yield needed
    if needed:
        with warehouse.build_connection() as con:
            record_unit_tests_passed(con, selection, key)


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
    with unit_tests_once(context, warehouse, RELEASE_SELECTOR) as unit_tests:
        args = dbt_build_args(unit_tests=unit_tests)
        yield from start_dbt(dbt, args, context, warehouse, env=dbt_build_env(None)).stream()


def mart_keys() -> list[AssetKey]:
    """The published marts: every dbt model in the `marts` folder."""
    keys: list[AssetKey] = []
    for assets_def in (edition_models, release_models):
        for spec in assets_def.specs:
            if spec.group_name == "marts":
                keys.append(spec.key)
    return sorted(keys, key=lambda k: k.to_user_string())
