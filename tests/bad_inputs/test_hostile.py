"""Hostile files: odd file names are only data; zip bombs, XML entity bombs, huge lines
and oversized files are refused quickly (file unusable, with the reason) in bounded memory."""

from __future__ import annotations

import io
import random
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from pipelines.core import survey_reader, survey_xlsx
from pipelines.core.contracts import EditionContract, load_contract
from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import FileReadResult, read_survey_file
from tests.bad_inputs.make_corpus import (
    FILES_DIR,
    HEADER_2021,
    csv_bytes,
    row_2021,
    survey_sheet,
    xlsx_bytes,
    xrow,
    zip_bytes,
)

VALID = frozenset({"GM0363", "GM0599"})
MIB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


@pytest.fixture(scope="module")
def csv_contract() -> EditionContract:
    return load_contract(2021)


@pytest.fixture(scope="module")
def xlsx_contract() -> EditionContract:
    return load_contract(2022)


@contextmanager
def bounded(seconds: float, megabytes: float) -> Iterator[None]:
    """Fail when the block takes longer or allocates more (Python heap peak) than given."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * MIB, f"peak {peak / MIB:.0f} MiB"


def assert_refused(result: FileReadResult, name: str, fragment: str) -> None:
    assert result.unusable_reason is not None, "file should be refused"
    assert fragment in result.unusable_reason, result.unusable_reason
    assert result.unusable_reason.startswith(f"{name}: ")
    assert result.n_rows == 0 and result.submissions == []
    assert [(r.source_file, r.source_row) for r in result.rejections] == [(name, None)]


def xlsx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def valid_xlsx_parts() -> dict[str, bytes]:
    return xlsx_parts(xlsx_bytes([survey_sheet([xrow("GM0363")])]))


# --------------------------------------------------------------------------- file names

HOSTILE_NAMES = [
    "it's; DROP TABLE raw.survey_submissions; --.csv",
    "a..b.csv",
    "..leading dots.csv",
    "naam met  spaties .csv",
    "Súdwest–Fryslân ü 🎉.csv",
    "e\u0301xport.csv",  # decomposed accent (NFD): must not be normalised
    "$(touch pwned) `id` %s {0}.csv",
    'back\\slash "quote".csv',
    "tab\there\nnewline.csv",
    "-rf.csv",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_file_name_is_only_data(tmp_path: Path, csv_contract: EditionContract, name: str) -> None:
    folder = tmp_path / "landing"
    folder.mkdir()
    data = csv_bytes([row_2021("GM0363"), row_2021("GM0599", gemeentecode="GM9999")])
    (folder / name).write_bytes(data)
    copy = f"copy of {name}"
    (folder / copy).write_bytes(data)
    before = sorted(tmp_path.rglob("*"))

    # reached through a path with '..' in it: still the plain file name
    result = read_survey_file(folder / ".." / "landing" / name, csv_contract, VALID)
    other = read_survey_file(folder / copy, csv_contract, VALID)

    assert sorted(tmp_path.rglob("*")) == before  # nothing was created from the name
    assert result.source_file == name  # round-trips exactly (no normalisation)
    assert result.unusable_reason is None and result.n_rows == 2
    assert {s.source_file for s in result.submissions} == {name}
    assert [(r.source_file, r.source_row, r.column_name) for r in result.rejections] == [
        (name, 3, "gemeentecode")
    ]
    # an identical resubmission: the first by file name is loaded, the other points to it
    resolved = resolve_submissions([result, other])
    first, second = sorted([name, copy])
    superseded = [(r.source_file, r.superseded_by) for r in resolved.records if r.superseded_by]
    assert superseded == [(second, f"{first}:2")]
    assert [s.key for s in resolved.loaded] == [f"{first}:2"]


def test_hostile_name_of_an_unusable_file(tmp_path: Path, xlsx_contract: EditionContract) -> None:
    name = "'; DROP TABLE x; --  ../../etc/passwd .xlsx".replace("/", "∕")
    path = tmp_path / name
    path.write_bytes(b"")
    result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, name, "not a readable XLSX workbook")


# --------------------------------------------------------------------------- zip bombs


def test_limits_are_module_constants() -> None:
    assert survey_reader.MAX_XLSX_UNCOMPRESSED_BYTES == 100 * MIB
    assert survey_reader.MAX_XLSX_COMPRESSION_RATIO == 100
    assert survey_reader.MAX_FILE_BYTES == 200 * MIB


def test_zip_bomb_over_the_uncompressed_limit_is_refused(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    """A sheet of 210 MiB of '0' (written streaming: the test holds 1 MiB at a time)."""
    path = tmp_path / "bomb.xlsx"
    chunk = b"0" * MIB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in valid_xlsx_parts().items():
            if name != SHEET:
                archive.writestr(name, data)
        with archive.open(SHEET, "w") as part:
            for _ in range(210):
                part.write(chunk)
    assert path.stat().st_size < 2 * MIB
    with bounded(seconds=5, megabytes=30):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "bomb.xlsx", "refused as a possible zip bomb")
    assert "uncompressed (limit 104,857,600)" in (result.unusable_reason or "")


def test_extreme_compression_ratio_is_refused(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    parts = valid_xlsx_parts()
    parts[STRINGS] = b"<" + b"\x00" * (20 * MIB)  # 20 MiB, far under the size limit
    path = tmp_path / "ratio.xlsx"
    path.write_bytes(zip_bytes(parts))
    with bounded(seconds=5, megabytes=60):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "ratio.xlsx", f"XLSX part '{STRINGS}' inflates")


def _patch_declared_size(data: bytes, part: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``part`` in the zip's central directory."""
    buffer = bytearray(data)
    name = part.encode()
    at = buffer.find(b"PK\x01\x02")
    while at != -1:
        name_length = int.from_bytes(buffer[at + 28 : at + 30], "little")
        if bytes(buffer[at + 46 : at + 46 + name_length]) == name:
            buffer[at + 24 : at + 28] = size.to_bytes(4, "little")
            return bytes(buffer)
        at = buffer.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{part} not in the central directory")


