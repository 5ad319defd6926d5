"""Excel workbooks for analysts: per edition, the key tables of a published release.

`write_edition_workbooks` writes `ictbench_<edition>.xlsx` for every edition in
`marts.indicator_values` of the release it is given, read from the release's schema
`marts` only (labels, units and order from `marts.indicators` and `marts.peer_groups`,
never `dbt_project.yml`). The sheets and their columns are `SHEETS` below; the indicator
sheet gets one column per indicator on top of its fixed columns.

* Numbers are stored as numbers, dates as dates, with Excel number formats
  (`NUMBER_FORMATS`); Excel renders them in the reader's locale (`1.234,56` in a Dutch
  Excel). Values are not rounded for display: the file holds them to 16 significant
  digits (openpyxl's notation; Excel computes with 15), the number format rounds what
  is shown.
* Every table sheet has a frozen header row and an autofilter over its data.
* No text becomes a formula: every text cell is written as an explicit string cell
  (openpyxl would otherwise store text starting with `=` as a formula), and text starting
  with =, +, -, @, tab, CR or LF is marked `quotePrefix` as well, so Excel keeps it text
  when someone edits the cell. The text itself stays the mart's value.
* Deterministic: the same marts give byte-identical files. The document properties and
  the zip entries carry the edition's peildatum instead of the time of writing.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipelines.reporting.formatting import starts_like_formula

SCHEMA = "marts"
WORKBOOK_NAME = "ictbench_{edition}.xlsx"
SUPPRESSION_MIN = 5  # outputs.md: a peer statistic over fewer participants is suppressed

Kind = Literal["text", "yes_no", "count", "year", "date", "indicator", "change_pct"]

# Excel number format codes (stored in Excel's neutral notation: `,` groups thousands and
# `.` marks decimals; a Dutch Excel shows them as `.` and `,`). "indicator" cells take the
# format of their indicator's unit (`unit_format`).
NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "year": "0",
    "date": "dd-mm-yyyy",
    "euro": '"€ "#,##0.00',
    "percent": '#,##0.0" %"',  # percentages are published as 0–100
    "score": "0.0",
    "decimal": "#,##0.00",
    "change_pct": '+#,##0.0" %";-#,##0.0" %";0.0" %"',
}


def unit_format(unit: str | None) -> str:
    """The number format of a value in an indicator's unit (`marts.indicators.unit`)."""
    lowered = (unit or "").lower()
    if lowered.startswith("eur"):
        return NUMBER_FORMATS["euro"]
    if lowered == "percent":
        return NUMBER_FORMATS["percent"]
    if lowered.startswith("score"):
        return NUMBER_FORMATS["score"]
    return NUMBER_FORMATS["decimal"]


@dataclass(frozen=True)
class Column:
    header: str  # Dutch, as the analyst sees it
    field: str  # the column of the sheet's query (`SHEET_QUERIES`)
    kind: Kind
    width: int  # minimum width in characters; text columns grow with their content
    needs: str | None = None  # `table.column` outside outputs.md: left out when missing
    unit: str | None = None  # "indicator" cells: this unit, else the row's `unit` field


@dataclass(frozen=True)
class SheetSpec:
    title: str  # the tab's name
    tables: str  # the marts tables it shows, for the Toelichting
    about: str  # what it holds, for the Toelichting
    columns: tuple[Column, ...]
    freeze: str = "A2"  # the top-left cell that scrolls


