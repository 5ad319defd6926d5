"""Feedback files: the plausibility findings of an edition, back to the respondents.

`$ICTBENCH_WAREHOUSE/feedback/<edition>/<municipality_code>.xlsx` per municipality with
findings (columns: vraag, gegeven waarde, reden, toelichting/antwoord) and
`feedback/<edition>/overzicht.xlsx` for the bureau. Read from the published release
only (findings, indicator labels from `marts.indicators`, each question's unit from
`marts.survey_responses`), never the contracts or `dbt_project.yml`. Every text cell
goes through `spreadsheet_safe` (no formula injection).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.reporting.formatting import spreadsheet_safe

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ANSWER_FILL = PatternFill("solid", fgColor="FFF7E0")
THIN = Side(style="thin", color="BFBFBF")
WRAP = Alignment(wrap_text=True, vertical="top")

SEVERITY_NL = {"high": "hoog", "medium": "middel", "low": "laag"}

# Excel number formats per question unit, as `marts.survey_responses.unit` publishes it
# (Excel applies the reader's locale separators); "indicator" for indicator findings.
NUMBER_FORMATS = {
    "EUR": '"€ "#,##0',
    "percent": '0.0" %"',
    "score": "0.0",
    "FTE": '0.0" fte"',
    "count": "#,##0",
    "indicator": "#,##0.00",
}


@dataclass(frozen=True)
class Finding:
    edition: int
    municipality_code: str
    municipality_name: str | None
    question_code: str | None
    question_text: str | None
    indicator_code: str | None
    value: float | None
    finding_code: str
    severity: str
    message: str
    indicator_label: str | None = None  # marts.indicators.label_nl of indicator_code


def load_findings(published_db: Path, editions: Sequence[int]) -> list[Finding]:
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        rows = con.execute(
            """
            select f.edition, f.municipality_code, f.municipality_name, f.question_code,
                f.question_text, f.indicator_code, f.value, f.finding_code, f.severity,
                f.message, i.label_nl
            from marts.plausibility_findings as f
            left join marts.indicators as i on f.indicator_code = i.indicator_code
            where list_contains(?, f.edition)
            order by f.edition, f.municipality_code, f.finding_code, f.question_code
            """,
            [list(editions)],
        ).fetchall()
    finally:
        con.close()
    return [Finding(*row) for row in rows]


def load_question_units(published_db: Path, edition: int) -> dict[str, str]:
    """question code -> canonical unit (EUR, FTE, percent, ...) of an edition's numeric
    questions, as the release publishes them."""
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        rows = con.execute(
            "select distinct question_code, unit from marts.survey_responses "
            "where edition = ? and unit is not null",
            [edition],
        ).fetchall()
    finally:
        con.close()
    return {str(question): str(unit) for question, unit in rows}


def _question_label(finding: Finding) -> str:
    """The question code with the contract's Dutch text (carried by the finding)."""
    if finding.question_code:
        text = finding.question_text
        return f"{finding.question_code}: {text}" if text else finding.question_code
    label = finding.indicator_label or finding.indicator_code or ""
    return f"{label} (indicator, berekend uit uw antwoorden)"


def _number_format_key(finding: Finding, units: dict[str, str]) -> str:
    if finding.question_code:
        return units.get(finding.question_code, "count")
    return "indicator"


def _text(cell: Cell, text: str | None) -> None:
    cell.value = spreadsheet_safe(text)
    if text is not None:
        cell.data_type = "s"  # explicitly a string, never a formula


def _number(cell: Cell, value: float | None, format_key: str) -> None:
    if value is None or math.isnan(value):
        cell.value = None
        return
    cell.value = float(value)
    cell.number_format = NUMBER_FORMATS.get(format_key, "#,##0.##")