def test_lying_declared_size_is_refused_or_bounded(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    # declares 4 GB: refused on the directory alone, nothing inflated
    huge = tmp_path / "declares_huge.xlsx"
    huge.write_bytes(_patch_declared_size(zip_bytes(valid_xlsx_parts()), SHEET, 0xFFFFFFF0))
    with bounded(seconds=5, megabytes=20):
        result = read_survey_file(huge, xlsx_contract, VALID)
    assert_refused(result, "declares_huge.xlsx", "refused as a possible zip bomb")

    # declares 100 bytes but holds more: zipfile never inflates past the declared size,
    # so the part is cut short and the workbook is unreadable (not a crash, not a bomb)
    small = tmp_path / "declares_small.xlsx"
    parts = valid_xlsx_parts()
    parts[SHEET] = parts[SHEET] + b"<!--" + b" " * (5 * MIB) + b"-->"
    small.write_bytes(_patch_declared_size(zip_bytes(parts), SHEET, 100))
    with bounded(seconds=5, megabytes=20):
        result = read_survey_file(small, xlsx_contract, VALID)
    assert_refused(result, "declares_small.xlsx", "not a readable XLSX workbook")


def test_too_many_zip_entries_is_refused(tmp_path: Path, xlsx_contract: EditionContract) -> None:
    parts = valid_xlsx_parts()
    parts.update({f"xl/media/x{i}.bin": b"" for i in range(survey_reader.MAX_XLSX_ENTRIES)})
    path = tmp_path / "many.xlsx"
    path.write_bytes(zip_bytes(parts))
    with bounded(seconds=5, megabytes=50):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "many.xlsx", "parts (limit 1,000); refused")


# --------------------------------------------------------------------------- XML bombs

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE sst [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + "]>"
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


def _with_part(name: str, text: bytes) -> bytes:
    parts = valid_xlsx_parts()
    parts[name] = text
    return zip_bytes(parts)


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True
    assert survey_reader.XML_PARSER_IS_DEFUSED is True


@pytest.mark.parametrize(
    ("part", "content"),
    [
        (STRINGS, BILLION_LAUGHS.encode()),
        (SHEET, BILLION_LAUGHS.replace("sst", "worksheet").encode()),
        (STRINGS, BILLION_LAUGHS.encode("utf-16").replace(b'"UTF-8"', b'"UTF-16"')),
        (
            "xl/workbook.xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<workbook>&xxe;</workbook>",
        ),
    ],
    ids=["shared-strings", "sheet", "utf-16", "external-entity"],
)
def test_entity_declarations_are_refused_by_the_prescan(
    tmp_path: Path, xlsx_contract: EditionContract, part: str, content: bytes
) -> None:
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(_with_part(part, content))
    with bounded(seconds=5, megabytes=20):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "laughs.xlsx", f"XML part '{part}' declares a DTD or entities")


