"""The dbt development loop of dbt_project/README.md works: its exact commands, on a
throwaway ICTBENCH_WAREHOUSE, with real dbt, build every model and pass every dbt test on
the development fixture (pipelines/warehouse/dev_fixture.py)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import duckdb

from pipelines.core.contracts import available_editions, load_all_contracts
from pipelines.warehouse.raw_tables import RAW_TABLES, declared_columns, table_columns
from tests.conftest import REPO_ROOT

DBT_README = REPO_ROOT / "dbt_project" / "README.md"


def documented_loop() -> list[str]:
    """The command lines of the README's development-fixture block."""
    section = DBT_README.read_text(encoding="utf-8").split("## Development fixture", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "dbt_project/README.md: no ```sh block under 'Development fixture'"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_the_documented_dev_loop_builds_every_model(tmp_path: Path) -> None:
    lines = documented_loop()
    export = "export ICTBENCH_WAREHOUSE="
    assert lines[0].startswith(export), lines[0]
    warehouse = tmp_path / "warehouse"
    script = "\n".join([export + shlex.quote(str(warehouse)), *lines[1:]])
    # dbt's artefacts go to the test's directory, not dbt_project/target (the manifest)
    env = os.environ | {
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    env.pop("ICTBENCH_WAREHOUSE", None)
    completed = subprocess.run(
        ["sh", "-eu", "-c", script],
        cwd=REPO_ROOT / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    assert "Completed successfully" in completed.stdout, output[-6000:]
    assert re.search(r"ERROR=0 SKIP=0", completed.stdout), completed.stdout[-3000:]

    con = duckdb.connect(str(warehouse / "build" / "ictbench.duckdb"), read_only=True)
    try:
        # the raw schema is the pipeline's own (pipelines/warehouse/raw_tables.py)
        for table, columns in RAW_TABLES.items():
            assert table_columns(con, "raw", table) == [n for n, _ in declared_columns(columns)]
        editions = available_editions()
        built = con.execute("select distinct edition from marts.submissions order by 1").fetchall()
        assert [e for (e,) in built] == editions
        statuses = dict(
            con.execute(
                "select status, count(*) from marts.submissions where edition = 2021 group by 1"
            ).fetchall()
        )
        assert statuses == {"loaded": 16, "superseded": 1, "empty": 1}
        assert con.execute(
            "select source_file from marts.submissions "
            "where edition = 2021 and municipality_code = 'GM0141' and status = 'loaded'"
        ).fetchall() == [("nalevering_2021.csv",)]
        assert con.execute(
            "select edition, source_row, reason from marts.rejected_rows order by 1"
        ).fetchall() == [
            (2020, 18, "municipality code GM9999 did not exist on 2019-01-01"),
            (2021, 10, "negative FTE is impossible"),
        ]
        # one answer per loaded submission and question its edition's contract asks
        contracts = load_all_contracts()
        for edition, n_loaded, n_answers in con.execute(
            "select s.edition, count(distinct s.municipality_code), "
            "(select count(*) from marts.survey_responses r where r.edition = s.edition) "
            "from marts.submissions s where s.status = 'loaded' group by 1 order by 1"
        ).fetchall():
            assert n_answers == n_loaded * len(contracts[edition].numeric_questions)
        assert con.execute("select count(*) from marts.indicator_values").fetchone() != (0,)
    finally:
        con.close()
