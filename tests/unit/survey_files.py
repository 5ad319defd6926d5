"""Builders for small survey files in tmp_path (Dutch-Excel CSV, survey-tool XLSX)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pipelines.core.contracts import EditionContract

# A complete, valid answer set per header (Dutch text notation); editions pick their columns.
BASE_ANSWERS: dict[str, str] = {
    "gemeentenaam": "Amsterdam",
    "inwoners": "931.298",
    "fte_organisatie": "15.000,5",
    "medewerkers": "16.200",
    "werkplekken": "17.000",
    "begroting_lasten": "7.000.000.000",
    "kosten_personeel": "60.000.000",
    "kosten_inhuur": "20.000.000",
    "kosten_hardware": "10.000.000",
    "kosten_software": "30.000.000",
    "kosten_licenties": "12.000.000",
    "kosten_saas": "18.000.000",
    "kosten_uitbesteding": "25.000.000",
    "kosten_telecom": "5.000.000",
    "kosten_overig": "2.500.000",
    "kosten_informatiebeveiliging": "4.000.000",
    "fte_werkplekbeheer": "80",
    "fte_applicatiebeheer": "120,5",
    "fte_functioneel_beheer": "150",
    "fte_informatiemanagement": "60",
    "fte_informatiebeveiliging": "25",
    "fte_privacy": "12",
    "fte_data": "30",
    "fte_ontwikkeling": "45",
    "fte_inhuur": "90",
    "aantal_applicaties": "850",
    "pct_plaatsonafhankelijk": "85",
    "aantal_datalekken": "40",
    "tevredenheid_ict": "7,2",
}


def answer_row(
    contract: EditionContract,
    code: str = "GM0363",
    submitted: str = "2021-03-04 14:05",
    **overrides: str,
) -> dict[str, str]:
    """A valid row (header -> text) for ``contract``; ``overrides`` by header code."""
    row: dict[str, str] = {}
    for column in contract.columns:
        if column.question == "municipality_code":
            row[column.header] = code
        elif column.header == "boekjaar":
            row[column.header] = str(contract.boekjaar)
        elif column.header == "ingediend_op":
            row[column.header] = submitted
        else:
            row[column.header] = BASE_ANSWERS[column.header]
    for header, value in overrides.items():
        row[header] = value
    return row


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "cp1252",
    bom: bool = False,
) -> Path:
    """A Dutch-Excel style CSV: ``;``, CRLF, quoted only where needed."""

    def quote(value: str) -> str:
        if any(ch in value for ch in ';"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [";".join(quote(v) for v in header)]
    lines += [";".join(quote(v) for v in row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


CellSpec = Any  # a value, or (value, number_format)


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[CellSpec]],
    *,
    sheet: str = "antwoorden",
    question_texts: Sequence[str] | None = None,
) -> Path:
    """The survey tool's layout: row 1 codes, row 2 question text, data from row 3.
    A cell given as ``(value, number_format)`` gets that format."""
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(list(header))
    worksheet.append(list(question_texts or [f"Vraag {h}" for h in header]))
    for row_index, row in enumerate(rows, start=3):
        for col_index, spec in enumerate(row, start=1):
            value, number_format = spec if isinstance(spec, tuple) else (spec, None)
            cell = worksheet.cell(row=row_index, column=col_index, value=value)
            if number_format:
                cell.number_format = number_format
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    workbook.save(path)
    return path


def rows_to_csv(path: Path, contract: EditionContract, rows: Sequence[Mapping[str, str]]) -> Path:
    header = list(rows[0].keys()) if rows else list(contract.headers)
    return write_csv(path, header, [[r.get(h, "") for h in header] for r in rows])


def rows_to_xlsx(path: Path, contract: EditionContract, rows: Sequence[Mapping[str, Any]]) -> Path:
    header = list(rows[0].keys()) if rows else list(contract.headers)
    return write_xlsx(path, header, [[r.get(h) for h in header] for r in rows])
