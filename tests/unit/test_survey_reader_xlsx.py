"""Reading the survey tool's XLSX exports (editions 2022-2024)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from pipelines.core.contracts import EditionContract
from pipelines.core.survey_reader import read_survey_file
from tests.unit.survey_files import answer_row, write_xlsx

VALID = {"GM0363", "GM0599", "GM0344", "GM1992"}


def numeric_row(contract: EditionContract, **overrides: Any) -> dict[str, Any]:
    """A row as the survey tool writes it: numbers as numeric cells, k€ amounts."""
    row: dict[str, Any] = {}
    for header, text in answer_row(contract).items():
        column = contract.column_by_header(header)
        assert column is not None
        if column.kind == "amount":
            row[header] = 2450.5
        elif column.is_answer:
            row[header] = float(text.replace(".", "").replace(",", "."))
        elif header == "boekjaar":
            row[header] = contract.boekjaar
        elif header == "ingediend_op":
            row[header] = datetime(2023, 3, 4, 14, 5)
        else:
            row[header] = text
    row.update(overrides)
    return row


def save(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    return write_xlsx(path, header, [[r.get(h) for h in header] for r in rows])


def test_numeric_cells_and_k_euros(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2024]
    path = save(tmp_path / "export.xlsx", [numeric_row(contract)])
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is None and result.rejections == [] and result.warnings == []
    (submission,) = result.submissions
    assert submission.source_row == 3  # row 1 codes, row 2 question text
    assert submission.municipality_code == "GM0363" and submission.boekjaar == 2023
    assert submission.ingediend_op == datetime(2023, 3, 4, 14, 5)
    assert submission.answers["kosten_personeel"] == 2_450_500.0  # 2.450,5 k€
    assert submission.answers["begroting_lasten"] == 2_450_500.0
    assert submission.answers["fte_organisatie"] == 15000.5  # FTE: no factor
    assert submission.answers["inwoners"] == 931298.0
    assert submission.raw_values["kosten_personeel"] == "2450.5"


def test_text_cells_in_numeric_columns(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    row = numeric_row(
        contract,
        kosten_hardware="2.450,5",  # text number, Dutch notation, k€
        kosten_saas="€ 1.000",
        inwoners="931.298",
        tevredenheid_ict="7.5",  # decimal point in a text cell: rejected
        fte_data="n.v.t.",
        pct_plaatsonafhankelijk="95%",
        ingediend_op="2022-03-04 14:05",
        gemeentecode=363,  # Excel dropped the leading zero and GM
    )
    result = read_survey_file(save(tmp_path / "t.xlsx", [row]), contract, VALID)
    (submission,) = result.submissions
    assert submission.answers["kosten_hardware"] == 2_450_500.0
    assert submission.answers["kosten_saas"] == 1_000_000.0
    assert submission.answers["inwoners"] == 931298.0
    assert submission.answers["tevredenheid_ict"] is None
    assert submission.answers["fte_data"] is None
    assert submission.answers["pct_plaatsonafhankelijk"] == 95.0
    assert submission.ingediend_op == datetime(2022, 3, 4, 14, 5)
    assert submission.municipality_code == "GM0363" and not submission.row_rejected
    assert [(r.column_name, r.reason) for r in result.rejections] == [
        ("tevredenheid_ict", "decimal point where a decimal comma is expected: '7.5'")
    ]


def test_percent_formatted_cell(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2023]
    rows = [
        numeric_row(contract, pct_plaatsonafhankelijk=(0.93, "0%")),
        numeric_row(contract, cbs_code="GM0599", pct_plaatsonafhankelijk=(1, "0.0%")),
        numeric_row(contract, cbs_code="GM0344", pct_plaatsonafhankelijk=0.93),
        numeric_row(contract, cbs_code="GM1992", pct_plaatsonafhankelijk=1),
    ]
    result = read_survey_file(save(tmp_path / "pct.xlsx", rows), contract, VALID)
    values = [s.answers["pct_plaatsonafhankelijk"] for s in result.submissions]
    assert values == [93.0, 100.0, 93.0, 1.0]
    assert result.submissions[0].raw_values["pct_plaatsonafhankelijk"] == "93%"


def test_error_cells_and_uncached_formulas(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    rows = [
        numeric_row(contract, kosten_telecom="#DIV/0!", kosten_overig="#DEEL/0!"),
        numeric_row(contract, gemeentecode="GM0599", aantal_applicaties="=SUM(1,2)"),
        numeric_row(contract, gemeentecode="GM0344", ingediend_op="#WAARDE!"),
    ]
    result = read_survey_file(save(tmp_path / "err.xlsx", rows), contract, VALID)
    reasons = [(r.source_row, r.column_name, r.reason) for r in result.rejections]
    assert reasons == [
        (3, "kosten_telecom", "spreadsheet error value '#DIV/0!'"),
        (3, "kosten_overig", "spreadsheet error value '#DEEL/0!'"),
        (
            4,
            "aantal_applicaties",
            "formula without a cached value (open and save the file in Excel)",
        ),
        (5, "ingediend_op", "spreadsheet error value '#WAARDE!'"),
    ]
    first, second, third = result.submissions
    assert not first.row_rejected and first.answers["kosten_telecom"] is None
    assert not second.row_rejected and second.answers["aantal_applicaties"] is None
    assert third.row_rejected


def test_shuffled_columns_unknown_column_and_rows(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2023]
    row = numeric_row(contract)
    header = [*reversed(list(row)), "toelichting"]
    rows: list[dict[str, Any]] = [
        {**row, "toelichting": "ok"},
        {},  # an empty row in the middle
        {**numeric_row(contract, cbs_code=" gm1992 ", boekjaar=2021), "toelichting": None},
    ]
    path = save(tmp_path / "s.xlsx", rows, header)
    result = read_survey_file(path, contract, VALID)
    assert result.n_rows == 3 and result.empty_rows == [4]
    assert result.warnings == [
        "s.xlsx: unknown column 'toelichting' in column AF (not in the 2023 contract); "
        "its 1 non-empty cell is rejected"
    ]
    first, last = result.submissions
    assert first.source_row == 3 and first.municipality_code == "GM0363"
    assert not first.row_rejected
    assert last.source_row == 5 and last.municipality_code == "GM1992" and last.row_rejected
    assert [(r.source_row, r.column_name, r.raw_value, r.reason) for r in result.rejections] == [
        (3, "toelichting", "ok", "unknown column 'toelichting' (not in the 2023 contract)"),
        (5, "boekjaar", "2021", "boekjaar 2021 does not match edition 2023 (expected 2022)"),
    ]


def test_missing_required_column(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2023]
    rows = [numeric_row(contract), numeric_row(contract, cbs_code="GM0599")]
    header = [h for h in rows[0] if h != "cbs_code"]
    result = read_survey_file(save(tmp_path / "m.xlsx", rows, header), contract, VALID)
    assert result.unusable_reason == "m.xlsx: missing required column cbs_code"
    assert result.n_rows == 2 and all(s.row_rejected for s in result.submissions)
    assert [r.source_row for r in result.rejections] == [None, 3, 4]


def test_missing_sheet_and_not_a_workbook(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    path = write_xlsx(tmp_path / "sheet.xlsx", ["gemeentecode"], [["GM0363"]], sheet="Blad1")
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason == "sheet.xlsx: sheet 'antwoorden' not found (sheets: 'Blad1')"
    assert result.n_rows == 0 and len(result.rejections) == 1
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_bytes(b"gemeentecode;boekjaar\r\n")
    result = read_survey_file(bogus, contract, VALID)
    assert result.unusable_reason is not None
    assert result.unusable_reason.startswith("bogus.xlsx: not a readable XLSX workbook")


def test_trailing_formatted_rows_are_not_data(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    path = save(tmp_path / "f.xlsx", [numeric_row(contract)])
    workbook = load_workbook(path)
    sheet = workbook["antwoorden"]
    sheet.cell(row=20, column=3).number_format = "0.00"  # styled, no value
    workbook.save(path)
    result = read_survey_file(path, contract, VALID)
    assert result.n_rows == 1 and result.empty_rows == []


def test_date_cell_and_text_timestamp_are_the_same_instant(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    rows = [
        numeric_row(contract, ingediend_op=datetime(2022, 3, 4, 14, 4, 59, 999_600)),
        numeric_row(contract, ingediend_op="04-03-2022 14:05"),
        numeric_row(contract, ingediend_op=(44624.586805555555, "General")),  # a bare number
    ]
    result = read_survey_file(save(tmp_path / "ts.xlsx", rows), contract, VALID)
    first, second, third = result.submissions
    assert first.ingediend_op == second.ingediend_op == datetime(2022, 3, 4, 14, 5)
    assert third.row_rejected and "where a date-time is expected" in result.rejections[0].reason


def test_question_row_holding_answers_is_the_first_data_row(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    """Spec: row 2 holding a municipality code is a data row (all its cells text here)."""
    contract = contracts[2022]
    row = numeric_row(contract)
    header = list(row)
    path = write_xlsx(
        tmp_path / "q.xlsx",
        header,
        [[row[h] for h in header]],
        question_texts=[str(row[h]) for h in header],
    )
    result = read_survey_file(path, contract, VALID)
    assert result.n_rows == 2
    assert [s.source_row for s in result.submissions] == [2, 3]
    assert result.warnings == [
        "q.xlsx: row 2 holds answers (municipality code GM0363), not question texts: "
        "read as the first data row"
    ]


def test_question_text_row_is_skipped(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2022]
    path = save(tmp_path / "t.xlsx", [numeric_row(contract)])
    result = read_survey_file(path, contract, VALID)
    assert result.n_rows == 1 and result.warnings == []
    assert [s.source_row for s in result.submissions] == [3]


def test_hidden_rows_and_columns_are_read_with_a_warning(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2023]
    rows = [numeric_row(contract), numeric_row(contract, cbs_code="GM0599")]
    path = save(tmp_path / "h.xlsx", rows)
    workbook = load_workbook(path)
    sheet = workbook["antwoorden"]
    sheet.row_dimensions[4].hidden = True
    sheet.row_dimensions[9].hidden = True  # empty: nothing to say
    sheet.column_dimensions["B"].hidden = True
    workbook.save(path)
    result = read_survey_file(path, contract, VALID)
    assert result.warnings == [
        "h.xlsx: row 4 is hidden in the sheet; read like visible rows",
        "h.xlsx: column B (gemeentenaam) is hidden in the sheet; read like visible columns",
    ]
    assert [(s.municipality_code, s.municipality_name) for s in result.submissions] == [
        ("GM0363", "Amsterdam"),
        ("GM0599", "Amsterdam"),
    ]
