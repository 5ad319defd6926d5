"""dbt command lines, vars and environment, built in one place (unit-tested).

Which models run is decided by the `@dbt_assets(select=...)` selectors below; dagster-dbt
adds the matching `--select` itself, so the arguments only carry the command and vars.

The editions a build covers go to dbt in the environment (`dbt_build_env`), read by the
models when they run (macro `editions_var()`), not as a var: dbt parses the project
again whenever its vars change, and with the same vars on every run it reuses its parse.

Every dbt run gets `survey_questions`: the numeric questions of every data contract
(`data_contracts/edition_*.yaml`), in questionnaire order. dbt needs them at compile time
(one column per question in `int_survey_answers_pivoted`; own ICT FTE sums the `fte_*`
ones); the contracts are their one source, so a new question needs nothing but its contract.

Run as a module it prints those vars, for dbt run by hand (dbt_project/README.md), the
manifest (`make setup`) and sqlfluff (`make lint`):

    python -m pipelines.orchestration.dbt_args                      # JSON for --vars
    python -m pipelines.orchestration.dbt_args --edition 2021       # ... for one edition
    python -m pipelines.orchestration.dbt_args --sqlfluff-config    # sqlfluff config (TOML)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.core.contracts import all_numeric_questions

EDITIONS_ENV = "ICTBENCH_DBT_EDITIONS"  # read by the macro editions_var()
EDITION_SELECTOR = "tag:edition"
RELEASE_SELECTOR = "tag:release"


def dbt_vars(
    editions: Sequence[int] | None = None, contracts_dir: Path | None = None
) -> dict[str, object]:
    """The `--vars` of a dbt run: the question list and, when given (dbt run by hand;
    a refresh uses `dbt_build_env`), the editions."""
    variables: dict[str, object] = {
        "survey_questions": list(all_numeric_questions(contracts_dir)),
    }
    if editions is not None:
        variables["editions"] = edition_list(editions)
    return variables


def edition_list(editions: Sequence[int]) -> list[int]:
    """The editions a build covers, sorted and once each; an empty list is an error (it
    would not mean "every edition")."""
    if not editions:
        raise ValueError("no edition to build")
    return sorted({int(e) for e in editions})


def dbt_build_args(
    contracts_dir: Path | None = None, *, full_refresh: bool = False, unit_tests: bool = True
) -> list[str]:
    """`dbt build` with the vars of every run; which editions it builds is in its
    environment (`dbt_build_env`). `full_refresh` recreates the incremental tables
    instead of replacing the editions' rows in them. `unit_tests=False` leaves out dbt's
    unit tests (formulas on fixed inputs: they pass or fail alike for the same code)."""
    args = ["build", "--vars", json.dumps(dbt_vars(contracts_dir=contracts_dir))]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args


def dbt_build_env(editions: Sequence[int] | None) -> dict[str, str]:
    """The environment of a `dbt build`: the editions whose models it builds, or, with
    None, every edition (the release models read them all). Always set, so a value
    left in the environment never narrows a build."""
    if editions is None:
        return {EDITIONS_ENV: ""}
    return {EDITIONS_ENV: ",".join(str(e) for e in edition_list(editions))}


def dbt_docs_args(contracts_dir: Path | None = None) -> list[str]:
    """`dbt docs generate --static`: the data dictionary, one self-contained page, with
    the release models' vars (every model compiled over every edition). Without usage
    statistics: the page loads dbt's tracker from the network when its manifest says
    they are on."""
    return [
        "docs",
        "generate",
        "--static",
        # the manifest of the parse is all the page needs (compiling every model again
        # would add ~2 s and only each model's compiled SQL)
        "--no-compile",
        "--no-send-anonymous-usage-stats",
        "--vars",
        json.dumps(dbt_vars(contracts_dir=contracts_dir)),
    ]


def sqlfluff_config(contracts_dir: Path | None = None) -> str:
    """A sqlfluff config file (`pyproject.toml` format: lists stay lists) that hands the
    vars to its dbt templater; `sqlfluff lint --config <that file>` adds it to `.sqlfluff`."""
    lines = ["[tool.sqlfluff.templater.dbt.context]"]
    for name, value in dbt_vars(contracts_dir=contracts_dir).items():
        lines.append(f"{name} = {json.dumps(value)}")  # a JSON list of strings is TOML
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.orchestration.dbt_args",
        description="Print the dbt vars computed from the data contracts.",
    )
    parser.add_argument("--contracts-dir", type=Path, default=None)
    parser.add_argument(
        "--edition", type=int, action="append", help="add the editions var (repeatable)"
    )
    parser.add_argument(
        "--sqlfluff-config", action="store_true", help="as a sqlfluff config (pyproject.toml)"
    )
    args = parser.parse_args(argv)
    if args.sqlfluff_config:
        sys.stdout.write(sqlfluff_config(args.contracts_dir))
    else:
        variables = dbt_vars(args.edition, contracts_dir=args.contracts_dir)
        sys.stdout.write(json.dumps(variables) + "\n")


if __name__ == "__main__":
    main()
