"""The command line's arguments (outputs.md: refresh [--edition YEAR]..., validate, status)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli.main import build_parser


def test_refresh_defaults_to_every_edition_with_pdfs() -> None:
    args = build_parser().parse_args(["refresh"])
    assert args.command == "refresh"
    assert args.edition is None
    assert args.pdf is True


def test_refresh_with_editions_and_without_pdfs() -> None:
    args = build_parser().parse_args(
        ["refresh", "--edition", "2021", "--edition", "2023", "--no-pdf"]
    )
    assert args.edition == [2021, 2023]
    assert args.pdf is False


def test_validate_takes_an_optional_edition() -> None:
    args = build_parser().parse_args(["validate", "x.csv", "--edition", "2020"])
    assert (args.file, args.edition) == (Path("x.csv"), 2020)
    # without --edition, the edition is the folder's (<landing>/survey/<YYYY>/)
    assert build_parser().parse_args(["validate", "x.csv"]).edition is None


def test_an_edition_is_a_year() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["refresh", "--edition", "twenty"])
