"""The data dictionary: dbt's documentation of the project as one page that opens offline.

Every refresh runs `dbt docs generate --static` (`dbt_args.dbt_docs_args`: the vars of
every dbt run, usage statistics off) after the marts are built and before publication,
unless the page there documents the same state already (`documented_state`: the code and
dbt project, dbt's version, the contracts' questions; the page holds nothing else, so it
would come out the same). dbt writes its target into `Settings.data_dictionary_dir`
(emptied first, so nothing of an earlier run survives); `static_index.html` there holds
dbt's page with the manifest (models, columns, descriptions, tests, lineage) and the
catalog (the tables' types as the build database has them) inline. Publication copies it
into the release.

The catalog opens the build database with dbt's profile (read-write, like every dbt
run): nothing else holds it then, since the run's connections are short-lived and its
steps run one at a time in one process (`in_process_executor`), and the run holds the
warehouse's lock.

Run as a module (`make docs`) it generates the page alone from the current build
database, under the same lock (a refresh running then makes it fail at once):

    python -m pipelines.orchestration.assets.docs
"""

import hashlib
import json
import sys
from importlib.metadata import version
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    materialize,
)
from dagster_dbt import DbtCliResource

from pipelines.orchestration.assets.transform import (
    dbt_resource,
    dbt_target_dir,
    launch_dbt,
    mart_keys,
    release_models,
)
from pipelines.orchestration.dbt_args import dbt_docs_args
from pipelines.orchestration.resources import WarehouseResource
from pipelines.warehouse.fingerprints import code_fingerprint

DATA_DICTIONARY = "data_dictionary"
# The page dbt writes with --static (manifest and catalog inline).
STATIC_PAGE = "static_index.html"
# Beside it: what it documents (`documented_state`), to skip dbt when that is unchanged.
STATE_FILE = "ictbench_state.txt"


def documented_state(args: list[str]) -> str:
    """What the page is a function of: ictbench's code and dbt project
    (`code_fingerprint`), dbt's version and the command with its vars (the contracts'
    questions)."""
    parts = [code_fingerprint(), version("dbt-core"), json.dumps(args)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


@asset(
    name=DATA_DICTIONARY,
    group_name="publish",
    deps=mart_keys(),
    kinds={"dbt", "html"},
    description=(
        "The data dictionary: `dbt docs generate --static` into the warehouse's "
        "dbt/docs/static_index.html, one page that opens offline; publication copies it "
        "to `published/docs/index.html`."
    ),
)
def data_dictionary(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = warehouse.settings
    if not settings.build_db.is_file():
        raise Failure(description=f"no build database at {settings.build_db}: nothing to document")
    target = settings.data_dictionary_dir
    args = dbt_docs_args()
    key = documented_state(args)
    page = target / STATIC_PAGE
    if page.is_file() and _read(target / STATE_FILE) == key:
        # The page documents the project and the build's table layout, both decided by the
        # code and the contracts alone: the same again when neither changed.
        context.log.info(f"data dictionary current (same dbt project and contracts): {page}")
        return MaterializeResult(
            metadata={"path": MetadataValue.path(str(page)), "dbt": "not run: current"}
        )
    # The release models' dbt ran with the same vars just before: dbt starts from its parse.
    parsed = dbt_target_dir(settings, release_models.op.name)
    launch_dbt(dbt, args, warehouse, target, reuse_parse_of=parsed).wait()
    page = target / STATIC_PAGE
    if not page.is_file():
        raise Failure(
            description=f"dbt docs generate --static succeeded but wrote no {page} "
            f"(dbt's log: {target / 'dbt.log'})"
        )
    (target / STATE_FILE).write_text(key)
    context.log.info(f"data dictionary at {page}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(page)),
            "bytes": page.stat().st_size,
        }
    )


def main() -> int:
    """`make docs`: the data dictionary of the current build database, without a refresh."""
    from pipelines.orchestration.refresh import outcome_of

    warehouse = WarehouseResource.from_settings()
    settings = warehouse.settings
    if not settings.build_db.is_file():
        print(
            f"ictbench: no build database at {settings.build_db}; run a refresh first "
            "(`make demo` or `ictbench refresh`), which also writes the data dictionary",
            file=sys.stderr,
        )
        return 1
    result = materialize(
        [data_dictionary],
        resources={"warehouse": warehouse, "dbt": dbt_resource()},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    outcome = outcome_of(result)
    if not outcome.success:
        print("ictbench: " + "\n  ".join(outcome.reasons), file=sys.stderr)
        return 1
    page = settings.data_dictionary_dir / STATIC_PAGE
    print(f"data dictionary: {page}\n(a refresh publishes it as {settings.published_dir}/docs/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
