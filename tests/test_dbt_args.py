import json
import tomllib

import pytest

from pipelines.core.contracts import all_numeric_questions
from pipelines.orchestration.dbt_args import (
    EDITIONS_ENV,
    dbt_build_args,
    dbt_build_env,
    dbt_docs_args,
    dbt_vars,
    main,
    sqlfluff_config,
)


def passed_vars(args: list[str]) -> dict[str, object]:
    value = json.loads(args[args.index("--vars") + 1])
    assert isinstance(value, dict)
    return value


def test_edition_build_names_its_editions_in_the_environment_not_the_vars() -> None:
    # not a var: dbt parses the whole project again whenever its vars change
    assert dbt_build_env([2022, 2021, 2022]) == {EDITIONS_ENV: "2021,2022"}
    args = dbt_build_args()
    assert args[0] == "build"
    assert "editions" not in passed_vars(args) and "edition" not in passed_vars(args)
    assert "--select" not in args  # dagster-dbt selects the asset's models itself
    assert dbt_build_args(full_refresh=True) == [*args, "--full-refresh"]


def test_release_build_sets_every_edition_explicitly() -> None:
    # an empty value, not an absent one: a value left in the environment never narrows it
    assert dbt_build_env(None) == {EDITIONS_ENV: ""}


def test_an_empty_edition_list_is_an_error_not_a_full_rebuild() -> None:
    with pytest.raises(ValueError):
        dbt_build_env([])


def test_every_run_gets_the_same_vars_the_question_list_of_the_contracts() -> None:
    questions = list(all_numeric_questions())
    assert len(questions) == 28 and questions[0] == "inwoners"
    assert passed_vars(dbt_build_args()) == {"survey_questions": questions}


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
    assert passed_vars(args) == passed_vars(dbt_build_args())
