"""A new question needs its data contract and nothing else.

A 2025 contract asking a new numeric question (`fte_ai`, an own ICT FTE function) in a
copy of data_contracts/: the question list every dbt run gets (dbt_args) holds it where the
2025 form asks it, and real dbt on the development fixture builds it into the models: a
column of int_survey_answers_pivoted, answers in survey_responses and, as an `fte_*`
function, part of own ICT FTE from 2025 on. No file of the dbt project is touched.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.core.contracts import all_numeric_questions, load_contract
from pipelines.orchestration.dbt_args import dbt_build_args
from pipelines.settings import CONTRACTS_DIR
from pipelines.warehouse.dev_fixture import write_fixture
from tests.conftest import run_dbt

NEW = "fte_ai"


def contracts_with_a_new_question(tmp_path: Path) -> Path:
    directory = tmp_path / "data_contracts"
    shutil.copytree(CONTRACTS_DIR, directory)
    document = yaml.safe_load((directory / "edition_2024.yaml").read_text(encoding="utf-8"))
    document.update(edition=2025, boekjaar=2024, contract_version="2025.1")
    columns = document["columns"]
    after = next(i for i, c in enumerate(columns) if c["question"] == "fte_data")
    columns.insert(
        after + 1,
        {
            "header": NEW,
            "question": NEW,
            "kind": "fte",
            "impossible": {"min": 0},
            "text_nl": "Eigen personeel AI-specialisten (fte)",
        },
    )
    (directory / "edition_2025.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True), encoding="utf-8"
    )
    return directory


def test_the_new_question_reaches_every_dbt_run(tmp_path: Path) -> None:
    contracts = contracts_with_a_new_question(tmp_path)
    assert NEW in load_contract(2025, contracts).numeric_questions
    args = dbt_build_args(contracts_dir=contracts)
    questions = json.loads(args[args.index("--vars") + 1])["survey_questions"]
    # where the 2025 form asks it; every other question keeps its place
    assert questions[questions.index("fte_data") + 1] == NEW
    assert [q for q in questions if q != NEW] == list(all_numeric_questions())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture with a 2025 edition asking the new question, built by real dbt with the
    arguments a refresh gives it; returns the build DB and dbt's target directory."""
    base = tmp_path_factory.mktemp("new_question")
    contracts = contracts_with_a_new_question(base)
    warehouse = base / "warehouse"
    editions = write_fixture(warehouse / "build" / "ictbench.duckdb", contracts)
    assert editions[-1] == 2025
    target = run_dbt(warehouse, dbt_build_args(contracts_dir=contracts), base)
    return warehouse / "build" / "ictbench.duckdb", target


def test_the_new_question_is_a_column_of_the_pivot(built: tuple[Path, Path]) -> None:
    database, target = built
    compiled = target / "compiled/ictbench/models/intermediate/int_survey_answers_pivoted.sql"
    assert f"as {NEW}," in compiled.read_text(encoding="utf-8")
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            f"select edition, count(*), count({NEW}), bool_and(asked_{NEW}), "
            f"bool_or(asked_{NEW}) from intermediate.int_survey_answers_pivoted "
            "where edition >= 2024 group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    (e2024, _, answered2024, _, asked2024), (e2025, n2025, answered2025, asked2025, _) = rows
    assert (e2024, answered2024, asked2024) == (2024, 0, False)
    assert (e2025, answered2025, asked2025) == (2025, n2025, True) and n2025 > 0


def test_the_new_answers_are_published_and_count_as_own_ict_fte(
    built: tuple[Path, Path],
) -> None:
    database, _ = built
    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute(
            "select edition, unit, count(value) = count(*) from marts.survey_responses "
            f"where question_code = '{NEW}' group by all"
        ).fetchall() == [(2025, "FTE", True)]
        # own ICT FTE (numerator of ict_fte_per_100_fte): every fte_* function asked, so
        # from 2025 on fte_ai too
        rows = con.execute(
            """
            select
                v.edition, v.municipality_code, v.numerator,
                sum(r.value) filter (
                    where r.question_code not in ('fte_inhuur', 'fte_organisatie')
                ),
                sum(r.value) filter (where r.question_code = ?)
            from marts.indicator_values as v
            inner join marts.survey_responses as r
                on v.edition = r.edition and v.municipality_code = r.municipality_code
                and r.question_code like 'fte\\_%' escape '\\'
            where v.indicator_code = 'ict_fte_per_100_fte' and v.edition >= 2024
                and v.numerator is not null
            group by all
            """,
            [NEW],
        ).fetchall()
    finally:
        con.close()
    assert {edition for edition, *_ in rows} == {2024, 2025}
    for edition, _, own_fte, own_functions, new_fte in rows:
        assert own_fte == pytest.approx(own_functions)
        assert (new_fte is not None and new_fte > 0) == (edition == 2025)
