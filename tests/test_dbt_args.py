import json

from pipelines.dbt_args import dbt_build_args


def test_edition_build_passes_the_edition_as_a_dbt_var() -> None:
    args = dbt_build_args(2021)
    assert args[0] == "build"
    assert json.loads(args[args.index("--vars") + 1]) == {"edition": 2021}
    assert "--select" not in args  # dagster-dbt selects the asset's models itself


def test_release_build_has_no_edition_var() -> None:
    assert dbt_build_args(None) == ["build"]
