"""`ictbench validate FILE [--edition YEAR]` (pipelines/cli/validate.py), called directly:
every warning and rejection is shown, a rejected cell makes the file "not valid", a file in a
landing zone is checked against that landing zone's reference data and edition, and a file
whose codes mostly fall outside the division gets a hint about the reference data."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli.validate import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    FileValidation,
    expectations_frame_of,
    validate_file,
)
from pipelines.core.contracts import load_contract
from pipelines.core.expectations import SUBMISSION_COLUMNS
from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import read_survey_file
from pipelines.settings import SAMPLE_LANDING, Settings
from tests.bad_inputs.make_corpus import (
    FILES_DIR,
    HEADER_2023,
    csv_bytes,
    row_2021,
    survey_sheet,
    xlsx_bytes,
    xrow,
)

DIVISION_HEADER = "provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum"
REAL = {"0014": "Groningen", "0344": "Utrecht", "0363": "Amsterdam", "0518": "'s-Gravenhage"}
REAL |= {"0599": "Rotterdam", "0034": "Almere", "1900": "Súdwest-Fryslân"}


def make_landing(root: Path, codes: dict[str, str] = REAL) -> Path:
    """A landing zone whose reference/ holds a division with ``codes`` (since 1970)."""
    reference = root / "reference"
    reference.mkdir(parents=True)
    lines = [DIVISION_HEADER] + [
        f"26;Utrecht;{code};{name};1970-01-01;" for code, name in sorted(codes.items())
    ]
    (reference / "gemeentelijke-indeling.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return root


def settings_for(landing: Path, tmp_path: Path) -> Settings:
    return Settings(landing=landing, warehouse=tmp_path / "warehouse")


def run(path: Path, edition: int | None, settings: Settings) -> tuple[FileValidation, str]:
    report = validate_file(path, edition, settings)
    return report, "\n".join(report.lines)


def xlsx_2023(path: Path, codes: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [xrow(code, header=HEADER_2023) for code in codes]
    path.write_bytes(xlsx_bytes([survey_sheet(rows, HEADER_2023)]))
    return path


@pytest.fixture
def real_landing(tmp_path: Path) -> Path:
    return make_landing(tmp_path / "real")


# --------------------------------------------------------------------------- what is shown


def test_misspelled_header_is_shown_and_not_valid(real_landing: Path, tmp_path: Path) -> None:
    report, text = run(
        FILES_DIR / "2023" / "05_misspelled_header.xlsx", 2023, settings_for(real_landing, tmp_path)
    )
    assert report.exit_code == EXIT_FINDINGS
    assert report.lines[-1] == "not valid"
    assert (
        "warning: 05_misspelled_header.xlsx: unknown column 'kosten_licentie' in column M "
        "(not in the 2023 contract; did you mean 'kosten_licenties'?); its 2 non-empty cells "
        "are rejected"
    ) in report.lines
    for row in (3, 4):
        assert (
            f"05_misspelled_header.xlsx, row {row}, column kosten_licentie: unknown column "
            "'kosten_licentie' (not in the 2023 contract; did you mean 'kosten_licenties'?) "
            "(value '12000')"
        ) in report.lines
    assert "rows: 3 loaded, 0 superseded, 0 rejected, 0 empty" in report.lines
    assert "not a municipality" not in text


def test_answers_from_row_2_are_all_read(real_landing: Path, tmp_path: Path) -> None:
    report, _ = run(
        FILES_DIR / "2022" / "18_answers_from_row_2.xlsx",
        2022,
        settings_for(real_landing, tmp_path),
    )
    assert (
        "warning: 18_answers_from_row_2.xlsx: row 2 holds answers (municipality code GM0363), "
        "not question texts: read as the first data row"
    ) in report.lines
    assert "rows: 2 loaded, 0 superseded, 0 rejected, 0 empty" in report.lines
    assert report.lines[-1] == "valid" and report.exit_code == EXIT_OK


def test_hidden_rows_are_a_warning_not_a_finding(real_landing: Path, tmp_path: Path) -> None:
    report, _ = run(
        FILES_DIR / "2022" / "21_hidden_rows_and_columns.xlsx",
        2022,
        settings_for(real_landing, tmp_path),
    )
    assert (
        "warning: 21_hidden_rows_and_columns.xlsx: row 4 is hidden in the sheet; "
        "read like visible rows"
    ) in report.lines
    assert report.lines[-1] == "valid"


def test_values_that_cannot_be_true_are_rejected_cells(real_landing: Path, tmp_path: Path) -> None:
    report, text = run(
        FILES_DIR / "2021" / "32_values_that_cannot_be_true.csv",
        2021,
        settings_for(real_landing, tmp_path),
    )
    assert report.exit_code == EXIT_FINDINGS and report.lines[-1] == "not valid"
    assert (
        "32_values_that_cannot_be_true.csv, row 2, column boekjaar: boekjaar '99999999999' is "
        "not a plausible year (expected a year between 1900 and 2100) (value '99999999999')"
    ) in report.lines
    assert "row 3, column kosten_hardware: impossible value for amount" in text
    assert "row 4, column werkplekken: impossible value for count" in text
    assert "rows: 3 loaded, 0 superseded, 2 rejected, 0 empty" in report.lines


def test_expectations_run_on_the_loaded_rows_as_the_ingest_writes_them(
    real_landing: Path, tmp_path: Path
) -> None:
    """The suite's input is built from the rows the ingest would write (edition_frames):
    one row per loaded submission, by municipality code, with every numeric question."""
    path = FILES_DIR / "2021" / "32_values_that_cannot_be_true.csv"
    contract = load_contract(2021)
    result = read_survey_file(path, contract, None)
    resolved = resolve_submissions([result])
    assert [r.status for r in resolved.records].count("rejected") == 2  # boekjaar NULL there
    frame = expectations_frame_of(result, resolved, contract)
    loaded = resolved.loaded
    assert len(loaded) == 3
    assert list(frame["municipality_code"]) == [s.municipality_code for s in loaded]
    assert list(frame.columns) == [*SUBMISSION_COLUMNS, *sorted(contract.numeric_questions)]
    assert str(frame["boekjaar"].dtype) == "int64" and set(frame["boekjaar"]) == {2020}
    assert list(frame["source_row"]) == [s.source_row for s in loaded]
    for index, submission in enumerate(loaded):
        for question in contract.numeric_questions:
            value, expected = frame.at[index, question], submission.answers[question]
            assert (pd.isna(value) and expected is None) or value == expected, question

    report, _ = run(path, 2021, settings_for(real_landing, tmp_path))
    (met,) = [line for line in report.lines if line.startswith("contract expectations: ")]
    n = met.removeprefix("contract expectations: ").removesuffix(" met").split("/")
    assert n[0] == n[1] and int(n[0]) > 0


# --------------------------------------------------------------------------- landing zones


def test_file_in_a_landing_zone_uses_its_reference_data_and_edition(
    real_landing: Path, tmp_path: Path
) -> None:
    path = xlsx_2023(real_landing / "survey" / "2023" / "export.xlsx", ["GM0599", "GM0518"])
    sample = settings_for(SAMPLE_LANDING, tmp_path)  # ICTBENCH_LANDING: the fictitious sample
    report, _ = run(path, None, sample)
    division = real_landing / "reference" / "gemeentelijke-indeling.csv"
    assert report.lines[0] == (
        f"note: municipality codes checked against {division} "
        "(1 January 2022; the landing zone the file lies in)"
    )
    version = load_contract(2023).contract_version
    assert report.lines[1] == f"export.xlsx: edition 2023 (contract {version}), 2 data rows"
    assert report.lines[-1] == "valid" and report.exit_code == EXIT_OK
    assert validate_file(path, 2023, sample).lines == report.lines


def test_edition_other_than_the_folder_is_an_error(real_landing: Path, tmp_path: Path) -> None:
    path = xlsx_2023(real_landing / "survey" / "2023" / "export.xlsx", ["GM0599"])
    report, _ = run(path, 2022, settings_for(real_landing, tmp_path))
    assert report.exit_code == EXIT_UNUSABLE
    assert report.lines == [
        f"{path}: --edition 2022 does not match the edition folder the file lies in "
        "(survey/2023/); leave --edition out or move the file"
    ]


def test_edition_is_needed_outside_a_landing_zone(real_landing: Path, tmp_path: Path) -> None:
    path = xlsx_2023(tmp_path / "elsewhere" / "export.xlsx", ["GM0599"])
    report, _ = run(path, None, settings_for(real_landing, tmp_path))
    assert report.exit_code == EXIT_UNUSABLE
    assert report.lines == [
        f"{path}: not in a landing zone's survey/<edition>/ folder; "
        "give the edition with --edition YEAR"
    ]


def test_link_out_of_the_landing_zone_is_refused_unread(real_landing: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:geheim\n", "utf-8")
    edition_dir = real_landing / "survey" / "2021"
    edition_dir.mkdir(parents=True)
    (edition_dir / "export.csv").symlink_to(secret)
    report, text = run(edition_dir / "export.csv", None, settings_for(real_landing, tmp_path))
    assert report.exit_code == EXIT_UNUSABLE
    assert report.lines == [
        "export.csv: a symbolic link pointing outside the landing zone; refused "
        "(refresh does not read it)"
    ]
    assert "geheim" not in text


def test_file_that_refresh_does_not_read(real_landing: Path, tmp_path: Path) -> None:
    edition_dir = real_landing / "survey" / "2021"
    edition_dir.mkdir(parents=True)
    legacy = edition_dir / "export.xls"
    legacy.write_bytes(csv_bytes([row_2021("GM0363")]))
    report, _ = run(legacy, None, settings_for(real_landing, tmp_path))
    assert report.exit_code == EXIT_UNUSABLE
    assert report.lines == [
        "export.xls: an old Excel .xls file, not a .csv or .xlsx file; not read (save it as "
        ".xlsx) (refresh does not read it)"
    ]
    elsewhere = tmp_path / "export.csv.txt"
    shutil.copy(legacy, elsewhere)
    report, _ = run(elsewhere, 2021, settings_for(real_landing, tmp_path))
    assert report.exit_code == EXIT_UNUSABLE
    assert report.lines == ["export.csv.txt: not a .csv or .xlsx file; refresh would not read it"]


# --------------------------------------------------------------------------- another division

REAL_CODES_2023 = ["GM0363", "GM0599", "GM0518", "GM0344"]


def test_real_file_against_the_sample_division_gets_a_hint(tmp_path: Path) -> None:
    """GM0363 is in the sample's fictitious division (Amstelmonde); the others are not."""
    sample_division = SAMPLE_LANDING / "reference" / "gemeentelijke-indeling.csv"
    text = sample_division.read_text("utf-8-sig")
    assert ";0363;" in text and not any(f";{c[2:]};" in text for c in REAL_CODES_2023[1:])

    path = xlsx_2023(tmp_path / "real_2023.xlsx", REAL_CODES_2023)
    report, text = run(path, 2023, settings_for(SAMPLE_LANDING, tmp_path))
    assert report.exit_code == EXIT_FINDINGS and report.lines[-1] == "not valid"
    assert text.count("is not a municipality on 1 January 2022") == 3
    (hint,) = [line for line in report.lines if "looks like another municipal division" in line]
    assert hint == (
        f"note: 3 of 4 municipality codes are not a municipality on 1 January 2022 in "
        f"{sample_division} (it is the bundled sample's fictitious division): the reference "
        "data looks like another municipal division than the file's. To check against the "
        "right one, point ICTBENCH_LANDING=<landing zone whose reference/ holds the real CBS "
        "gemeentelijke-indeling.csv>, or validate the file where it lies in its landing zone "
        "(<landing>/survey/<edition>/)"
    )


