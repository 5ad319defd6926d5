"""CBS reference loaders on small hand-made files and on the real reference files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipelines.core.reference_data import (
    RULE_NEW_EXISTS,
    RULE_NO_CYCLE,
    RULE_OLD_ENDED,
    RULE_OLD_EXISTED,
    RULE_SHARES,
    ReferenceDataError,
    _merger_cycle,
    check_mergers,
    load_mergers,
    load_municipal_division,
    load_population,
    municipalities_on,
)

DIVISION = (
    "provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum\n"
    "27;Noord-Holland;0363;Amsterdam;1970-01-01;\n"
    "27;Noord-Holland;0457;Weesp;1970-01-01;2022-03-24\n"
    "28;Zuid-Holland;0620;Vianen;1970-01-01;2002-01-01\n"
    "26;Utrecht;0620;Vianen;2002-01-01;2019-01-01\n"
    "28;Zuid-Holland;1992;Voorne aan Zee;2023-01-01;\n"
)

POP_HEADER = (
    '"ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";"BevolkingOp1Januari_1"'
)


def pop_line(i: int, region: str, period: str, value: str, sex: str = "T001038") -> str:
    return f'"{i}";"{sex}";"10000";"T001019";"{region}";"{period}";"{value}"'


def write(path: Path, text: str, newline: str = "\n", bom: bool = False) -> Path:
    data = text.replace("\n", newline).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# ----------------------------------------------------------------------- division


@pytest.mark.parametrize(("newline", "bom"), [("\n", False), ("\r\n", True), ("\r", False)])
def test_division(tmp_path: Path, newline: str, bom: bool) -> None:
    frame = load_municipal_division(write(tmp_path / "g.csv", DIVISION, newline, bom))
    assert list(frame.columns) == [
        "municipality_code",
        "municipality_name",
        "province_code",
        "province_name",
        "valid_from",
        "valid_to",
    ]
    assert len(frame) == 5
    amsterdam = frame[frame.municipality_code == "GM0363"].iloc[0]
    assert amsterdam.valid_from == date(1970, 1, 1) and amsterdam.valid_to is None
    assert amsterdam.province_code == "27" and amsterdam.province_name == "Noord-Holland"
    assert municipalities_on(frame, date(2022, 1, 1)) == {"GM0363", "GM0457"}
    assert municipalities_on(frame, date(2022, 3, 24)) == {"GM0363"}  # end date exclusive
    assert municipalities_on(frame, date(2023, 1, 1)) == {"GM0363", "GM1992"}
    assert municipalities_on(frame, date(2018, 1, 1)) == {"GM0363", "GM0457", "GM0620"}


def test_municipalities_on_a_frame_read_back_from_duckdb(tmp_path: Path) -> None:
    frame = load_municipal_division(write(tmp_path / "g.csv", DIVISION))
    as_timestamps = frame.assign(
        valid_from=pd.to_datetime(frame.valid_from), valid_to=pd.to_datetime(frame.valid_to)
    )
    assert as_timestamps.valid_to.dtype.kind == "M"
    assert municipalities_on(as_timestamps, date(2022, 1, 1)) == {"GM0363", "GM0457"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("27;Noord-Holland;363;Amsterdam;1970-01-01;", "must be 4 digits"),
        ("27;Noord-Holland;0363;Amsterdam;01-01-1970;", "not a date YYYY-MM-DD"),
        ("27;Noord-Holland;0400;X;2020-01-01;2019-01-01", "is not after begindatum"),
        ("27;Noord-Holland;0400;X;2020-01-01", "expected 6 fields, got 5"),
        ("27;Noord-Holland;0457;Weesp;2020-01-01;", "overlapping validity periods"),
    ],
)
def test_division_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "g.csv", DIVISION + line + "\n")
    with pytest.raises(ReferenceDataError) as info:
        load_municipal_division(path)
    assert message in str(info.value)
    assert f"{path}:7" in str(info.value)


def test_division_header_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"g.csv:1: header must be"):
        load_municipal_division(write(tmp_path / "g.csv", "code;naam\n0363;Amsterdam\n"))


# ----------------------------------------------------------------------- population


def test_population_rules(tmp_path: Path) -> None:
    folder = tmp_path / "population"
    folder.mkdir()
    lines = [
        POP_HEADER,
        pop_line(0, "NL01  ", "2021JJ00", "17475415"),
        pop_line(1, "PV27  ", "2021JJ00", "2900000"),
        pop_line(2, "GM0363  ", "2021JJ00", "872757"),
        pop_line(3, "GM0363  ", "2021JJ00", "430000", sex="3000"),  # men only: not a total
        pop_line(4, "GM0457  ", "2021JJ00", "."),
        pop_line(5, "GM0363  ", "2020JJ00", "872680"),
    ]
    write(folder / "a.csv", "\n".join(lines) + "\n", "\r\n", bom=True)
    write(
        folder / "b.csv",
        "\n".join(
            [
                POP_HEADER,
                pop_line(0, "GM0363  ", "2021JJ00", "872757"),
                pop_line(1, "GM0363  ", "2022JJ00", "882633"),
            ]
        ),
    )
    frame = load_population(folder)
    assert list(frame.columns) == ["municipality_code", "reference_date", "population"]
    assert str(frame.population.dtype) == "Int64"
    rows = {(r.municipality_code, r.reference_date): r.population for r in frame.itertuples()}
    assert rows.keys() == {
        ("GM0363", date(2020, 1, 1)),
        ("GM0363", date(2021, 1, 1)),
        ("GM0363", date(2022, 1, 1)),
        ("GM0457", date(2021, 1, 1)),
    }
    assert rows[("GM0363", date(2021, 1, 1))] == 872757
    assert rows[("GM0363", date(2022, 1, 1))] == 882633
    assert pd.isna(rows[("GM0457", date(2021, 1, 1))])
    assert load_population([folder / "b.csv"]).shape == (2, 3)


def test_population_conflict_between_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", POP_HEADER + "\n" + pop_line(0, "GM0363  ", "2021JJ00", "1"))
    b = write(tmp_path / "b.csv", POP_HEADER + "\n" + pop_line(0, "GM0363  ", "2021JJ00", "2"))
    with pytest.raises(ReferenceDataError) as info:
        load_population([a, b])
    assert f"{b}:2" in str(info.value) and f"{a}:2" in str(info.value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (pop_line(0, "GM0363", "2021MM01", "5"), "Perioden must look like 2021JJ00"),
        (pop_line(0, "GM0363", "2021JJ00", "-5"), "whole number"),
        (pop_line(0, "GM0363", "2021JJ00", "5,5"), "whole number"),
        ('"0";"T001038"', "expected 7 fields"),
    ],
)
def test_population_errors(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path / "p.csv", POP_HEADER + "\n" + line + "\n")
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_population(path)
    assert f"{path}:2" in str(info.value)


def test_population_header_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="not a 03759ned export"):
        load_population(write(tmp_path / "p.csv", '"RegioS";"Perioden"\n'))


# ----------------------------------------------------------------------- mergers


def test_mergers_are_normalised(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "datum;oude_code;nieuwe_code;aandeel\n"
        "2021-01-01;GM0788;GM0757;0.15\n"
        "2021-01-01;GM0788;GM0824;0.42\n"
        "2021-01-01;GM0788;GM0855;0.08\n"
        "2021-01-01;GM0788;GM0865;0.345\n"
        "2022-03-24;GM0457;GM0363;1\n",
    )
    frame = load_mergers(path)
    assert list(frame.columns) == ["merger_date", "old_code", "new_code", "share"]
    haaren = frame[frame.old_code == "GM0788"]
    assert haaren.share.sum() == pytest.approx(1.0, abs=1e-12)
    assert haaren.share.iloc[0] == pytest.approx(0.15 / 0.995)
    weesp = frame[frame.old_code == "GM0457"].iloc[0]
    assert weesp.merger_date == date(2022, 3, 24) and weesp.share == 1.0


def test_merger_shares_not_adding_up_name_lines_and_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "datum;oude_code;nieuwe_code;aandeel\n"
        "2021-01-01;GM0788;GM0757;0.5\n"
        "2022-01-01;GM0457;GM0363;1\n"
        "2021-01-01;GM0788;GM0824;0.3\n",
    )
    with pytest.raises(ReferenceDataError) as info:
        load_mergers(path)
    assert str(info.value) == (
        f"{path}:2: the shares of GM0788 on 2021-01-01 add up to 0.8000, not 1 (lines 2, 4); "
        f"rule broken: {RULE_SHARES}"
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["2021-01-01;GM0788;GM0757;0,5"], "decimal point"),
        (["2021-01-01;0788;GM0757;1"], "oude_code must be GM + 4 digits"),
        (["2021-01-01;GM0788;GM0757;1.5"], "must be in (0, 1]"),
        (["2021-01-01;GM0788;GM0757;1", "2021-01-01;GM0788;GM0757;1"], "duplicate of line 2"),
    ],
)
def test_merger_errors(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write(tmp_path / "h.csv", "datum;oude_code;nieuwe_code;aandeel\n" + "\n".join(lines))
    with pytest.raises(ReferenceDataError) as info:
        load_mergers(path)
    assert message in str(info.value) and str(path) in str(info.value)


# ----------------------------------------------------------------------- mergers x division

MERGER_DIVISION = (
    "provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum\n"
    "20;Groningen;0001;Aadorp;2000-01-01;2020-01-01\n"
    "20;Groningen;0002;Bedorp;2000-01-01;2020-01-01\n"
    "20;Groningen;0003;Cedorp;2020-01-01;\n"
    "20;Groningen;0004;Dedorp;2000-01-01;\n"
    "20;Groningen;0005;Eedorp;2000-01-01;2020-01-01\n"
    "20;Groningen;0006;Fedorp;2000-01-01;\n"
    "20;Groningen;0008;Hedorp;2021-01-01;\n"
    # GM0010 dissolved into GM0011 in 2018 and came back in 2020 (only a cycle is wrong)
    "20;Groningen;0010;Jedorp;2000-01-01;2018-01-01\n"
    "20;Groningen;0010;Jedorp;2020-01-01;\n"
    "20;Groningen;0011;Kedorp;2000-01-01;2020-01-01\n"
)
MERGERS_OK = (
    "datum;oude_code;nieuwe_code;aandeel\n"
    "2020-01-01;GM0001;GM0003;1\n"  # merger into a new municipality
    "2020-01-01;GM0002;GM0003;0.5\n"  # split over a new and an existing one
    "2020-01-01;GM0002;GM0004;0.5\n"
    "2020-01-01;GM0005;GM0004;1\n"  # merger whose name survives: GM0004 continues
    "2020-01-01;GM0004;GM0004;1\n"
)


def check(tmp_path: Path, mergers_text: str) -> Path:
    """Load and check a mergers file against MERGER_DIVISION; return its path."""
    division_path = write(tmp_path / "gemeentelijke-indeling.csv", MERGER_DIVISION)
    path = write(tmp_path / "herindelingen.csv", mergers_text)
    check_mergers(load_mergers(path), load_municipal_division(division_path), path, division_path)
    return path


def test_consistent_mergers_pass_and_keep_their_lines(tmp_path: Path) -> None:
    path = check(tmp_path, MERGERS_OK)
    frame = load_mergers(path)
    assert frame.index.name == "line"
    assert sorted(frame.index) == [2, 3, 4, 5, 6]
    assert frame.loc[4, "new_code"] == "GM0004"  # the line's own row, after sorting


@pytest.mark.parametrize(
    ("row", "problem", "rule"),
    [
        (
            "2020-01-01;GM0009;GM0003;1",
            "oude_code GM0009 did not exist on 2019-12-31, the day before datum 2020-01-01",
            RULE_OLD_EXISTED,
        ),
        (  # GM0011 had already ended on 2020-01-01
            "2021-01-01;GM0011;GM0008;1",
            "oude_code GM0011 did not exist on 2020-12-31",
            RULE_OLD_EXISTED,
        ),
        (
            "2020-01-01;GM0006;GM0004;1",
            "oude_code GM0006 still exists on datum 2020-01-01",
            RULE_OLD_ENDED,
        ),
        (  # GM0004 survives on 2020-01-01 (row GM0004 -> GM0004), not on 2019-01-01
            "2019-01-01;GM0004;GM0011;1",
            "oude_code GM0004 still exists on datum 2019-01-01",
            RULE_OLD_ENDED,
        ),
        (
            "2020-01-01;GM0011;GM0008;1",
            "nieuwe_code GM0008 does not exist on datum 2020-01-01",
            RULE_NEW_EXISTS,
        ),
        (
            "2020-01-01;GM0011;GM0012;1",
            "nieuwe_code GM0012 does not exist on datum 2020-01-01",
            RULE_NEW_EXISTS,
        ),
        (  # a name said to survive must go on existing
            "2020-01-01;GM0011;GM0011;1",
            "nieuwe_code GM0011 does not exist on datum 2020-01-01",
            RULE_NEW_EXISTS,
        ),
    ],
)
def test_merger_division_rules_name_file_line_and_rule(
    tmp_path: Path, row: str, problem: str, rule: str
) -> None:
    # the broken row is line 7, after a consistent file
    with pytest.raises(ReferenceDataError) as info:
        check(tmp_path, MERGERS_OK + row + "\n")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'herindelingen.csv'}:7: {problem}"), message
    assert str(tmp_path / "gemeentelijke-indeling.csv") in message
    assert message.endswith(f"; rule broken: {rule}"), message
    assert "\n" not in message  # nothing else is wrong


def test_every_violation_is_listed_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError) as info:
        check(
            tmp_path,
            MERGERS_OK + "2020-01-01;GM0009;GM0003;1\n2020-01-01;GM0006;GM0012;1\n",
        )
    path = tmp_path / "herindelingen.csv"
    assert [m.split(": ", 1)[0] for m in str(info.value).splitlines()] == [
        f"{path}:7",
        f"{path}:8",
        f"{path}:8",
    ]
    assert RULE_OLD_ENDED in str(info.value) and RULE_NEW_EXISTS in str(info.value)


def test_a_chain_of_mergers_returning_to_its_start_is_refused(tmp_path: Path) -> None:
    # each row agrees with the division (GM0010 was re-established in 2020): only the cycle
    with pytest.raises(ReferenceDataError) as info:
        check(
            tmp_path,
            "datum;oude_code;nieuwe_code;aandeel\n"
            "2020-01-01;GM0001;GM0003;1\n"
            "2020-01-01;GM0011;GM0010;1\n"
            "2018-01-01;GM0010;GM0011;1\n",
        )
    assert str(info.value) == (
        f"{tmp_path / 'herindelingen.csv'}:3: the chain GM0010 -> GM0011 -> GM0010 returns to "
        f"GM0010 (lines 3, 4); rule broken: {RULE_NO_CYCLE}"
    )


# ----------------------------------------------------------------------- real CBS files


@pytest.mark.parametrize(
    ("year", "count"),
    [(2018, 380), (2019, 355), (2020, 355), (2021, 352), (2022, 345), (2023, 342), (2024, 342)],
)
def test_real_division_counts_on_1_january(reference_dir: Path, year: int, count: int) -> None:
    frame = load_municipal_division(reference_dir / "gemeentelijke-indeling.csv")
    assert len(municipalities_on(frame, date(year, 1, 1))) == count


def test_real_division_notable_cases(reference_dir: Path) -> None:
    frame = load_municipal_division(reference_dir / "gemeentelijke-indeling.csv")
    on_2022 = municipalities_on(frame, date(2022, 1, 1))
    on_2023 = municipalities_on(frame, date(2023, 1, 1))
    assert "GM0457" in on_2022 and "GM0457" not in on_2023  # Weesp, gone 24 March 2022
    assert "GM1992" in on_2023 and "GM1992" not in on_2022  # Voorne aan Zee
    assert "GM0788" in municipalities_on(frame, date(2020, 1, 1))  # Haaren, split 2021
    assert "GM0788" not in municipalities_on(frame, date(2021, 1, 1))


def test_real_population_2024(reference_dir: Path) -> None:
    frame = load_population(reference_dir / "population")
    on_2024 = frame[frame.reference_date == date(2024, 1, 1)]
    assert len(on_2024) == 342  # NL01 total dropped
    by_code = dict(zip(on_2024.municipality_code, on_2024.population, strict=True))
    assert by_code["GM0363"] == 931298
    assert int(on_2024.population.sum()) == 17_942_942
    division = load_municipal_division(reference_dir / "gemeentelijke-indeling.csv")
    assert set(by_code) == municipalities_on(division, date(2024, 1, 1))


def test_real_mergers(reference_dir: Path) -> None:
    frame = load_mergers(reference_dir / "herindelingen.csv")
    assert len(frame) == 78
    haaren = frame[frame.old_code == "GM0788"]
    assert sorted(haaren.new_code) == ["GM0757", "GM0824", "GM0855", "GM0865"]
    assert haaren.share.sum() == pytest.approx(1.0)
    assert (frame.groupby(["merger_date", "old_code"]).share.sum() - 1).abs().max() < 1e-9


def test_real_mergers_meet_the_division(reference_dir: Path) -> None:
    """herindelingen.csv against gemeentelijke-indeling.csv: every reference check holds."""
    division_path = reference_dir / "gemeentelijke-indeling.csv"
    mergers_path = reference_dir / "herindelingen.csv"
    check_mergers(
        load_mergers(mergers_path),
        load_municipal_division(division_path),
        mergers_path,
        division_path,
    )


def test_normalised_shares_do_not_depend_on_line_order(tmp_path: Path) -> None:
    # 0.1 + 0.2 + 0.7 is 1.0 or 0.9999999999999999, by the order the floats are added in
    lines = [
        "2020-01-01;GM0103;GM0104;0.1",
        "2020-01-01;GM0103;GM0105;0.2",
        "2020-01-01;GM0103;GM0106;0.7",
    ]
    results = []
    for order in (lines, lines[::-1], [lines[1], lines[2], lines[0]]):
        path = tmp_path / "herindelingen.csv"
        path.write_text("datum;oude_code;nieuwe_code;aandeel\n" + "\n".join(order) + "\n")
        results.append(load_mergers(path).reset_index(drop=True)["share"].tolist())
    assert results[0] == results[1] == results[2]


def test_the_cycle_named_is_the_chain_from_its_smallest_code() -> None:
    rows = [  # line: old -> new; GM0001 -> GM0002 leads into the cycle, GM0004 survives
        (2, "GM0001", "GM0002"),
        (3, "GM0004", "GM0004"),
        (4, "GM0005", "GM0003"),
        (5, "GM0003", "GM0004"),
        (6, "GM0004", "GM0005"),
    ]
    frame = pd.DataFrame(
        [{"old_code": old, "new_code": new} for _, old, new in rows],
        index=pd.Index([line for line, _, _ in rows], name="line"),
    )
    assert _merger_cycle(frame) == (["GM0003", "GM0004", "GM0005", "GM0003"], [5, 6, 4])
    assert _merger_cycle(frame.drop(index=4)) is None