# The workbook, sheet by sheet (after the "Toelichting", which describes these).
INDICATOR_SHEET = SheetSpec(
    title="Indicatoren per gemeente",
    tables="indicator_values, indicators, peer_groups",
    about=(
        "Per deelnemende gemeente de waarde van elke indicator (één kolom per indicator, "
        "in de volgorde van het tabblad Indicatordefinities). Leeg: geen waarde (antwoord "
        "ontbreekt, vraag in deze editie niet gesteld of noemer nul)."
    ),
    columns=(
        Column("Gemeentecode", "municipality_code", "text", 13),
        Column("Gemeente", "municipality_name", "text", 16),
        Column("Vergelijkingsgroep", "peer_group_label", "text", 20),
        Column("Inwoners op peildatum", "population", "count", 12, "indicator_values.population"),
        # ... then one "indicator" column per indicator, headed by its label_nl
    ),
    freeze="C2",
)
BENCHMARK_SHEET = SheetSpec(
    title="Benchmarks",
    tables="peer_benchmarks, peer_groups, indicators",
    about=(
        "Per vergelijkingsgroep (inwonersklasse, en alle deelnemers samen) en indicator: "
        "aantal deelnemers, 25e percentiel, mediaan, 75e percentiel en gemiddelde. Bij "
        f"minder dan {SUPPRESSION_MIN} deelnemers staat 'Onderdrukt' op Ja en zijn de "
        "statistieken leeg."
    ),
    columns=(
        Column("Vergelijkingsgroep", "peer_group_label", "text", 20),
        Column("Indicator", "indicator_label", "text", 24),
        Column("Eenheid", "unit_label", "text", 12),
        Column("Aantal deelnemers", "n_participants", "count", 11),
        Column("P25", "p25", "indicator", 12),
        Column("Mediaan", "median", "indicator", 12),
        Column("P75", "p75", "indicator", 12),
        Column("Gemiddelde", "mean", "indicator", 12),
        Column("Onderdrukt", "suppressed", "yes_no", 11),
    ),
)
DEFINITION_SHEET = SheetSpec(
    title="Indicatordefinities",
    tables="indicators",
    about="Per indicator: code, naam, eenheid, definitie en de eerste editie waarin hij "
    "gevraagd is.",
    columns=(
        Column("Indicatorcode", "indicator_code", "text", 16),
        Column("Indicator", "indicator_label", "text", 24),
        Column("Eenheid", "unit_label", "text", 12),
        Column("Definitie", "definition", "text", 40),
        Column("Eerste editie", "first_edition", "year", 9),
        Column(
            "Vergelijkbaarheid",
            "comparability_note",
            "text",
            24,
            "indicators.comparability_note",
        ),
    ),
)
TREND_SHEET = SheetSpec(
    title="Trendmonitor",
    tables="trend_monitor, indicators",
    about="De vijf trends van het trendartikel: per trend, indicator en editie (tot en met "
    "deze) de mediaan en de verandering ten opzichte van de vorige editie.",
    columns=(
        Column("Trend", "trend_code", "count", 7),
        Column("Trendnaam", "trend_label", "text", 20),
        Column("Indicator", "indicator_label", "text", 24),
        Column("Editie", "edition", "year", 8),
        Column("Peildatum", "peildatum", "date", 11, "trend_monitor.peildatum"),
        Column("Aantal deelnemers", "n_participants", "count", 11, "trend_monitor.n_participants"),
        Column("Mediaan", "median", "indicator", 12),
        Column("Verandering t.o.v. vorige editie", "change_vs_previous_pct", "change_pct", 13),
        Column("Onderdrukt", "suppressed", "yes_no", 11, "trend_monitor.suppressed"),
        Column(
            "Vergelijkbaar met vorige editie",
            "comparable_with_previous",
            "yes_no",
            13,
            "trend_monitor.comparable_with_previous",
        ),
        Column(
            "Toelichting trendbreuk",
            "trend_break_reason",
            "text",
            20,
            "trend_monitor.trend_break_reason",
        ),
    ),
)
SHEETS = (INDICATOR_SHEET, BENCHMARK_SHEET, DEFINITION_SHEET, TREND_SHEET)
ABOUT_TITLE = "Toelichting"

# Columns the queries read that outputs.md does not promise: NULL when the release lacks
# them (a sheet column that `needs` one is then left out).
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "indicator_values": {"population": "BIGINT", "peildatum": "DATE"},
    "indicators": {"sort_order": "INTEGER", "unit_nl": "VARCHAR", "comparability_note": "VARCHAR"},
    "trend_monitor": {
        "trend_name_nl": "VARCHAR",
        "indicator_order": "INTEGER",
        "peildatum": "DATE",
        "n_participants": "INTEGER",
        "suppressed": "BOOLEAN",
        "comparable_with_previous": "BOOLEAN",
        "trend_break_reason": "VARCHAR",
    },
}