def _header(sheet: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    for column, (title, width) in enumerate(zip(titles, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column)
        _text(cell, title)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[1].height = 22
    sheet.freeze_panes = "A2"


def _finish_row(sheet: Worksheet, row: int, n_columns: int) -> None:
    for column in range(1, n_columns + 1):
        cell = sheet.cell(row=row, column=column)
        cell.alignment = WRAP
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)


def write_municipality_file(
    path: Path, edition: int, findings: Sequence[Finding], units: dict[str, str]
) -> None:
    first = findings[0]
    name = first.municipality_name or first.municipality_code
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "bevindingen"
    columns = ["vraag", "gegeven waarde", "reden", "toelichting/antwoord"]
    _header(sheet, columns, [44, 18, 80, 50])
    for row, finding in enumerate(findings, start=2):
        _text(sheet.cell(row=row, column=1), _question_label(finding))
        value_cell = sheet.cell(row=row, column=2)
        if finding.value is None:
            _text(value_cell, "(niet ingevuld)")
        else:
            _number(value_cell, finding.value, _number_format_key(finding, units))
        _text(sheet.cell(row=row, column=3), finding.message)
        answer = sheet.cell(row=row, column=4)
        answer.fill = ANSWER_FILL
        _finish_row(sheet, row, len(columns))
    sheet.auto_filter.ref = f"A1:D{len(findings) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1

    about = book.create_sheet("toelichting")
    lines = [
        f"ICT-benchmark gemeenten, editie {edition} (boekjaar {edition - 1})",
        f"Gemeente: {name} ({first.municipality_code})",
        "",
        "Bij de controle van uw antwoorden vielen ons de punten op het tabblad "
        "'bevindingen' op. Het zijn geen fouten maar vragen: de waarden zijn opgenomen "
        "zoals u ze gaf.",
        "Wilt u per regel in de kolom 'toelichting/antwoord' aangeven of de waarde klopt, "
        "of de juiste waarde noemen, en dit bestand terugsturen aan het benchmarkbureau?",
        "Bedragen staan in hele euro's (ook als de vragenlijst om duizenden euro's vroeg).",
    ]
    about.column_dimensions["A"].width = 110
    for row, line in enumerate(lines, start=1):
        cell = about.cell(row=row, column=1)
        _text(cell, line or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    about.cell(row=1, column=1).font = Font(bold=True, size=13)
    book.properties.title = f"Bevindingen ICT-benchmark {edition} {first.municipality_code}"
    book.properties.creator = "ictbench"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_overview(
    path: Path, edition: int, findings: Sequence[Finding], units: dict[str, str]
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"bevindingen {edition}"
    columns = ["gemeentecode", "gemeente", "bevinding", "ernst", "vraag", "waarde", "reden"]
    _header(sheet, columns, [14, 24, 32, 9, 40, 18, 90])
    for row, finding in enumerate(findings, start=2):
        _text(sheet.cell(row=row, column=1), finding.municipality_code)
        _text(sheet.cell(row=row, column=2), finding.municipality_name)
        _text(sheet.cell(row=row, column=3), finding.finding_code)
        _text(sheet.cell(row=row, column=4), SEVERITY_NL.get(finding.severity, finding.severity))
        _text(sheet.cell(row=row, column=5), _question_label(finding))
        _number(sheet.cell(row=row, column=6), finding.value, _number_format_key(finding, units))
        _text(sheet.cell(row=row, column=7), finding.message)
        _finish_row(sheet, row, len(columns))
    sheet.auto_filter.ref = f"A1:G{max(len(findings), 1) + 1}"
    book.properties.title = f"Overzicht bevindingen ICT-benchmark {edition}"
    book.properties.creator = "ictbench"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_feedback(published_db: Path, feedback_dir: Path, edition: int) -> list[Path]:
    """Write an edition's feedback files (replacing that edition's folder); the paths."""
    findings = load_findings(published_db, [edition])
    target = feedback_dir / str(edition)
    if target.exists():
        for old in target.glob("*.xlsx"):
            old.unlink()
    target.mkdir(parents=True, exist_ok=True)
    units = load_question_units(published_db, edition)
    written: list[Path] = []
    by_municipality: dict[str, list[Finding]] = {}
    for finding in findings:
        by_municipality.setdefault(finding.municipality_code, []).append(finding)
    for code, own in sorted(by_municipality.items()):
        path = target / f"{code}.xlsx"
        write_municipality_file(path, edition, own, units)
        written.append(path)
    overview = target / "overzicht.xlsx"
    write_overview(overview, edition, findings, units)
    written.append(overview)
    return written
