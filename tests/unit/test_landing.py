"""What an edition folder holds: the survey exports that are read, and everything else listed
as not read (or refused: a symbolic link out of the landing zone is never opened)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.survey_reader import FileReadResult, Rejection, refused_file
from pipelines.warehouse.landing import (
    UnreadEntry,
    edition_files,
    editions_in_landing,
    survey_file_place,
    unread_entries,
)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "survey" / "2021").mkdir(parents=True)
    (root / "reference").mkdir()
    return root


def test_what_is_read_and_what_is_not(landing: Path) -> None:
    folder = landing / "survey" / "2021"
    for name in (
        "export.csv",
        "NALEVERING.CSV",
        "correctie.Xlsx",
        "oud.xls",
        "export.csv.txt",
        "leesmij",
        "~$export.xlsx",
        ".DS_Store",
        ".verborgen.csv",
    ):
        (folder / name).write_text("x", "utf-8")
    (folder / "archief").mkdir()
    (folder / "archief" / "export_oud.csv").write_text("x", "utf-8")

    assert [p.name for p in edition_files(folder)] == [
        "NALEVERING.CSV",
        "correctie.Xlsx",
        "export.csv",
    ]
    assert unread_entries(folder) == [
        UnreadEntry(".DS_Store", "a hidden file; not read"),
        UnreadEntry(".verborgen.csv", "a hidden file; not read"),
        UnreadEntry("archief/", "a sub-folder; not read"),
        UnreadEntry("export.csv.txt", "not a .csv or .xlsx file; not read"),
        UnreadEntry("leesmij", "not a .csv or .xlsx file; not read"),
        UnreadEntry(
            "oud.xls",
            "an old Excel .xls file, not a .csv or .xlsx file; not read (save it as .xlsx)",
        ),
        UnreadEntry(
            "~$export.xlsx", "an Office lock file (the workbook is open in Excel); not read"
        ),
    ]
    assert not any(e.refused for e in unread_entries(folder))


def test_links_out_of_the_landing_zone_are_refused(landing: Path, tmp_path: Path) -> None:
    folder = landing / "survey" / "2021"
    outside = tmp_path / "elders"
    outside.mkdir()
    (outside / "passwd.csv").write_text("root:x:0:0\n", "utf-8")
    (folder / "export.csv").symlink_to(outside / "passwd.csv")
    (folder / "relatief.csv").symlink_to(Path("..", "..", "..", "elders", "passwd.csv"))
    (folder / "map").symlink_to(outside)
    # inside the landing zone: read like a file
    (landing / "reference" / "kopie.csv").write_text("x", "utf-8")
    (folder / "binnen.csv").symlink_to(landing / "reference" / "kopie.csv")
    (folder / "kapot.csv").symlink_to(folder / "bestaat_niet.csv")

    assert [p.name for p in edition_files(folder)] == ["binnen.csv"]
    outside_reason = "a symbolic link pointing outside the landing zone; refused"
    assert unread_entries(folder) == [
        UnreadEntry("export.csv", outside_reason, refused=True),
        UnreadEntry("kapot.csv", "a symbolic link whose target does not exist; not read"),
        UnreadEntry("map/", outside_reason, refused=True),
        UnreadEntry("relatief.csv", outside_reason, refused=True),
    ]


def test_an_edition_folder_linked_from_outside_is_refused(landing: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elders" / "2022"
    outside.mkdir(parents=True)
    (outside / "export.xlsx").write_bytes(b"x")
    (landing / "survey" / "2022").symlink_to(outside)
    folder = landing / "survey" / "2022"
    assert edition_files(folder) == []
    assert unread_entries(folder) == [
        UnreadEntry(
            "export.xlsx",
            "lies outside the landing zone (reached through a symbolic link); refused",
            refused=True,
        )
    ]
    # the edition is there (its refusal must be shown), 2021 has nothing at all
    assert editions_in_landing(landing / "survey") == [2022]


def test_a_landing_zone_reached_through_a_link_is_fine(landing: Path, tmp_path: Path) -> None:
    (landing / "survey" / "2021" / "export.csv").write_text("x", "utf-8")
    alias = tmp_path / "alias"
    alias.symlink_to(landing)
    folder = alias / "survey" / "2021"
    assert [p.name for p in edition_files(folder)] == ["export.csv"]
    assert unread_entries(folder) == []


def test_missing_folder(tmp_path: Path) -> None:
    assert edition_files(tmp_path / "nope") == []
    assert unread_entries(tmp_path / "nope") == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_never_opened(landing: Path) -> None:
    folder = landing / "survey" / "2021"
    os.mkfifo(folder / "pijp.csv")
    assert edition_files(folder) == []
    assert unread_entries(folder) == [UnreadEntry("pijp.csv", "not a regular file; not read")]


def test_survey_file_place(landing: Path, tmp_path: Path) -> None:
    place = survey_file_place(landing / "survey" / "2021" / "export.csv")
    assert place is not None
    assert (place.landing, place.edition) == (landing, 2021)
    assert survey_file_place(tmp_path / "export.csv") is None
    assert survey_file_place(landing / "survey" / "21" / "export.csv") is None


def test_refused_file_is_unusable_without_rows() -> None:
    reason = "a symbolic link pointing outside the landing zone; refused"
    result = refused_file("export.csv", reason)
    assert result == FileReadResult(
        source_file="export.csv",
        source_sha256="",
        n_rows=0,
        rejections=[Rejection("export.csv", None, None, None, f"export.csv: {reason}")],
        unusable_reason=f"export.csv: {reason}",
    )
    assert not result.usable