# `{indicator_values}` etc. stand for the marts tables with their optional columns; `?` is
# the edition.
SHEET_QUERIES: dict[str, str] = {
    INDICATOR_SHEET.title: """
        select v.municipality_code, min(v.municipality_name) as municipality_name,
            min(coalesce(g.label_nl, v.peer_group)) as peer_group_label,
            min(v.population) as population,
            map(list(v.indicator_code), list(v.value)) as indicator_values
        from {indicator_values} as v
        left join {peer_groups} as g on g.peer_group = v.peer_group
        where v.edition = ?
        group by v.municipality_code
        order by v.municipality_code
    """,
    BENCHMARK_SHEET.title: """
        select coalesce(g.label_nl, b.peer_group) as peer_group_label,
            coalesce(i.label_nl, b.indicator_code) as indicator_label,
            coalesce(i.unit_nl, i.unit) as unit_label, i.unit,
            b.n_participants, b.p25, b.median, b.p75, b.mean, b.suppressed
        from {peer_benchmarks} as b
        left join {peer_groups} as g on g.peer_group = b.peer_group
        left join {indicators} as i on i.indicator_code = b.indicator_code
        where b.edition = ?
        order by g.sort_order nulls last, b.peer_group, i.sort_order nulls last,
            b.indicator_code
    """,
    DEFINITION_SHEET.title: """
        select i.indicator_code, i.label_nl as indicator_label,
            coalesce(i.unit_nl, i.unit) as unit_label, i.definition, i.first_edition,
            i.comparability_note
        from {indicators} as i
        order by i.sort_order nulls last, i.indicator_code
    """,
    TREND_SHEET.title: """
        select t.trend_code, coalesce(t.trend_name_nl, t.trend_name) as trend_label,
            coalesce(i.label_nl, t.indicator_code) as indicator_label, i.unit,
            t.edition, t.peildatum, t.n_participants, t.median, t.change_vs_previous_pct,
            t.suppressed, t.comparable_with_previous, t.trend_break_reason
        from {trend_monitor} as t
        left join {indicators} as i on i.indicator_code = t.indicator_code
        where t.edition <= ?
        order by t.trend_code, t.indicator_order nulls last, t.indicator_code, t.edition
    """,
}

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60
LINE_HEIGHT = 15  # points per line of a wrapped header

# Characters XML 1.0 cannot carry (openpyxl refuses them): replaced, never dropped silently.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str | None