@pytest.mark.parametrize(
    "codes",
    [
        ["GM0363", "GM0599"],  # 1 of 2 unknown: too few codes to tell
        ["GM0599", "GM0518"],  # 2 of 2: still too few
        ["GM0363", "GM0363", "GM0599", "GM0518"],  # 2 of 4: not more than half
    ],
)
def test_no_hint_for_a_few_unknown_codes(tmp_path: Path, codes: list[str]) -> None:
    path = xlsx_2023(tmp_path / "few.xlsx", codes)
    report, text = run(path, 2023, settings_for(SAMPLE_LANDING, tmp_path))
    assert "is not a municipality on 1 January 2022" in text
    assert "looks like another municipal division" not in text
    assert report.exit_code == EXIT_FINDINGS


def test_hint_in_a_landing_zone_names_its_reference_file(tmp_path: Path) -> None:
    landing = make_landing(tmp_path / "wrong", {"0363": "Amstelmonde", "0021": "Hulstdijk"})
    path = xlsx_2023(landing / "survey" / "2023" / "x.xlsx", REAL_CODES_2023)
    report, _ = run(path, None, settings_for(SAMPLE_LANDING, tmp_path))
    (hint,) = [line for line in report.lines if "looks like another municipal division" in line]
    division = landing / "reference" / "gemeentelijke-indeling.csv"
    assert hint.startswith("note: 3 of 4 municipality codes are not a municipality on")
    assert hint.endswith(f"To check against the right one, put the real CBS division in {division}")
    assert "fictitious" not in hint
