"""The six edition contracts load and carry the spec's edition changes; the loader is strict."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from pipelines.core.contracts import (
    CONTRACTS_DIR,
    ContractError,
    EditionContract,
    available_editions,
    load_contract,
)

SPEC_QUESTIONS = {  # numeric questions: header -> (first edition, last edition)
    "inwoners": (2019, None),
    "fte_organisatie": (2019, None),
    "medewerkers": (2019, None),
    "werkplekken": (2019, None),
    "begroting_lasten": (2019, None),
    "kosten_personeel": (2019, None),
    "kosten_inhuur": (2019, None),
    "kosten_hardware": (2019, None),
    "kosten_software": (2019, 2020),
    "kosten_licenties": (2021, None),
    "kosten_saas": (2021, None),
    "kosten_uitbesteding": (2019, None),
    "kosten_telecom": (2019, None),
    "kosten_overig": (2019, None),
    "kosten_informatiebeveiliging": (2019, None),
    "fte_werkplekbeheer": (2019, None),
    "fte_applicatiebeheer": (2019, None),
    "fte_functioneel_beheer": (2019, None),
    "fte_informatiemanagement": (2019, None),
    "fte_informatiebeveiliging": (2019, None),
    "fte_privacy": (2020, None),
    "fte_data": (2021, None),
    "fte_ontwikkeling": (2019, None),
    "fte_inhuur": (2019, None),
    "aantal_applicaties": (2019, None),
    "pct_plaatsonafhankelijk": (2020, None),
    "aantal_datalekken": (2021, None),
    "tevredenheid_ict": (2019, None),
}


def test_available_editions() -> None:
    assert available_editions() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert CONTRACTS_DIR.name == "data_contracts"


@pytest.mark.parametrize("edition", range(2019, 2025))
def test_exactly_the_spec_questions(contracts: dict[int, EditionContract], edition: int) -> None:
    contract = contracts[edition]
    expected = {
        q
        for q, (first, last) in SPEC_QUESTIONS.items()
        if first <= edition and (last is None or edition <= last)
    }
    assert set(contract.numeric_questions) == expected
    code_header = "gemeentecode" if edition <= 2022 else "cbs_code"
    assert set(contract.headers) == expected | {
        code_header,
        "gemeentenaam",
        "boekjaar",
        "ingediend_op",
    }
    assert contract.boekjaar == edition - 1
    assert contract.edition == edition
    assert contract.required_headers == (code_header, "boekjaar", "ingediend_op")
    assert all(c.text_nl for c in contract.columns)


def test_counts_of_numeric_questions(contracts: dict[int, EditionContract]) -> None:
    assert {e: len(c.numeric_questions) for e, c in contracts.items()} == {
        2019: 22,
        2020: 24,
        2021: 27,
        2022: 27,
        2023: 27,
        2024: 27,
    }


def test_amounts_in_thousands_from_2022(contracts: dict[int, EditionContract]) -> None:
    for edition, contract in contracts.items():
        amounts = [c for c in contract.columns if c.kind == "amount"]
        assert {c.header for c in amounts} >= {"begroting_lasten", "kosten_personeel"}
        assert all(
            c.header == "begroting_lasten" or c.header.startswith("kosten_") for c in amounts
        )
        factor = Decimal(1000) if edition >= 2022 else Decimal(1)
        assert contract.amount_factor == factor
        assert contract.amount_unit == ("kEUR" if edition >= 2022 else "EUR")
        assert all(c.factor == factor and c.canonical_unit == "EUR" for c in amounts)
        assert all(c.factor == 1 for c in contract.columns if c.kind != "amount")


def test_code_header_renamed_in_2023(contracts: dict[int, EditionContract]) -> None:
    for edition, contract in contracts.items():
        header = "cbs_code" if edition >= 2023 else "gemeentecode"
        column = contract.column_by_header(header)
        assert column is not None and column.question == "municipality_code"
        assert column.required and column.kind == "code"
        assert contract.question_header("municipality_code") == header
        other = "gemeentecode" if edition >= 2023 else "cbs_code"
        assert contract.column_by_header(other) is None


def test_file_formats(contracts: dict[int, EditionContract]) -> None:
    for edition, contract in contracts.items():
        assert contract.numbers.decimal == "," and contract.numbers.thousands == "."
        assert contract.no_answer_tokens == ("", "n.v.t.", "onbekend", "-", "nb")
        if edition <= 2021:
            assert contract.file.format == "csv"
            assert contract.file.csv is not None
            assert contract.file.csv.encoding == "cp1252" and contract.file.csv.delimiter == ";"
            assert (contract.file.header_row, contract.file.first_data_row) == (1, 2)
        else:
            assert contract.file.format == "xlsx"
            assert contract.file.xlsx is not None and contract.file.xlsx.sheet == "antwoorden"
            assert (contract.file.header_row, contract.file.first_data_row) == (1, 3)


def test_kinds_and_bounds(contracts: dict[int, EditionContract]) -> None:
    c = contracts[2021]
    kinds = {col.header: col.kind for col in c.columns}
    assert kinds["fte_organisatie"] == "fte"
    assert kinds["inwoners"] == kinds["medewerkers"] == kinds["aantal_datalekken"] == "count"
    assert kinds["pct_plaatsonafhankelijk"] == "percent"
    assert kinds["tevredenheid_ict"] == "score"
    assert kinds["boekjaar"] == "integer" and kinds["ingediend_op"] == "timestamp"
    for col in c.answer_columns:
        if col.kind in {"fte", "count"}:
            assert col.impossible.min == 0 and not col.impossible.contains(-0.5)
        else:
            assert not col.impossible.is_bounded  # amounts, percents, scores: never rejected
    pct = c.column_by_header("pct_plaatsonafhankelijk")
    score = c.column_by_header("tevredenheid_ict")
    amount = c.column_by_header("kosten_saas")
    assert pct is not None and (pct.plausible.min, pct.plausible.max) == (0, 100)
    assert score is not None and (score.plausible.min, score.plausible.max) == (1, 10)
    assert amount is not None and amount.plausible.min == 0 and amount.plausible.max is None


def test_security_fte_note_in_2019(contracts: dict[int, EditionContract]) -> None:
    column = contracts[2019].column_by_header("fte_informatiebeveiliging")
    assert column is not None and column.note and "privacy" in column.note
    assert contracts[2019].column_by_header("fte_privacy") is None


def test_column_lookup_is_case_and_space_insensitive(contracts: dict[int, EditionContract]) -> None:
    column = contracts[2020].column_by_header("  Kosten_Software ")
    assert column is not None and column.question == "kosten_software"
    assert contracts[2020].column_by_header("onbekend") is None


# ----------------------------------------------------------------------- a new edition


def _copy_contracts(tmp_path: Path) -> Path:
    target = tmp_path / "data_contracts"
    shutil.copytree(CONTRACTS_DIR, target)
    return target


def test_a_new_edition_needs_only_a_contract_file(tmp_path: Path) -> None:
    directory = _copy_contracts(tmp_path)
    document = yaml.safe_load((directory / "edition_2024.yaml").read_text(encoding="utf-8"))
    document.update(edition=2025, boekjaar=2024, contract_version="2025.1")
    (directory / "edition_2025.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    assert available_editions(directory)[-1] == 2025
    contract = load_contract(2025, directory)
    assert contract.boekjaar == 2024 and contract.required_headers[0] == "cbs_code"


def _broken(tmp_path: Path, mutate: object) -> Path:
    directory = _copy_contracts(tmp_path)
    path = directory / "edition_2021.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(document)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(extra=1), "unknown key(s) extra"),
        (lambda d: d["columns"][5].update(kind="money"), "kind 'money' is not one of"),
        (lambda d: d["columns"][5].update(colour="red"), "unknown key(s) colour"),
        (lambda d: d["columns"][5].pop("text_nl"), "missing key(s) text_nl"),
        (lambda d: d.update(edition=2022), "does not match the file name"),
        (lambda d: d.update(boekjaar=2021), "boekjaar must be edition - 1"),
        (lambda d: d["file"].update(format="ods"), "format must be 'csv' or 'xlsx'"),
        (lambda d: d["file"].update(encoding="klingon"), "unknown encoding"),
        (lambda d: d["amounts"].update(to_eur_factor=0), "positive number"),
        (lambda d: d["columns"].append(dict(d["columns"][5])), "duplicate header"),
        (lambda d: d["columns"].pop(0), "question 'municipality_code' is required"),
        (lambda d: d["columns"][0].update(required=False), "must have kind 'code'"),
        (lambda d: d["columns"][5].update(impossible={"min": 5, "max": 1}), "min is greater"),
        (lambda d: d["columns"][1].update(plausible={"min": 0}), "only allowed on numeric"),
        (lambda d: d["numbers"].update(thousands=","), "thousands must be"),
    ],
)
def test_strict_validation(tmp_path: Path, mutate: object, message: str) -> None:
    directory = _broken(tmp_path, mutate)
    with pytest.raises(ContractError) as info:
        load_contract(2021, directory)
    assert message in str(info.value)
    assert "edition_2021.yaml" in str(info.value)


def test_missing_contract(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no data contract for edition 2030"):
        load_contract(2030, tmp_path)
    assert available_editions(tmp_path / "nowhere") == []


def test_invalid_yaml(tmp_path: Path) -> None:
    (tmp_path / "edition_2021.yaml").write_text("columns: [unclosed", encoding="utf-8")
    with pytest.raises(ContractError, match="not valid YAML"):
        load_contract(2021, tmp_path)


def test_dbt_knows_every_question_the_contracts_ask() -> None:
    """dbt needs the canonical questions at compile time (vars.survey_questions: one column
    per question in int_survey_answers_pivoted); the contracts are the source of truth, so
    the list must be exactly the union of their numeric answer questions. A new question in
    a contract fails here, naming what to add to dbt_project.yml."""
    from pipelines.core.contracts import load_all_contracts
    from pipelines.settings import DBT_PROJECT_DIR

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    in_dbt = set(project["vars"]["survey_questions"])
    in_contracts = {q for c in load_all_contracts().values() for q in c.numeric_questions}
    assert in_contracts - in_dbt == set(), "add to vars.survey_questions in dbt_project.yml"
    assert in_dbt - in_contracts == set(), "asked by no contract: remove from survey_questions"
