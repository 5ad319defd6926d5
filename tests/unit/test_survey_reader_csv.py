"""Reading the Dutch-Excel CSV exports (editions 2019-2021) strictly."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.core.contracts import EditionContract
from pipelines.core.survey_reader import FileReadResult, Rejection, read_survey_file
from tests.unit.survey_files import answer_row, rows_to_csv, write_csv

VALID = {"GM0363", "GM0599", "GM0344", "GM0014"}


def check_accounting(result: FileReadResult) -> None:
    assert result.n_rows == len(result.submissions) + len(result.empty_rows)
    rows = sorted([s.source_row for s in result.submissions] + result.empty_rows)
    assert rows == list(range(2, 2 + result.n_rows))


def test_clean_file(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    path = rows_to_csv(
        tmp_path / "export.csv",
        contract,
        [answer_row(contract), answer_row(contract, code="599", gemeentenaam="Rotterdam")],
    )
    result = read_survey_file(path, contract, VALID)
    check_accounting(result)
    assert result.source_file == "export.csv"
    assert result.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.unusable_reason is None and result.rejections == [] and result.warnings == []
    first, second = result.submissions
    assert (first.source_row, second.source_row) == (2, 3)
    assert first.municipality_code == "GM0363" and second.municipality_code == "GM0599"
    assert first.municipality_name == "Amsterdam" and second.municipality_name == "Rotterdam"
    assert first.boekjaar == 2020 and not first.row_rejected
    assert first.ingediend_op == datetime(2021, 3, 4, 14, 5)
    assert set(first.answers) == set(contract.numeric_questions)
    assert first.answers["inwoners"] == 931298.0
    assert first.answers["fte_organisatie"] == 15000.5
    assert first.answers["begroting_lasten"] == 7_000_000_000.0
    assert first.answers["kosten_saas"] == 18_000_000.0  # euros: factor 1 before 2022
    assert first.answers["tevredenheid_ict"] == 7.2
    assert first.answers["pct_plaatsonafhankelijk"] == 85.0
    assert first.raw_values["inwoners"] == "931.298"
    assert first.raw_values[contract.question_header("municipality_code")] == "GM0363"


def test_cp1252_crlf_and_accents(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2019]
    path = rows_to_csv(
        tmp_path / "e.csv",
        contract,
        [answer_row(contract, code="14", gemeentenaam="Súdwest-Fryslân")],
    )
    raw = path.read_bytes()
    assert b"\r\n" in raw and "â".encode("cp1252") in raw
    result = read_survey_file(path, contract, VALID)
    assert result.submissions[0].municipality_name == "Súdwest-Fryslân"
    assert result.submissions[0].municipality_code == "GM0014"


def test_shuffled_columns_and_unknown_column(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2020]
    row = answer_row(contract, kosten_hardware="1.234,5")
    header = [*sorted(row), "opmerking"]
    header.reverse()
    path = write_csv(tmp_path / "s.csv", header, [[row.get(h, "prima") for h in header]])
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is None
    assert result.warnings == [
        "s.csv: unknown column 'opmerking' in column A (not in the 2020 contract); "
        "its 1 non-empty cell is rejected"
    ]
    submission = result.submissions[0]
    assert submission.answers["kosten_hardware"] == 1234.5
    assert submission.municipality_code == "GM0363" and not submission.row_rejected
    assert "opmerking" not in submission.raw_values
    assert result.rejections == [
        Rejection(
            "s.csv",
            2,
            "opmerking",
            "prima",
            "unknown column 'opmerking' (not in the 2020 contract)",
        )
    ]


def test_missing_required_column_rejects_every_row(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    rows = [answer_row(contract), answer_row(contract, code="GM0599"), answer_row(contract)]
    for row in rows:
        del row["ingediend_op"]
    rows[2] = dict.fromkeys(rows[2], "")  # even the empty row is reported
    path = rows_to_csv(tmp_path / "m.csv", contract, rows)
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason == "m.csv: missing required column ingediend_op"
    assert result.n_rows == 3 and result.empty_rows == []
    assert [s.row_rejected for s in result.submissions] == [True, True, True]
    assert [s.municipality_code for s in result.submissions] == ["GM0363", "GM0599", None]
    row_rejections = [r for r in result.rejections if r.source_row is not None]
    assert [r.source_row for r in row_rejections] == [2, 3, 4]
    assert all("missing required column ingediend_op" in r.reason for r in row_rejections)
    file_level = [r for r in result.rejections if r.source_row is None]
    assert len(file_level) == 1 and file_level[0].reason == result.unusable_reason


def test_renamed_code_header_hint(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    """A 2023 file with the old header: the reason names the unknown column."""
    contract_2022 = contracts[2022]
    row = answer_row(contract_2022)
    path = write_csv(tmp_path / "x.csv", list(row), [list(row.values())])
    # read with a CSV variant of the 2023 contract: same columns, cbs_code required
    from dataclasses import replace

    csv_2023 = replace(contracts[2023], file=contracts[2021].file)
    result = read_survey_file(path, csv_2023, None)
    assert result.unusable_reason == (
        "x.csv: missing required column cbs_code (unknown columns present: gemeentecode)"
    )


def test_duplicate_header_is_unusable(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2019]
    row = answer_row(contract)
    header = [*row, "kosten_telecom"]
    path = write_csv(tmp_path / "d.csv", header, [[*row.values(), "5"]])
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is not None
    assert "duplicate column header 'kosten_telecom'" in result.unusable_reason
    assert result.n_rows == 1 and result.submissions[0].row_rejected


def test_cell_and_row_problems(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    rows = [
        answer_row(contract, tevredenheid_ict="7.5", fte_data="-1", kosten_overig="-200"),
        answer_row(contract, code="GM9999"),
        answer_row(contract, code="AB0363", boekjaar="2019"),
        answer_row(contract, submitted="03/04/2021"),
        answer_row(contract, code="n.v.t.", submitted=""),
        answer_row(contract, inwoners="12,5", aantal_applicaties="#DEEL/0!"),
        answer_row(contract, pct_plaatsonafhankelijk="0,85", fte_privacy="onbekend"),
        dict.fromkeys(answer_row(contract), " "),
    ]
    path = rows_to_csv(tmp_path / "p.csv", contract, rows)
    result = read_survey_file(path, contract, VALID)
    check_accounting(result)
    assert result.empty_rows == [9]
    by_row: dict[int, list[tuple[str | None, str]]] = {}
    for r in result.rejections:
        assert r.source_row is not None
        by_row.setdefault(r.source_row, []).append((r.column_name, r.reason))
    s = {sub.source_row: sub for sub in result.submissions}

    # row 2: cell rejections only; the row loads
    assert not s[2].row_rejected
    assert by_row[2] == [
        ("fte_data", "impossible value for fte: '-1' (must be at least 0)"),
        ("tevredenheid_ict", "decimal point where a decimal comma is expected: '7.5'"),
    ]
    assert s[2].answers["tevredenheid_ict"] is None and s[2].answers["fte_data"] is None
    assert s[2].answers["kosten_overig"] == -200.0  # a negative amount is implausible, kept
    # row 3: not a municipality on 1 January of the boekjaar
    assert s[3].row_rejected and s[3].municipality_code == "GM9999"
    assert by_row[3] == [("gemeentecode", "GM9999 is not a municipality on 1 January 2020")]
    # row 4: malformed code and wrong boekjaar: one rejection per problem
    assert s[4].row_rejected and s[4].municipality_code is None
    assert [c for c, _ in by_row[4]] == ["gemeentecode", "boekjaar"]
    assert "not a municipality code" in by_row[4][0][1]
    assert by_row[4][1][1] == "boekjaar 2019 does not match edition 2021 (expected 2020)"
    # row 5: ambiguous timestamp
    assert s[5].row_rejected and s[5].ingediend_op is None
    assert by_row[5][0][0] == "ingediend_op" and "ambiguous date format" in by_row[5][0][1]
    # row 6: required fields without an answer
    assert s[6].row_rejected
    assert by_row[6] == [
        ("gemeentecode", "required field gemeentecode has no answer ('n.v.t.')"),
        ("ingediend_op", "required field ingediend_op is empty"),
    ]
    # row 7: a fractional count, an Excel error value
    assert not s[7].row_rejected
    assert by_row[7] == [
        ("inwoners", "not a whole number: '12,5'"),
        ("aantal_applicaties", "spreadsheet error value '#DEEL/0!'"),
    ]
    # row 8: fraction -> percent, no-answer token -> missing, not an error
    assert 8 not in by_row
    assert s[8].answers["pct_plaatsonafhankelijk"] == 85.0
    assert s[8].answers["fte_privacy"] is None


def test_raw_values_in_rejections(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    path = rows_to_csv(tmp_path / "r.csv", contract, [answer_row(contract, kosten_saas="1,234.56")])
    (rejection,) = read_survey_file(path, contract, VALID).rejections
    assert (rejection.source_file, rejection.source_row) == ("r.csv", 2)
    assert (rejection.column_name, rejection.raw_value) == ("kosten_saas", "1,234.56")
    assert rejection.reason.startswith("mixed separators")


def test_no_code_check_without_valid_codes(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    path = rows_to_csv(tmp_path / "n.csv", contract, [answer_row(contract, code="GM9999")])
    result = read_survey_file(path, contract, None)
    assert not result.submissions[0].row_rejected and result.rejections == []


def test_shifted_row_is_rejected(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    row = answer_row(contract)
    path = tmp_path / "shift.csv"
    line = ";".join(row.values()).replace("Amsterdam", "Amster;dam")
    header = ";".join(row)
    path.write_bytes(f"{header}\r\n{line}\r\n".encode("cp1252"))
    result = read_survey_file(path, contract, VALID)
    (submission,) = result.submissions
    assert submission.row_rejected
    assert any("values may be shifted" in r.reason for r in result.rejections)


def test_short_rows_are_padded(tmp_path: Path, contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    row = answer_row(contract)
    header = list(row)
    values = list(row.values())[:-3]  # trailing empty cells left out
    path = tmp_path / "short.csv"
    path.write_bytes((";".join(header) + "\r\n" + ";".join(values) + "\r\n").encode("cp1252"))
    result = read_survey_file(path, contract, VALID)
    (submission,) = result.submissions
    assert not submission.row_rejected and submission.answers[header[-1]] is None


def test_blank_lines_count_as_empty_rows(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    row = answer_row(contract)
    path = tmp_path / "b.csv"
    content = ";".join(row) + "\r\n" + ";".join(row.values()) + "\r\n\r\n;;;\r\n"
    path.write_bytes(content.encode("cp1252"))
    result = read_survey_file(path, contract, VALID)
    assert result.n_rows == 3 and result.empty_rows == [3, 4] and len(result.submissions) == 1


def test_undecodable_file_is_unusable(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    path = rows_to_csv(tmp_path / "u.csv", contract, [answer_row(contract)])
    path.write_bytes(path.read_bytes().replace(b"Amsterdam", b"Amst\x81rdam"))
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is not None
    assert result.unusable_reason.startswith("u.csv: not readable as cp1252: byte 0x81")
    assert result.n_rows == 1 and result.submissions[0].row_rejected


def test_utf8_bom_is_honoured_with_a_warning(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    row = answer_row(contract, gemeentenaam="Súdwest-Fryslân", code="GM0014")
    path = write_csv(
        tmp_path / "bom.csv", list(row), [list(row.values())], encoding="utf-8", bom=True
    )
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is None
    assert result.submissions[0].municipality_name == "Súdwest-Fryslân"
    assert "byte-order mark" in result.warnings[0]


def test_utf8_without_bom_gets_a_warning(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    row = answer_row(contract, gemeentenaam="Súdwest-Fryslân", code="GM0014")
    path = write_csv(tmp_path / "u8.csv", list(row), [list(row.values())], encoding="utf-8")
    result = read_survey_file(path, contract, VALID)
    assert any("looks like UTF-8" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("content", "reason"), [(b"", "no header row"), (b'a;"b\r\nc', "malformed CSV")]
)
def test_unreadable_structure(
    tmp_path: Path, contracts: dict[int, EditionContract], content: bytes, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = read_survey_file(path, contracts[2021], VALID)
    assert result.unusable_reason is not None and reason in result.unusable_reason
    assert result.n_rows == 0 and result.rejections[0].source_row is None


def test_missing_optional_column_is_a_warning(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2021]
    row = answer_row(contract)
    del row["fte_data"]
    result = read_survey_file(rows_to_csv(tmp_path / "o.csv", contract, [row]), contract, VALID)
    assert result.unusable_reason is None
    assert result.warnings == [
        "o.csv: optional column 'fte_data' is missing; its answers are treated as not given"
    ]
    assert result.submissions[0].answers["fte_data"] is None


def test_duplicated_unknown_column_is_only_a_warning(
    tmp_path: Path, contracts: dict[int, EditionContract]
) -> None:
    contract = contracts[2019]
    row = answer_row(contract)
    header = ["opmerking", *row, "opmerking"]
    path = write_csv(tmp_path / "dd.csv", header, [["a", *row.values(), "b"]])
    result = read_survey_file(path, contract, VALID)
    assert result.unusable_reason is None
    assert result.warnings == [
        f"dd.csv: unknown column 'opmerking' in column {letter} (not in the 2019 contract); "
        "its 1 non-empty cell is rejected"
        for letter in ("A", "AB")
    ]
    assert [(r.column_name, r.raw_value) for r in result.rejections] == [
        ("opmerking", "a"),
        ("opmerking", "b"),
    ]
    assert not result.submissions[0].row_rejected


@pytest.mark.parametrize(("edition", "name"), [(2021, "export.xlsx"), (2022, "export.CSV")])
def test_a_file_named_for_another_format_is_refused(
    tmp_path: Path, contracts: dict[int, EditionContract], edition: int, name: str
) -> None:
    """A CSV renamed to .xlsx (or the reverse) is not guessed at: refused with the reason."""
    path = rows_to_csv(tmp_path / name, contracts[2021], [answer_row(contracts[2021])])
    result = read_survey_file(path, contracts[edition], VALID)
    expected = ".csv" if edition == 2021 else ".xlsx"
    assert result.unusable_reason is not None
    assert result.unusable_reason.startswith(f"{name}: a {Path(name).suffix.lower()} file")
    assert result.unusable_reason.endswith(f"deliver it as {expected}")
    assert result.submissions == [] and result.n_rows == 0