def test_entity_bomb_behind_the_prescan_window_is_refused_by_defusedxml(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    """A long comment pushes the DTD past the pre-scanned head: defusedxml still refuses."""
    padding = "<!--" + " " * (survey_reader.XML_PRESCAN_BYTES + 10) + "-->"
    content = BILLION_LAUGHS.replace("<!DOCTYPE", padding + "<!DOCTYPE", 1).encode()
    for part in (STRINGS, SHEET):
        path = tmp_path / f"late_{part.replace('/', '_')}"
        text = content if part == STRINGS else content.replace(b"sst", b"worksheet")
        path.write_bytes(_with_part(part, text))
        with bounded(seconds=5, megabytes=20):
            result = read_survey_file(path, xlsx_contract, VALID)
        assert_refused(result, path.name, "declares a DTD or entities")


def test_defusedxml_alone_refuses_the_bomb(
    tmp_path: Path, xlsx_contract: EditionContract, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(survey_xlsx, "_DTD_MARKERS", ())  # pre-scan off
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(_with_part(STRINGS, BILLION_LAUGHS.encode()))
    with bounded(seconds=5, megabytes=20):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "laughs.xlsx", "declares a DTD or entities")


# --------------------------------------------------------------------------- huge CSV


def _write_streaming(path: Path, pieces: Callable[[], Iterator[bytes]]) -> None:
    with path.open("wb") as handle:
        for piece in pieces():
            handle.write(piece)


def test_csv_with_a_50_mb_field_on_one_line_is_refused(
    tmp_path: Path, csv_contract: EditionContract
) -> None:
    path = tmp_path / "long_line.csv"

    def pieces() -> Iterator[bytes]:
        yield (";".join(HEADER_2021) + "\r\nGM0363;").encode()
        for _ in range(50):
            yield b"A" * MIB
        yield b"\r\n"

    _write_streaming(path, pieces)
    with bounded(seconds=5, megabytes=160):  # the file itself is 50 MiB
        result = read_survey_file(path, csv_contract, VALID)
    assert_refused(result, "long_line.csv", "line 2 is 52,428,809 characters long")


def test_csv_with_a_50_mb_quoted_multiline_field_is_refused(
    tmp_path: Path, csv_contract: EditionContract
) -> None:
    path = tmp_path / "long_field.csv"

    def pieces() -> Iterator[bytes]:
        yield (";".join(HEADER_2021) + '\r\nGM0363;"').encode()
        line = b"B" * 1023 + b"\n"
        for _ in range(50):
            yield line * 1024
        yield b'"\r\n'

    _write_streaming(path, pieces)
    with bounded(seconds=10, megabytes=200):
        result = read_survey_file(path, csv_contract, VALID)
    assert_refused(result, "long_field.csv", "is longer than 131,072 characters")


def test_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, csv_contract: EditionContract, xlsx_contract: EditionContract
) -> None:
    for name, contract in (("huge.csv", csv_contract), ("huge.xlsx", xlsx_contract)):
        path = tmp_path / name
        with path.open("wb") as handle:  # sparse: no disk or time spent
            handle.truncate(survey_reader.MAX_FILE_BYTES + 1)
        with bounded(seconds=1, megabytes=5):
            result = read_survey_file(path, contract, VALID)
        assert_refused(result, name, "bytes, over the limit of 209,715,200; not read")
        assert result.source_sha256 == ""


