import json
import tomllib

import pytest

from pipelines.core.contracts import all_numeric_questions
from pipelines.orchestration.dbt_args import (
    dbt_build_args,
    dbt_docs_args,
    dbt_vars,
    main,
    sqlfluff_config,
)


def passed_vars(args: list[str]) -> dict[str, object]:
    value = json.loads(args[args.index("--vars") + 1])
    assert isinstance(value, dict)
    return value


def test_edition_build_passes_the_editions_as_a_dbt_var() -> None:
    args = dbt_build_args([2022, 2021, 2022])
    assert args[0] == "build"
    assert passed_vars(args)["editions"] == [2021, 2022]
    assert "--select" not in args  # dagster-dbt selects the asset's models itself


def test_release_build_has_no_edition_var() -> None:
    args = dbt_build_args(None)
    assert args[0] == "build"
    assert "editions" not in passed_vars(args) and "edition" not in passed_vars(args)


def test_an_empty_edition_list_is_an_error_not_a_full_rebuild() -> None:
    with pytest.raises(ValueError):
        dbt_build_args([])


def test_every_run_gets_the_question_list_of_the_contracts() -> None:
    questions = list(all_numeric_questions())
    assert len(questions) == 28 and questions[0] == "inwoners"
    for args in (dbt_build_args([2021]), dbt_build_args(None)):
        assert passed_vars(args)["survey_questions"] == questions


def test_the_printed_vars_and_the_lint_config_carry_the_same_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main([])
    printed = json.loads(capsys.readouterr().out)
    assert printed == dbt_vars() == {"survey_questions": list(all_numeric_questions())}
    config = tomllib.loads(sqlfluff_config())
    assert config["tool"]["sqlfluff"]["templater"]["dbt"]["context"] == printed
    main(["--sqlfluff-config"])
    assert capsys.readouterr().out == sqlfluff_config()


def test_the_data_dictionary_is_generated_with_the_release_models_vars() -> None:
    args = dbt_docs_args()
    assert args[:3] == ["docs", "generate", "--static"]  # one self-contained page
    # the page loads dbt's tracker from the network when usage statistics are on
    assert "--no-send-anonymous-usage-stats" in args
    assert passed_vars(args) == passed_vars(dbt_build_args(None))