def write_edition_workbooks(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, release_id: str | None = None
) -> list[Path]:
    """Write `ictbench_<edition>.xlsx` into `out_dir` (created) for every edition in
    `marts.indicator_values` of the release `con` is connected to; other
    `ictbench_*.xlsx` there are removed. Returns the paths, sorted. `release_id`, when
    given, is named in the Toelichting (the files then differ between releases)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    present = {table: _columns_of(con, table) for table in _TABLES}
    sources = {table: _source(table, present[table]) for table in _TABLES}
    editions = [
        int(row[0])
        for row in con.execute(
            f"select distinct edition from {sources['indicator_values']} order by 1"
        ).fetchall()
    ]
    indicators = _indicators(con, sources)
    written: list[Path] = []
    for edition in editions:
        path = out_dir / WORKBOOK_NAME.format(edition=edition)
        book, stamp = _edition_workbook(con, sources, present, indicators, edition, release_id)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(_deterministic_xlsx(book, stamp))
        os.replace(partial, path)  # whole or not at all, also over a read-only old file
        written.append(path)
    for stale in out_dir.glob(WORKBOOK_NAME.format(edition="*")):
        if stale not in written:
            stale.unlink()
    return sorted(written)


_TABLES = ("indicator_values", "peer_benchmarks", "indicators", "peer_groups", "trend_monitor")


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [SCHEMA, table],
    ).fetchall()
    return {str(row[0]) for row in rows}


def _source(table: str, present: set[str]) -> str:
    """The table as a query, with its missing optional columns as NULL."""
    if not present:
        raise ValueError(f"the release has no table {SCHEMA}.{table}")
    missing = [
        f"cast(null as {data_type}) as {column}"
        for column, data_type in OPTIONAL_COLUMNS.get(table, {}).items()
        if column not in present
    ]
    if not missing:
        return f"{SCHEMA}.{table}"
    return f"(select *, {', '.join(missing)} from {SCHEMA}.{table})"


def _has(present: Mapping[str, set[str]], needs: str | None) -> bool:
    if needs is None:
        return True
    table, column = needs.split(".")
    return column in present.get(table, set())


def _indicators(con: duckdb.DuckDBPyConnection, sources: Mapping[str, str]) -> list[Indicator]:
    """`marts.indicators` in their order, then any code `indicator_values` has besides."""
    rows = con.execute(
        f"""
        select indicator_code, label_nl, unit, sort_order from {sources["indicators"]}
        union all by name
        select distinct indicator_code, indicator_code as label_nl, null as unit,
            null as sort_order
        from {sources["indicator_values"]}
        where indicator_code not in (select indicator_code from {sources["indicators"]})
        order by sort_order nulls last, indicator_code
        """
    ).fetchall()
    return [Indicator(str(code), str(label or code), unit) for code, label, unit, _ in rows]


def _query(
    con: duckdb.DuckDBPyConnection, sources: Mapping[str, str], sheet: SheetSpec, edition: int
) -> list[dict[str, Any]]:
    sql = SHEET_QUERIES[sheet.title].format(**sources)
    cursor = con.execute(sql, [edition] if "?" in sql else [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _edition_workbook(
    con: duckdb.DuckDBPyConnection,
    sources: Mapping[str, str],
    present: Mapping[str, set[str]],
    indicators: Sequence[Indicator],
    edition: int,
    release_id: str | None,
) -> tuple[Workbook, datetime]:
    boekjaar, peildatum = con.execute(
        f"select min(boekjaar), min(peildatum) from {sources['indicator_values']} "
        "where edition = ?",
        [edition],
    ).fetchone() or (None, None)
    if peildatum is None and boekjaar is not None:
        peildatum = date(int(boekjaar), 1, 1)
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = ABOUT_TITLE
    counts: dict[str, int] = {}
    for spec in SHEETS:
        sheet = book.create_sheet(spec.title)
        columns = [c for c in spec.columns if _has(present, c.needs)]
        rows = _query(con, sources, spec, edition)
        if spec is INDICATOR_SHEET:
            columns += [Column(i.label, i.code, "indicator", 14, unit=i.unit) for i in indicators]
            rows = [_widen(row, indicators) for row in rows]
        _write_table(sheet, spec, columns, rows)
        counts[spec.title] = len(rows)
    _write_about(about, edition, boekjaar, peildatum, release_id, counts)
    book.properties.title = f"ICT-benchmark gemeenten, editie {edition}"
    book.properties.creator = "ictbench"
    stamp = datetime.combine(peildatum or date(1980, 1, 1), datetime.min.time())
    return book, stamp


def _widen(row: dict[str, Any], indicators: Sequence[Indicator]) -> dict[str, Any]:
    values = row.pop("indicator_values") or {}
    return row | {i.code: values.get(i.code) for i in indicators}


def _write_table(
    sheet: Worksheet, spec: SheetSpec, columns: Sequence[Column], rows: Sequence[dict[str, Any]]
) -> None:
    widths = [_width(column, rows) for column in columns]
    for index, (column, width) in enumerate(zip(columns, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=index)
        _put_text(cell, column.header)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_lines = max(_lines(c.header, w) for c, w in zip(columns, widths, strict=True))
    sheet.row_dimensions[1].height = LINE_HEIGHT * header_lines
    for row_number, row in enumerate(rows, start=2):
        suppressed = bool(row.get("suppressed"))
        for index, column in enumerate(columns, start=1):
            value = row.get(column.field)
            if suppressed and column.field in ("p25", "median", "p75", "mean"):
                value = None  # a suppressed statistic is never shown
            unit = column.unit or row.get("unit")
            _put(sheet.cell(row=row_number, column=index), column.kind, value, unit)
    last = get_column_letter(len(columns))
    sheet.freeze_panes = spec.freeze
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"


def _put(cell: Any, kind: Kind, value: Any, unit: str | None = None) -> None:
    """A value as `kind`; an "indicator" value in `unit`'s number format."""
    if value is None:
        return
    if kind == "text":
        _put_text(cell, str(value))
    elif kind == "yes_no":
        _put_text(cell, "Ja" if value else "Nee")
    elif kind == "date":
        cell.value = value
        cell.number_format = NUMBER_FORMATS["date"]
    else:
        number = float(value)
        if not math.isfinite(number):
            return  # Excel has no NaN or infinity: a blank, like a missing value
        cell.value = int(value) if isinstance(value, int) else number
        if kind == "indicator":
            cell.number_format = unit_format(unit)
        else:
            cell.number_format = NUMBER_FORMATS[kind]


