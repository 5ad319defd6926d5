"""A small made-up raw layer, for working on the dbt project without survey files.

    export ICTBENCH_WAREHOUSE=/tmp/dbtdev       # a throwaway warehouse
    python -m pipelines.warehouse.dev_fixture   # (re)creates its build DB

Not used by the pipeline. The build database gets the raw schema of
`raw_tables.ensure_schema` and its rows go through the ingest's own path: the submissions
are resolved by `resolve_submissions`, turned into rows by `edition_frames` and written by
`replace_edition` / `replace_table`, so the fixture cannot drift from the raw tables the
pipeline writes. Every edition with a data contract gets a main export answering exactly
the numeric questions its contract asks (a question a new contract adds gets made-up
answers too).

16 municipalities (fictitious figures), including:
* Weesp (GM0457), dissolved 2022-03-24 into Amsterdam (GM0363); it skips 2019 and takes
  part while it exists on 1 January of the boekjaar;
* Ameland takes part from 2020, Vlieland skips 2022;
* 2020: a rejected row (a code that did not exist) and a zero `fte_organisatie` (GM0096);
* 2021: a late-submission file that supersedes Almelo's row and holds an empty row, a
  rejected cell (GM0153 `fte_werkplekbeheer`) and a blank own-FTE component (GM0088
  `fte_data`).
Amounts are canonical (euros), as the ingest stores them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core.contracts import (
    MUNICIPALITY_CODE,
    ColumnSpec,
    EditionContract,
    load_all_contracts,
)
from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import FileReadResult, ParsedSubmission, Rejection
from pipelines.settings import WAREHOUSE_VAR, load_settings
from pipelines.warehouse.ingest_frames import edition_frames
from pipelines.warehouse.raw_tables import ensure_schema, replace_edition, replace_table


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    province_code: str
    province_name: str
    valid_from: date
    valid_to: date | None
    population_2018: int

    def exists_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


_ALWAYS = date(1970, 1, 1)
MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("GM0363", "Amsterdam", "27", "Noord-Holland", _ALWAYS, None, 854047),
    Municipality("GM0457", "Weesp", "27", "Noord-Holland", _ALWAYS, date(2022, 3, 24), 19147),
    Municipality("GM0599", "Rotterdam", "28", "Zuid-Holland", _ALWAYS, None, 638712),
    Municipality("GM0344", "Utrecht", "26", "Utrecht", _ALWAYS, None, 347483),
    Municipality("GM0014", "Groningen", "20", "Groningen", date(2019, 1, 1), None, 229962),
    Municipality("GM0034", "Almere", "24", "Flevoland", date(1984, 1, 1), None, 203990),
    Municipality("GM0772", "Eindhoven", "30", "Noord-Brabant", _ALWAYS, None, 229126),
    Municipality("GM0200", "Apeldoorn", "25", "Gelderland", _ALWAYS, None, 161156),
    Municipality("GM0153", "Enschede", "23", "Overijssel", _ALWAYS, None, 158261),
    Municipality("GM0080", "Leeuwarden", "21", "Fryslân", date(2018, 1, 1), None, 122415),
    Municipality("GM0141", "Almelo", "23", "Overijssel", _ALWAYS, None, 72629),
    Municipality("GM0307", "Amersfoort", "26", "Utrecht", _ALWAYS, None, 155226),
    Municipality("GM0088", "Schiermonnikoog", "21", "Fryslân", _ALWAYS, None, 932),
    Municipality("GM0093", "Terschelling", "21", "Fryslân", _ALWAYS, None, 4906),
    Municipality("GM0096", "Vlieland", "21", "Fryslân", _ALWAYS, None, 1132),
    Municipality("GM0060", "Ameland", "21", "Fryslân", _ALWAYS, None, 3654),
)
MERGERS = ((date(2022, 3, 24), "GM0457", "GM0363", 1.0),)
NOT_TAKING_PART = {("GM0457", 2019), ("GM0060", 2019), ("GM0096", 2022)}

# answer = round(population x factor x f, digits); f varies per municipality and edition.
# Questions not listed here (a question a new contract adds) use their kind's rule.
ANSWER_RULES: dict[str, tuple[float, int]] = {
    "fte_organisatie": (0.007, 1),
    "medewerkers": (0.008, 0),
    "werkplekken": (0.009, 0),
    "begroting_lasten": (2500, 0),
    "kosten_personeel": (30, 0),
    "kosten_inhuur": (12, 0),
    "kosten_hardware": (8, 0),
    "kosten_software": (20, 0),
    "kosten_licenties": (13, 0),
    "kosten_saas": (9, 0),
    "kosten_uitbesteding": (15, 0),
    "kosten_telecom": (3, 0),
    "kosten_overig": (4, 0),
    "kosten_informatiebeveiliging": (5, 0),
    "fte_werkplekbeheer": (0.0002, 1),
    "fte_applicatiebeheer": (0.0002, 1),
    "fte_functioneel_beheer": (0.0003, 1),
    "fte_informatiemanagement": (0.0001, 1),
    "fte_informatiebeveiliging": (0.00003, 2),
    "fte_privacy": (0.00002, 2),
    "fte_data": (0.00002, 2),
    "fte_ontwikkeling": (0.00005, 1),
    "fte_inhuur": (0.0001, 1),
    "aantal_datalekken": (0.0001, 0),
}
KIND_RULES: dict[str, tuple[float, int]] = {
    "amount": (2, 0),
    "fte": (0.00002, 2),
    "count": (0.0001, 0),
    "integer": (0.0001, 0),
}


def _factor(municipality: Municipality, edition: int) -> float:
    return (1 + 0.04 * (edition - 2019)) * (0.8 + (int(municipality.code[2:]) % 40) / 100)


def _answer(column: ColumnSpec, municipality: Municipality, edition: int, population: int) -> float:
    f = _factor(municipality, edition)
    question = column.question
    if question == "inwoners":
        return float(round(population * 1.005))
    if question == "aantal_applicaties":
        return float(round(population * 0.004 / f) + 150)
    if column.kind == "percent":
        return float(min(100, round(60 * f)))
    if column.kind == "score":
        return round(5 + 2 * f, 1)
    factor, digits = ANSWER_RULES.get(question) or KIND_RULES[column.kind]
    return float(round(population * factor * f, digits))


def population_on(municipality: Municipality, year: int) -> int:
    return round(municipality.population_2018 * (1 + 0.01 * (year - 2018)))


def _sha256(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _raw_text(value: float | None, column: ColumnSpec) -> str | None:
    """The cell as a Dutch export writes it (amounts in the contract's unit)."""
    if value is None:
        return None
    reported = float(value) / float(column.factor)
    return f"{reported:.10g}".replace(".", ",")


def _submission(
    contract: EditionContract,
    municipality: Municipality,
    source_file: str,
    source_row: int,
    ingediend_op: datetime,
    overrides: dict[str, float | None] | None = None,
) -> ParsedSubmission:
    population = population_on(municipality, contract.boekjaar)
    answers: dict[str, float | None] = {
        c.question: _answer(c, municipality, contract.edition, population)
        for c in contract.answer_columns
    }
    answers.update({q: v for q, v in (overrides or {}).items() if q in answers})
    raw_values: dict[str, str] = {}
    for column in contract.answer_columns:
        text = _raw_text(answers[column.question], column)
        if text is not None:
            raw_values[column.header] = text
    return ParsedSubmission(
        source_file=source_file,
        source_sha256=_sha256(source_file),
        source_row=source_row,
        municipality_code=municipality.code,
        municipality_name=municipality.name,
        boekjaar=contract.boekjaar,
        ingediend_op=ingediend_op,
        answers=answers,
        raw_values=raw_values,
    )


def edition_files(contract: EditionContract) -> list[FileReadResult]:
    """What the reader would return for this edition's made-up files."""
    edition = contract.edition
    main = f"export_{edition}.{contract.file.format}"
    first_row = contract.file.first_data_row
    participants = [
        m
        for m in MUNICIPALITIES
        if m.exists_on(date(contract.boekjaar, 1, 1)) and (m.code, edition) not in NOT_TAKING_PART
    ]
    submissions: list[ParsedSubmission] = []
    rejections: list[Rejection] = []
    for index, municipality in enumerate(participants):
        row = first_row + index
        overrides: dict[str, float | None] = {}
        if (municipality.code, edition) == ("GM0096", 2020):
            overrides["fte_organisatie"] = 0.0
        if (municipality.code, edition) == ("GM0088", 2021):
            overrides["fte_data"] = None  # left blank
        if (municipality.code, edition) == ("GM0153", 2021):
            overrides["fte_werkplekbeheer"] = None
            rejections.append(
                Rejection(main, row, "fte_werkplekbeheer", "-3", "negative FTE is impossible")
            )
        submitted = datetime(edition, 3, 1, 12) + timedelta(days=index + 1)
        submissions.append(_submission(contract, municipality, main, row, submitted, overrides))
    if edition == 2020:
        row = first_row + len(participants)
        code_header = contract.question_header(MUNICIPALITY_CODE)
        reason = f"municipality code GM9999 did not exist on {contract.boekjaar}-01-01"
        rejections.append(Rejection(main, row, code_header, "GM9999", reason))
        submissions.append(
            ParsedSubmission(
                source_file=main,
                source_sha256=_sha256(main),
                source_row=row,
                municipality_code="GM9999",
                municipality_name="Nergenshuizen",
                boekjaar=contract.boekjaar,
                ingediend_op=datetime(2020, 3, 30, 10),
                answers={},
                raw_values={code_header: "GM9999"},
                row_rejected=True,
            )
        )
    files = [
        FileReadResult(
            source_file=main,
            source_sha256=_sha256(main),
            n_rows=len(submissions),
            submissions=submissions,
            rejections=rejections,
        )
    ]
    if edition == 2021:
        late = f"nalevering_{edition}.{contract.file.format}"
        almelo = next(m for m in MUNICIPALITIES if m.code == "GM0141")
        correction = _submission(contract, almelo, late, first_row, datetime(2021, 4, 15, 9, 30))
        files.append(
            FileReadResult(
                source_file=late,
                source_sha256=_sha256(late),
                n_rows=2,
                submissions=[correction],
                empty_rows=[first_row + 1],
            )
        )
    return files


def reference_frames(last_boekjaar: int) -> dict[str, pd.DataFrame]:
    """`raw.cbs_*`: the municipalities, their population on 1 January 2018 up to the last
    boekjaar (while they exist) and the mergers."""
    division = pd.DataFrame(
        [
            {
                "municipality_code": m.code,
                "municipality_name": m.name,
                "province_code": m.province_code,
                "province_name": m.province_name,
                "valid_from": m.valid_from,
                "valid_to": m.valid_to,
            }
            for m in MUNICIPALITIES
        ]
    )
    population = pd.DataFrame(
        [
            {
                "municipality_code": m.code,
                "reference_date": date(year, 1, 1),
                "population": population_on(m, year),
            }
            for m in MUNICIPALITIES
            for year in range(2018, last_boekjaar + 1)
            if m.exists_on(date(year, 1, 1))
        ]
    )
    mergers = pd.DataFrame(
        [
            {"merger_date": day, "old_code": old, "new_code": new, "share": share}
            for day, old, new, share in MERGERS
        ]
    )
    return {"cbs_municipalities": division, "cbs_population": population, "cbs_mergers": mergers}


def write_fixture(database: Path, contracts_dir: Path | None = None) -> list[int]:
    """Create `database` afresh with the raw schema and the fixture; returns the editions
    (every edition with a contract in `contracts_dir`, default data_contracts/)."""
    contracts = load_all_contracts(contracts_dir)
    if not contracts:
        raise ValueError(f"no data contract in {contracts_dir}")
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        ensure_schema(con)
        last_boekjaar = max(c.boekjaar for c in contracts.values())
        for table, frame in reference_frames(last_boekjaar).items():
            replace_table(con, table, frame)
        for edition, contract in sorted(contracts.items()):
            files = edition_files(contract)
            replace_edition(
                con, edition, edition_frames(contract, files, resolve_submissions(files))
            )
    finally:
        con.close()
    return sorted(contracts)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.warehouse.dev_fixture",
        description="Recreate $ICTBENCH_WAREHOUSE/build/ictbench.duckdb with a small made-up "
        "raw layer (for the dbt project; not used by the pipeline).",
    )
    parser.add_argument("--contracts-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if not os.environ.get(WAREHOUSE_VAR):
        parser.error(f"set {WAREHOUSE_VAR} to a throwaway directory, e.g. /tmp/dbtdev")
    settings = load_settings()
    if settings.published_dir.exists():
        parser.error(f"{settings.warehouse} holds a published release: use a throwaway warehouse")
    editions = write_fixture(settings.build_db, args.contracts_dir)
    print(f"raw fixture (editions {editions[0]}-{editions[-1]}) written to {settings.build_db}")


if __name__ == "__main__":
    main()