def test_csv_with_too_many_rows_or_fields_is_refused(
    tmp_path: Path, csv_contract: EditionContract
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_bytes((";".join(HEADER_2021) + "\r\n").encode() + b";;\r\n" * 60_000)
    with bounded(seconds=5, megabytes=100):
        result = read_survey_file(rows, csv_contract, VALID)
    assert_refused(result, "rows.csv", "more than 50,000 data rows")

    fields = tmp_path / "fields.csv"
    fields.write_bytes((";".join(HEADER_2021) + "\r\n" + ";" * 5000 + "\r\n").encode())
    result = read_survey_file(fields, csv_contract, VALID)
    assert_refused(result, "fields.csv", "row 2 has 5,001 fields (limit 1,000)")


# --------------------------------------------------------------------------- odd sheet XML


def _sheet_variant(edit: Callable[[str], str]) -> bytes:
    parts = valid_xlsx_parts()
    parts[SHEET] = edit(parts[SHEET].decode()).encode()
    return zip_bytes(parts)


@pytest.mark.parametrize(
    ("row_xml", "cell"),
    [
        ('<row r="1000000"><c r="A1000000"><v>1</v></c></row>', "A1000000"),
        ('<row r="3"><c r="XFD3"><v>1</v></c></row>', "XFD3"),
    ],
)
def test_far_away_values_are_refused(
    tmp_path: Path, xlsx_contract: EditionContract, row_xml: str, cell: str
) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(_sheet_variant(lambda x: x.replace("</sheetData>", row_xml + "</sheetData>")))
    with bounded(seconds=5, megabytes=50):
        result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "far.xlsx", f"a value in cell {cell}")


def test_duplicate_cell_is_refused(tmp_path: Path, xlsx_contract: EditionContract) -> None:
    path = tmp_path / "dup.xlsx"
    path.write_bytes(
        _sheet_variant(lambda x: x.replace('<c r="A3"', '<c r="A3" t="s"><v>0</v></c><c r="A3"', 1))
    )
    result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "dup.xlsx", "cell A3 appears twice")


def test_cells_out_of_order_without_dimension_are_all_read(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    """openpyxl's read-only rows drop such cells; the reader places them by reference."""
    import re

    def reverse_cells(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return re.sub(
            r'(<row r="\d+">)(.*?)(</row>)',
            lambda m: (
                m.group(1)
                + "".join(reversed(re.findall(r"<c .*?(?:/>|</c>)", m.group(2))))
                + m.group(3)
            ),
            xml,
        )

    path = tmp_path / "reversed.xlsx"
    path.write_bytes(_sheet_variant(reverse_cells))
    result = read_survey_file(path, xlsx_contract, VALID)
    assert result.unusable_reason is None and result.rejections == []
    (submission,) = result.submissions
    assert submission.municipality_code == "GM0363" and not submission.row_rejected
    assert submission.answers["tevredenheid_ict"] == 7.2
    assert submission.answers["kosten_personeel"] == 60_000_000.0


def test_corrupt_sheet_xml_is_unusable_not_a_crash(
    tmp_path: Path, xlsx_contract: EditionContract
) -> None:
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(_sheet_variant(lambda x: x[: len(x) // 2]))
    result = read_survey_file(path, xlsx_contract, VALID)
    assert_refused(result, "truncated.xlsx", "not a readable XLSX workbook")


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns about mangled parts
def test_mangled_workbooks_never_raise(tmp_path: Path, xlsx_contract: EditionContract) -> None:
    """Deterministic fuzzing: random edits to the XML parts of corpus workbooks give an
    unusable file or rows, never an exception, and the accounting always holds."""
    rng = random.Random(20240101)
    sources = [
        FILES_DIR / "2022" / name
        for name in ("01_clean_control.xlsx", "02_formulas.xlsx", "04_merged_cells.xlsx")
    ]
    alphabet = b'<>"=/ 0123456789AZrstvf:e-.'
    path = tmp_path / "mangled.xlsx"
    outcomes: Counter[bool] = Counter()
    for _ in range(300):
        parts = xlsx_parts(rng.choice(sources).read_bytes())
        part = rng.choice(sorted(parts))
        data = bytearray(parts[part])
        for _ in range(rng.randint(1, 5)):
            at = rng.randrange(len(data))
            action = rng.random()
            if action < 0.5:
                data[at] = rng.choice(alphabet)
            elif action < 0.75:
                del data[at : at + rng.randint(1, 30)]
            else:
                data[at:at] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        parts[part] = bytes(data)
        path.write_bytes(zip_bytes(parts))
        result = read_survey_file(path, xlsx_contract, VALID)
        assert result.n_rows == len(result.submissions) + len(result.empty_rows)
        if result.unusable_reason is not None:
            assert result.rejections[0].source_row is None
            assert result.rejections[0].reason == result.unusable_reason
        outcomes[result.unusable_reason is None] += 1
    assert outcomes[True] and outcomes[False]  # both kinds of outcome were exercised