def _put_text(cell: Any, text: str) -> None:
    """A string cell, never a formula (see the module docstring)."""
    # XML reads a bare CR as LF: store line breaks as Excel does, so the cell reads back
    # as written.
    text = _ILLEGAL_XML.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    cell.value = text
    cell.data_type = "s"
    if starts_like_formula(text):
        cell.quotePrefix = True


def _width(column: Column, rows: Sequence[Mapping[str, Any]]) -> int:
    longest_word = max((len(word) for word in column.header.split()), default=0) + 2
    width = max(column.width, longest_word)
    if column.kind == "text":
        content = max((len(str(r.get(column.field) or "")) for r in rows), default=0)
        width = max(width, content + 2)
    return min(width, MAX_WIDTH)


def _lines(text: str, width: int) -> int:
    """Lines `text` wraps to in a column `width` characters wide (roughly)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width - 1:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def _write_about(
    sheet: Worksheet,
    edition: int,
    boekjaar: int | None,
    peildatum: date | None,
    release_id: str | None,
    counts: Mapping[str, int],
) -> None:
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 44
    title = sheet.cell(row=1, column=1)
    _put_text(title, f"ICT-benchmark gemeenten: editie {edition}")
    title.font = Font(bold=True, size=14)
    facts: list[tuple[str, object, Kind]] = [
        ("Editie", edition, "year"),
        ("Boekjaar", boekjaar, "year"),
        ("Peildatum", peildatum, "date"),
        ("Deelnemende gemeenten", counts[INDICATOR_SHEET.title], "count"),
    ]
    if release_id is not None:
        facts.append(("Release", release_id, "text"))
    facts.append(
        (
            "Bron",
            "ictbench, gepubliceerde tabellen (schema marts); ook als DuckDB en Parquet",
            "text",
        )
    )
    row = 3
    for label, value, kind in facts:
        _put_text(sheet.cell(row=row, column=1), label)
        sheet.cell(row=row, column=1).font = Font(bold=True)
        _put(sheet.cell(row=row, column=2), kind, value)
        sheet.cell(row=row, column=2).alignment = Alignment(horizontal="left")
        row += 1
    row += 1
    for index, header in enumerate(("Tabblad", "Inhoud", "Tabellen (schema marts)"), start=1):
        cell = sheet.cell(row=row, column=index)
        _put_text(cell, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for spec in SHEETS:
        row += 1
        _put_text(sheet.cell(row=row, column=1), spec.title)
        _put_text(sheet.cell(row=row, column=2), spec.about)
        _put_text(sheet.cell(row=row, column=3), spec.tables)
        for column in (1, 2, 3):
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    notes = [
        f"Statistieken over minder dan {SUPPRESSION_MIN} deelnemers worden niet "
        "gepubliceerd: die cellen zijn leeg.",
        "Een gemeente zonder waarde voor een indicator telt voor die indicator niet mee "
        "in de benchmarks.",
        "Een lege vergelijkingsgroep: geen CBS-inwonertal op de peildatum; de gemeente "
        "telt dan alleen mee in 'alle deelnemers'.",
        "Getallen zijn onafgerond opgeslagen; de celopmaak rondt alleen de weergave af. "
        "Percentages staan als 0–100. Bedragen in euro's.",
    ]
    _put_text(sheet.cell(row=row, column=1), "Let op")
    sheet.cell(row=row, column=1).font = Font(bold=True)
    for note in notes:
        cell = sheet.cell(row=row, column=2)
        _put_text(cell, note)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1


def _deterministic_xlsx(book: Workbook, stamp: datetime) -> bytes:
    """The workbook as xlsx bytes that depend on its contents only: document
    properties and zip entries carry `stamp` instead of the time of writing."""
    book.properties.created = stamp
    book.properties.modified = stamp
    written = io.BytesIO()
    # openpyxl's `save_workbook` without its one line that stamps `modified` with now.
    ExcelWriter(book, ZipFile(written, "w", ZIP_DEFLATED, allowZip64=True)).save()
    repacked = io.BytesIO()
    zip_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    with ZipFile(written) as source, ZipFile(repacked, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = ZipInfo(info.filename, date_time=zip_time)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return repacked.getvalue()
