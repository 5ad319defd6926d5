"""Write the bad-input corpus: real files as they might arrive, byte for byte.

    .venv/bin/python -m tests.bad_inputs.make_corpus          # (re)writes tests/bad_inputs/files

Deterministic: CSV bytes are spelled out, XLSX files are written by a minimal writer below
(no document properties, fixed zip timestamps), so two runs give identical files and the
expected outcomes in ``expected.yaml`` stay valid. It imports nothing from ``pipelines/``:
it plays the outside world. Every file is described in ``expected.yaml``.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

FILES_DIR = Path(__file__).resolve().parent / "files"
ZIP_TIMESTAMP = (2024, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------- CSV (2019-2021)

HEADER_2021 = [
    "gemeentecode",
    "gemeentenaam",
    "boekjaar",
    "ingediend_op",
    "inwoners",
    "fte_organisatie",
    "medewerkers",
    "werkplekken",
    "begroting_lasten",
    "kosten_personeel",
    "kosten_inhuur",
    "kosten_hardware",
    "kosten_licenties",
    "kosten_saas",
    "kosten_uitbesteding",
    "kosten_telecom",
    "kosten_overig",
    "kosten_informatiebeveiliging",
    "fte_werkplekbeheer",
    "fte_applicatiebeheer",
    "fte_functioneel_beheer",
    "fte_informatiemanagement",
    "fte_informatiebeveiliging",
    "fte_privacy",
    "fte_data",
    "fte_ontwikkeling",
    "fte_inhuur",
    "aantal_applicaties",
    "pct_plaatsonafhankelijk",
    "aantal_datalekken",
    "tevredenheid_ict",
]

# A complete, valid answer set in Dutch-Excel notation (edition 2021, amounts in euros).
BASE_2021: dict[str, str] = {
    "gemeentecode": "GM0363",
    "gemeentenaam": "Amsterdam",
    "boekjaar": "2020",
    "ingediend_op": "2021-03-01 09:00",
    "inwoners": "872.757",
    "fte_organisatie": "15.000,5",
    "medewerkers": "16.200",
    "werkplekken": "17.000",
    "begroting_lasten": "7.000.000.000",
    "kosten_personeel": "60.000.000",
    "kosten_inhuur": "20.000.000",
    "kosten_hardware": "10.000.000",
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

NAMES = {
    "GM0014": "Groningen",
    "GM0034": "Almere",
    "GM0200": "Apeldoorn",
    "GM0202": "Arnhem",
    "GM0268": "Nijmegen",
    "GM0344": "Utrecht",
    "GM0363": "Amsterdam",
    "GM0518": "'s-Gravenhage",
    "GM0599": "Rotterdam",
    "GM0772": "Eindhoven",
    "GM0855": "Tilburg",
    "GM1900": "Súdwest-Fryslân",
}
CODES = sorted(NAMES)


def row_2021(code: str = "GM0363", **overrides: str) -> list[str]:
    values = dict(BASE_2021)
    values["gemeentecode"] = code
    values["gemeentenaam"] = NAMES.get(code, "Onbekend")
    values.update(overrides)
    return [values[h] for h in HEADER_2021]


def quote(field: str, sep: str = ";") -> str:
    """Dutch Excel quotes a field only when it holds the separator, a quote or a newline."""
    if any(ch in field for ch in (sep, '"', "\r", "\n")):
        return '"' + field.replace('"', '""') + '"'
    return field


def csv_text(
    rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER_2021, eol: str = "\r\n"
) -> str:
    lines = [";".join(quote(v) for v in header)]
    lines += [";".join(quote(v) for v in row) for row in rows]
    return eol.join(lines) + eol


def csv_bytes(
    rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER_2021, eol: str = "\r\n"
) -> bytes:
    return csv_text(rows, header=header, eol=eol).encode("cp1252")


def rows_for(codes: Sequence[str], **overrides: str) -> list[list[str]]:
    return [row_2021(code, **overrides) for code in codes]


def csv_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    two = rows_for(["GM0363", "GM0599"])
    files["01_clean_control.csv"] = csv_bytes(two)

    accented = [row_2021("GM1900"), row_2021("GM0518")]
    files["02_utf8_bom.csv"] = b"\xef\xbb\xbf" + csv_text(accented).encode("utf-8")
    files["03_utf8_without_bom.csv"] = csv_text(accented).encode("utf-8")
    files["04_utf16_bom.csv"] = b"\xff\xfe" + csv_text(accented).encode("utf-16-le")
    files["05_utf16_without_bom.csv"] = csv_text(accented).encode("utf-16-le")
    files["06_cp1252_undecodable_byte.csv"] = csv_bytes(two).replace(b"Rotterdam", b"Rotterd\x81m")

    # an English export: ',' separated, decimal points
    english = [
        [v.replace(".", "").replace(",", ".") for v in row_2021(code)]
        for code in ("GM0363", "GM0599")
    ]
    files["07_comma_separated.csv"] = (
        "\r\n".join(",".join(r) for r in [HEADER_2021, *english]) + "\r\n"
    ).encode("cp1252")

    files["08_decimal_point_mixed_in_column.csv"] = csv_bytes(
        [
            row_2021("GM0363", fte_applicatiebeheer="120,5"),
            row_2021("GM0599", fte_applicatiebeheer="120.5", tevredenheid_ict="7.5"),
            row_2021("GM0344", fte_applicatiebeheer="1.205,5"),
            row_2021("GM0034", fte_applicatiebeheer="1,205.5"),
            row_2021("GM0518", fte_applicatiebeheer="1.205"),
        ]
    )
    files["09_bad_number_notation.csv"] = csv_bytes(
        [
            row_2021(
                "GM0363",
                kosten_hardware="1.23.4",
                kosten_overig="12.34.567",
                fte_data="0.500",
                inwoners="872.757,5",
            ),
            row_2021(
                "GM0599",
                kosten_telecom="1 234",
                kosten_saas="1,8E+07",
                begroting_lasten="€ 7.000.000.000",
                fte_organisatie="€ 15.000",
                kosten_hardware="12,",
            ),
        ]
    )
    files["10_code_spellings.csv"] = csv_bytes(
        [
            row_2021("GM0363", gemeentecode="0363"),
            row_2021("GM0599", gemeentecode="599"),
            row_2021("GM0344", gemeentecode="GM344"),
            row_2021("GM0014", gemeentecode=" gm0014 "),
            row_2021("GM1900", gemeentecode="Gm1900"),
            row_2021("GM0034", gemeentecode="34"),
        ]
    )
    files["11_code_spellings_same_municipality.csv"] = csv_bytes(
        [
            row_2021("GM0363", gemeentecode="0363"),
            row_2021("GM0363", gemeentecode="363", gemeentenaam="amsterdam"),
            row_2021("GM0363", gemeentecode="GM363", gemeentenaam="Gemeente Amsterdam"),
        ]
    )
    files["12_code_invalid.csv"] = csv_bytes(
        [
            row_2021("GM0363", gemeentecode="GM03630"),
            row_2021("GM0363", gemeentecode="GM 0363"),
            row_2021("GM0363", gemeentecode="AB0363"),
            row_2021("GM0363", gemeentecode="GM9999"),
            row_2021("GM0363", gemeentecode=""),
            row_2021("GM0363", gemeentecode="n.v.t."),
        ]
    )
    files["13_empty_file.csv"] = b""
    files["14_header_only.csv"] = csv_bytes([])

    no_boekjaar = [h for h in HEADER_2021 if h != "boekjaar"]
    files["15_missing_required_column.csv"] = csv_bytes(
        [[v for h, v in zip(HEADER_2021, r, strict=True) if h != "boekjaar"] for r in two],
        header=no_boekjaar,
    )
    files["16_unknown_extra_column.csv"] = csv_bytes(
        [[*row_2021("GM0363"), "graag bellen; vragen over 2019"]],
        header=[*HEADER_2021, "opmerking"],
    )
    files["17_duplicated_column.csv"] = csv_bytes(
        [[*row_2021("GM0363"), "11.000.000"]], header=[*HEADER_2021, "kosten_hardware"]
    )
    # row 3: '120,5' typed as '120;5' shifts every later answer one column to the right;
    # row 4: a trailing empty field left out (short rows are padded)
    shifted = ";".join(row_2021("GM0599")).replace(";120,5;", ";120;5;")
    files["18_shifted_columns.csv"] = (
        csv_text([row_2021("GM0363")])
        + shifted
        + "\r\n"
        + ";".join(row_2021("GM0344", tevredenheid_ict=""))[:-1]
        + "\r\n"
    ).encode("cp1252")
    files["19_timestamps.csv"] = csv_bytes(
        [
            row_2021("GM0363", ingediend_op="2021-03-01 09:00"),
            row_2021("GM0599", ingediend_op="1-3-2021 09:00"),
            row_2021("GM0344", ingediend_op="2021-03-01T09:00:00"),
            row_2021("GM0014", ingediend_op="03/04/2021"),
            row_2021("GM0034", ingediend_op="2021-03-01"),
            row_2021("GM0518", ingediend_op="1-3-21 09:00"),
            row_2021("GM0200", ingediend_op="2021-02-30 09:00"),
            row_2021("GM0202", ingediend_op="2021-03-01 09:00+01:00"),
        ]
    )
    files["20_negative_values.csv"] = csv_bytes(
        [
            row_2021(
                "GM0363",
                kosten_overig="-200",
                kosten_hardware="-1.000,50",
                fte_data="-1",
                fte_inhuur="-0,5",
                aantal_applicaties="-5",
                tevredenheid_ict="-3",
            ),
            row_2021("GM0599", inwoners="-872.757"),
        ]
    )
    pct = ["0,85", "85%", "85", "85 %", "0,5%", "1", "0", "150%", "1,5", "85%%"]
    files["21_percentages.csv"] = csv_bytes(
        [row_2021(code, pct_plaatsonafhankelijk=p) for code, p in zip(CODES, pct, strict=False)]
    )
    files["22_boekjaar_other_edition.csv"] = csv_bytes(
        [
            row_2021("GM0363", boekjaar="2021"),
            row_2021("GM0599", boekjaar="2020"),
            row_2021("GM0344", boekjaar="20"),
        ]
    )
    twice = csv_bytes([row_2021("GM0363"), row_2021("GM0599", ingediend_op="2021-03-02 10:00")])
    files["23_same_file_twice_a.csv"] = twice
    files["23_same_file_twice_b.csv"] = twice
    files["24_correction_export.csv"] = csv_bytes(
        [row_2021("GM0363", kosten_overig="1.000.000"), row_2021("GM0599")]
    )
    files["24_correction_later.csv"] = csv_bytes(
        [row_2021("GM0363", ingediend_op="15-4-2021 09:30", kosten_overig="88.000")]
    )
    files["25_conflict_a.csv"] = csv_bytes(
        [
            row_2021("GM0363", ingediend_op="2021-02-01 09:00", kosten_hardware="9.000.000"),
            row_2021("GM0363"),
        ]
    )
    files["25_conflict_b.csv"] = csv_bytes(
        [row_2021("GM0363", kosten_hardware="11.000.000", gemeentenaam="Gem. Amsterdam")]
    )
    multi_line = [row_2021("GM0363", gemeentenaam="Amsterdam\n(hoofdstad)"), row_2021("GM0599")]
    files["26_line_endings_lf.csv"] = csv_text(multi_line, eol="\n").encode("cp1252")
    files["27_line_endings_cr.csv"] = (csv_text(two, eol="\r") + ";;;\r\r").encode("cp1252")
    files["28_line_endings_mixed.csv"] = (
        ";".join(HEADER_2021) + "\r\n" + ";".join(two[0]) + "\n" + ";".join(two[1]) + "\r"
    ).encode("cp1252")
    files["29_no_answer_tokens.csv"] = csv_bytes(
        [
            row_2021(
                "GM0363",
                fte_data="n.v.t.",
                fte_privacy=" N.V.T. ",
                aantal_datalekken="onbekend",
                kosten_overig="-",
                tevredenheid_ict="nb",
                pct_plaatsonafhankelijk="NB",
                inwoners="",
            )
        ]
    )
    misspelled = ["Kosten_Licentie" if h == "kosten_licenties" else h for h in HEADER_2021]
    files["30_misspelled_header.csv"] = csv_bytes(
        [
            row_2021("GM0363"),
            row_2021("GM0599", kosten_licenties=""),
            row_2021("GM0344", kosten_licenties="n.v.t."),
        ],
        header=misspelled,
    )
    # an empty header field (a trailing ';') over a column that holds a remark in one row
    files["31_headerless_column.csv"] = csv_bytes(
        [[*row_2021("GM0363"), "zie mail"], [*row_2021("GM0599"), ""]],
        header=[*HEADER_2021, ""],
    )
    files["32_values_that_cannot_be_true.csv"] = csv_bytes(
        [
            row_2021("GM0363", boekjaar="99999999999"),
            row_2021("GM0599", kosten_hardware="9" * 400),
            row_2021("GM0344", werkplekken="1" + ".000" * 10),  # 10^30
            row_2021("GM0014", kosten_overig="1" + ".000" * 5),  # 10^15: the largest allowed
            row_2021("GM0034", ingediend_op="1850-03-01 09:00"),
        ]
    )
    return files


# --------------------------------------------------------------------------- XLSX (2022+)


@dataclass(frozen=True)
class Num:
    """A numeric cell with a number format."""

    value: float | int
    fmt: str


@dataclass(frozen=True)
class Date:
    value: datetime
    fmt: str = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Err:
    """An error cell (t="e")."""

    value: str


@dataclass(frozen=True)
class Formula:
    """A formula, with its cached value (None: never calculated)."""

    formula: str
    cached: float | int | str | Err | None = None


@dataclass(frozen=True)
class RawNum:
    """A numeric cell whose <v> text is written as given (e.g. '1E400', beyond a double)."""

    text: str


@dataclass(frozen=True)
class Blank:
    """A styled cell without a value (formatting only)."""

    fmt: str = "0.00"


Cell = str | int | float | bool | Num | Date | Err | Formula | Blank | RawNum | None

# numFmtId per format: built-ins where Excel has one, custom ids from 164.
BUILTIN_FORMATS = {"0%": 9, "0.00%": 10, "0.00": 2, "m/d/yy h:mm": 22}
CUSTOM_FORMATS = ("yyyy-mm-dd hh:mm", "d-m-yyyy h:mm", "dd-mm-yyyy")
STYLE_FORMATS = ("General", *BUILTIN_FORMATS, *CUSTOM_FORMATS)  # cellXfs index -> format

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def col_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_serial(value: datetime) -> float:
    return (value - datetime(1899, 12, 30)).total_seconds() / 86400


@dataclass
class Sheet:
    name: str
    rows: Mapping[int, Sequence[Cell]]  # row number -> cells from column A
    state: str = "visible"
    merges: Sequence[str] = ()
    dimension: str | None = None  # default: computed from the cells
    hidden_rows: Sequence[int] = ()
    hidden_columns: Sequence[int] = ()  # 1-based column numbers


class Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.index)
        n = len(self.index)
        return f'{XML_DECL}<sst xmlns="{MAIN_NS}" count="{n}" uniqueCount="{n}">{items}</sst>'


def style_of(fmt: str) -> int:
    return STYLE_FORMATS.index(fmt)


def cell_xml(ref: str, cell: Cell, strings: Strings) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Blank):
        return f'<c r="{ref}" s="{style_of(cell.fmt)}"/>'
    if isinstance(cell, RawNum):
        return f'<c r="{ref}"><v>{escape(cell.text)}</v></c>'
    if isinstance(cell, bool):
        return f'<c r="{ref}" t="b"><v>{int(cell)}</v></c>'
    if isinstance(cell, int | float):
        return f'<c r="{ref}"><v>{cell!r}</v></c>'
    if isinstance(cell, str):
        return f'<c r="{ref}" t="s"><v>{strings.add(cell)}</v></c>'
    if isinstance(cell, Num):
        return f'<c r="{ref}" s="{style_of(cell.fmt)}"><v>{cell.value!r}</v></c>'
    if isinstance(cell, Date):
        return f'<c r="{ref}" s="{style_of(cell.fmt)}"><v>{excel_serial(cell.value)!r}</v></c>'
    if isinstance(cell, Err):
        return f'<c r="{ref}" t="e"><v>{escape(cell.value)}</v></c>'
    formula = f"<f>{escape(cell.formula)}</f>"
    cached = cell.cached
    if cached is None:
        return f'<c r="{ref}">{formula}</c>'
    if isinstance(cached, Err):
        return f'<c r="{ref}" t="e">{formula}<v>{escape(cached.value)}</v></c>'
    if isinstance(cached, str):
        return f'<c r="{ref}" t="str">{formula}<v>{escape(cached)}</v></c>'
    return f'<c r="{ref}">{formula}<v>{cached!r}</v></c>'


def sheet_xml(sheet: Sheet, strings: Strings) -> str:
    rows_xml = []
    max_col = max_row = 1
    for number in sorted(sheet.rows):
        cells = sheet.rows[number]
        parts = [
            cell_xml(f"{col_letter(i)}{number}", cell, strings)
            for i, cell in enumerate(cells, start=1)
        ]
        if any(parts):
            max_row = max(max_row, number)
            max_col = max(max_col, max(i for i, p in enumerate(parts, start=1) if p))
            hidden = ' hidden="1"' if number in sheet.hidden_rows else ""
            rows_xml.append(f'<row r="{number}"{hidden}>{"".join(parts)}</row>')
    dimension = sheet.dimension or f"A1:{col_letter(max_col)}{max_row}"
    cols = ""
    if sheet.hidden_columns:
        cols = (
            "<cols>"
            + "".join(
                f'<col min="{c}" max="{c}" width="9" hidden="1"/>' for c in sheet.hidden_columns
            )
            + "</cols>"
        )
    merges = ""
    if sheet.merges:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merges)
        merges = f'<mergeCells count="{len(sheet.merges)}">{refs}</mergeCells>'
    return (
        f'{XML_DECL}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<dimension ref="{dimension}"/>{cols}<sheetData>{"".join(rows_xml)}</sheetData>'
        f"{merges}</worksheet>"
    )


def styles_xml() -> str:
    num_fmts = "".join(
        f"<numFmt numFmtId={quoteattr(str(164 + i))} formatCode={quoteattr(code)}/>"
        for i, code in enumerate(CUSTOM_FORMATS)
    )
    ids = [0, *BUILTIN_FORMATS.values(), *range(164, 164 + len(CUSTOM_FORMATS))]
    xfs = "".join(
        f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" xfId="0"'
        f"{' applyNumberFormat=' + quoteattr('1') if i else ''}/>"
        for i in ids
    )
    return (
        f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}">'
        f'<numFmts count="{len(CUSTOM_FORMATS)}">{num_fmts}</numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(ids)}">{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    strings = Strings()
    worksheets = [sheet_xml(sheet, strings) for sheet in sheets]
    n = len(sheets)
    content_types = (
        f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        + '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    )
    root_rels = (
        f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        + "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}"'
            f'{"" if s.state == "visible" else " state=" + quoteattr(s.state)} r:id="rId{i}"/>'
            for i, s in enumerate(sheets, start=1)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    )
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": styles_xml(),
        **{f"xl/worksheets/sheet{i}.xml": xml for i, xml in enumerate(worksheets, start=1)},
        "xl/sharedStrings.xml": strings.xml(),
    }
    return zip_bytes({name: text.encode("utf-8") for name, text in parts.items()})


def zip_bytes(parts: Mapping[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


HEADER_2022 = list(HEADER_2021)
HEADER_2023 = ["cbs_code", *HEADER_2021[1:]]

# The survey tool's row: numbers as numeric cells, amounts in k€, a real date-time cell.
BASE_XLSX: dict[str, Cell] = {
    "gemeentecode": "GM0363",
    "gemeentenaam": "Amsterdam",
    "boekjaar": 2021,
    "ingediend_op": Date(datetime(2022, 3, 1, 9, 0)),
    "inwoners": 872757,
    "fte_organisatie": 15000.5,
    "medewerkers": 16200,
    "werkplekken": 17000,
    "begroting_lasten": 7000000,
    "kosten_personeel": 60000,
    "kosten_inhuur": 20000,
    "kosten_hardware": 10000,
    "kosten_licenties": 12000,
    "kosten_saas": 18000,
    "kosten_uitbesteding": 25000,
    "kosten_telecom": 5000,
    "kosten_overig": 2500,
    "kosten_informatiebeveiliging": 4000,
    "fte_werkplekbeheer": 80,
    "fte_applicatiebeheer": 120.5,
    "fte_functioneel_beheer": 150,
    "fte_informatiemanagement": 60,
    "fte_informatiebeveiliging": 25,
    "fte_privacy": 12,
    "fte_data": 30,
    "fte_ontwikkeling": 45,
    "fte_inhuur": 90,
    "aantal_applicaties": 850,
    "pct_plaatsonafhankelijk": Num(0.85, "0%"),
    "aantal_datalekken": 40,
    "tevredenheid_ict": 7.2,
}


def xrow(
    code: str = "GM0363", header: Sequence[str] = HEADER_2022, **overrides: Cell
) -> list[Cell]:
    values = dict(BASE_XLSX)
    values["gemeentecode"] = code
    values["gemeentenaam"] = NAMES.get(code, "Onbekend")
    if header[0] == "cbs_code":
        values["cbs_code"] = values.pop("gemeentecode")
        values["boekjaar"] = 2022
        values["ingediend_op"] = Date(datetime(2023, 3, 1, 9, 0))
    values.update(overrides)
    return [values[h] for h in header]


def survey_sheet(
    data_rows: Sequence[Sequence[Cell]],
    header: Sequence[str] = HEADER_2022,
    *,
    name: str = "antwoorden",
    first_row: int = 3,
    extra_rows: Mapping[int, Sequence[Cell]] | None = None,
    **kwargs: object,
) -> Sheet:
    rows: dict[int, Sequence[Cell]] = {1: list(header), 2: [f"Vraag: {h}" for h in header]}
    for offset, row in enumerate(data_rows):
        rows[first_row + offset] = row
    rows.update(extra_rows or {})
    return Sheet(name, rows, **kwargs)  # type: ignore[arg-type]


def explanation_sheet(name: str = "toelichting", state: str = "visible") -> Sheet:
    return Sheet(name, {1: ["Toelichting bij de ICT-benchmark"], 2: ["Bedragen in k€"]}, state)


def xlsx_files_2022() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["01_clean_control.xlsx"] = xlsx_bytes(
        [explanation_sheet(), survey_sheet([xrow("GM0363"), xrow("GM0599")])]
    )
    files["02_formulas.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow(
                        "GM0363",
                        gemeentenaam=Formula('"Amster"&"dam"', "Amsterdam"),
                        kosten_hardware=Formula("4000+6000", 10000),
                        kosten_overig=Formula("L3/0", Err("#DEEL/0!")),
                        aantal_applicaties=Formula("SUM(1,2)"),
                        fte_data=Formula('IF(1,"n.v.t.",0)', "n.v.t."),
                    ),
                    xrow("GM0599", ingediend_op=Formula("NOW()")),
                ]
            )
        ]
    )
    files["03_error_cells.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow(
                        "GM0363",
                        kosten_telecom=Err("#DIV/0!"),
                        kosten_overig=Err("#DEEL/0!"),
                        aantal_applicaties="#N/B",
                    ),
                    xrow("GM0599", gemeentecode=Err("#WAARDE!")),
                ]
            )
        ]
    )
    merged_rows = [
        xrow("GM0363"),
        xrow("GM0599", gemeentenaam=None),
        xrow("GM0344", kosten_hardware=22000, kosten_licenties=None),
        xrow("GM0034"),
        xrow("GM0518", boekjaar=None),
    ]
    files["04_merged_cells.xlsx"] = xlsx_bytes(
        [survey_sheet(merged_rows, merges=["A2:D2", "B3:B4", "L5:M5", "C6:C7"])]
    )
    hidden_old = survey_sheet(
        [xrow("GM0363", kosten_personeel=99999), xrow("GM0855")], name="antwoorden_oud"
    )
    hidden_old.state = "hidden"
    files["05_hidden_sheet_antwoorden_not_first.xlsx"] = xlsx_bytes(
        [explanation_sheet(), hidden_old, survey_sheet([xrow("GM0363"), xrow("GM0599")])]
    )
    files["06_antwoorden_sheet_hidden.xlsx"] = xlsx_bytes(
        [explanation_sheet("Blad1"), survey_sheet([xrow("GM0363")], state="hidden")]
    )
    files["07_timestamps.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow("GM0363", ingediend_op=Date(datetime(2022, 3, 1, 9, 0))),
                    xrow("GM0599", ingediend_op=Date(datetime(2022, 3, 1, 9, 0), "d-m-yyyy h:mm")),
                    xrow("GM0344", ingediend_op="2022-03-01 09:00"),
                    xrow("GM0014", ingediend_op="1-3-2022 09:00"),
                    xrow("GM0034", ingediend_op="03/04/2022"),
                    xrow("GM0518", ingediend_op=Date(datetime(2022, 3, 1), "dd-mm-yyyy")),
                    xrow("GM0200", ingediend_op=44621.375),
                    xrow("GM0202", ingediend_op=Num(44624.586805555555 - 4.6e-9, "m/d/yy h:mm")),
                ]
            )
        ]
    )
    pct: list[Cell] = [
        Num(0.85, "0%"),
        Num(0.855, "0.00%"),
        "85%",
        "0,85",
        85,
        0.85,
        Num(85, "0%"),
        1,
    ]
    pct_rows = [xrow(code, pct_plaatsonafhankelijk=p) for code, p in zip(CODES, pct, strict=False)]
    pct_rows.append(xrow(CODES[len(pct)], fte_data=Num(0.5, "0%")))
    files["08_percentages.xlsx"] = xlsx_bytes([survey_sheet(pct_rows)])
    files["09_kEUR_amounts_as_text.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow(
                        "GM0363",
                        kosten_hardware="2.450,5",
                        kosten_licenties=2450.5,
                        kosten_saas="2450.5",
                        kosten_telecom="€ 1.000",
                        kosten_overig="2.450",
                        begroting_lasten="7.000.000",
                        inwoners="872.757",
                    )
                ]
            )
        ]
    )
    wide_blank = [Blank()] * 52
    files["10_trailing_empty_rows_and_columns.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    [*xrow("GM0363"), Blank(), Blank(), "", None, Blank()],
                    xrow("GM0599"),
                    [],
                    [None, " "],
                ],
                extra_rows={n: wide_blank for n in range(7, 41)},
            )
        ]
    )
    files["11_dimension_too_small.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [xrow("GM0363"), xrow("GM0599"), xrow("GM0344")],
                dimension=f"A1:{col_letter(len(HEADER_2022))}3",
            )
        ]
    )
    files["12_codes_in_cells.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow("GM0363", gemeentecode=363),
                    xrow("GM0599", gemeentecode="0599"),
                    xrow("GM0344", gemeentecode=344.0),
                    xrow("GM0034", gemeentecode=" gm0034 "),
                    xrow("GM0518", gemeentecode=518.5),
                    xrow("GM0014", gemeentecode=True),
                ]
            )
        ]
    )
    files["13_not_a_workbook.xlsx"] = csv_bytes([row_2021("GM0363")])
    files["14_empty_file.xlsx"] = b""
    files["15_boekjaar_other_edition.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow("GM0363", boekjaar=2022),
                    xrow("GM0599", boekjaar="2021"),
                    xrow("GM0344", boekjaar=2021.0),
                ]
            )
        ]
    )
    files["16_negative_values.xlsx"] = xlsx_bytes(
        [survey_sheet([xrow("GM0363", fte_data=-1, kosten_overig=-200, medewerkers=-3)])]
    )
    files["17_legacy_xls_or_encrypted.xlsx"] = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"EncryptedPackage" + bytes(64)
    )
    # no question-text row: the answers start in row 2
    files["18_answers_from_row_2.xlsx"] = xlsx_bytes(
        [Sheet("antwoorden", {1: HEADER_2022, 2: xrow("GM0363"), 3: xrow("GM0599")})]
    )
    files["19_answers_from_row_2_bad_code.xlsx"] = xlsx_bytes(
        [
            Sheet(
                "antwoorden",
                {1: HEADER_2022, 2: xrow("GM0363", gemeentecode="GM 0363"), 3: xrow("GM0599")},
            )
        ]
    )
    files["20_unknown_and_headerless_columns.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    [*xrow("GM0363"), "graag bellen"],
                    [*xrow("GM0599"), None, None, "x"],
                    [*xrow("GM0344"), None],
                ],
                [*HEADER_2022, "toelichting"],
            )
        ]
    )
    files["21_hidden_rows_and_columns.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [xrow("GM0363"), xrow("GM0599"), xrow("GM0344")],
                hidden_rows=[4],
                hidden_columns=[HEADER_2022.index("kosten_licenties") + 1],
            )
        ]
    )
    files["22_values_that_cannot_be_true.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow("GM0363", boekjaar=99999999999),
                    xrow("GM0599", werkplekken=1e30),
                    xrow("GM0344", kosten_saas=RawNum("1E400")),
                    xrow("GM0014", kosten_hardware=2e12),  # k€: 2 * 10^15 euros
                    xrow("GM0034", ingediend_op=Num(-5, "yyyy-mm-dd hh:mm")),  # 25-12-1899
                ]
            )
        ]
    )
    return files


def xlsx_files_2023() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    files["01_old_code_header.xlsx"] = xlsx_bytes(
        [survey_sheet([xrow("GM0363", header=HEADER_2023)], header=HEADER_2022)]
    )
    files["02_header_case_and_spaces.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [xrow("GM0363", header=HEADER_2023)],
                header=[" CBS_Code ", "Gemeentenaam", "BOEKJAAR", *HEADER_2023[3:]],
            )
        ]
    )
    files["03_sheet_name_case.xlsx"] = xlsx_bytes(
        [survey_sheet([xrow("GM0363", header=HEADER_2023)], HEADER_2023, name="Antwoorden")]
    )
    files["04_duplicated_column.xlsx"] = xlsx_bytes(
        [survey_sheet([[*xrow("GM0363", header=HEADER_2023), 12.5]], [*HEADER_2023, "fte_data"])]
    )
    misspelled = ["kosten_licentie" if h == "kosten_licenties" else h for h in HEADER_2023]
    files["05_misspelled_header.xlsx"] = xlsx_bytes(
        [
            survey_sheet(
                [
                    xrow("GM0363", header=HEADER_2023),
                    xrow("GM0599", header=HEADER_2023),
                    xrow("GM0344", header=HEADER_2023, kosten_licenties=None),
                ],
                misspelled,
            )
        ]
    )
    return files


EDITIONS: dict[str, Callable[[], dict[str, bytes]]] = {
    "2021": csv_files,
    "2022": xlsx_files_2022,
    "2023": xlsx_files_2023,
}


def corpus() -> dict[str, bytes]:
    """Every corpus file: ``<edition>/<name>`` -> bytes."""
    return {
        f"{edition}/{name}": data
        for edition, build in EDITIONS.items()
        for name, data in build().items()
    }


def write_corpus(target: Path = FILES_DIR) -> int:
    if target.exists():
        shutil.rmtree(target)
    files = corpus()
    for relative, data in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return len(files)


def main() -> None:
    print(f"wrote {write_corpus()} files under {FILES_DIR}")


if __name__ == "__main__":
    main()
