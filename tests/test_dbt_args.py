import json

import pytest

from pipelines.orchestration.dbt_args import dbt_build_args


def test_edition_build_passes_the_editions_as_a_dbt_var() -> None:
    args = dbt_build_args([2022, 2021, 2022])
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {"editions": [2021, 2022]}
    assert "--select" not in args  # dagster-dbt selects the asset's models itself


def test_release_build_has_no_edition_var() -> None:
    assert dbt_build_args(None) == ["build"]


def test_an_empty_edition_list_is_an_error_not_a_full_rebuild() -> None:
    with pytest.raises(ValueError):
        dbt_build_args([])
