"""The six edition contracts load and carry the spec's edition changes; the loader is strict."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.core.contracts import (
    ContractError,
    EditionContract,
    all_numeric_questions,
    available_editions,
    contract_path,
    load_all_contracts,
    load_contract,
    questionnaire_order,
)
from pipelines.orchestration.dbt_args import dbt_vars
from pipelines.settings import (
    CONTRACTS_DIR,
    CONTRACTS_VAR,
    SettingsError,
    export_for_dbt,
    load_contracts_dir,
    load_settings,
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


# ----------------------------------------------------------------------- ICTBENCH_CONTRACTS


def _contracts_like_2019(directory: Path, *editions: int) -> Path:
    directory.mkdir(parents=True)
    for edition in editions:
        document = yaml.safe_load((CONTRACTS_DIR / "edition_2019.yaml").read_text("utf-8"))
        document.update(edition=edition, boekjaar=edition - 1, contract_version=f"{edition}.1")
        path = directory / f"edition_{edition}.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return directory


def test_ictbench_contracts_names_the_contracts_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _contracts_like_2019(tmp_path / "contracts", 2017, 2019)
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    monkeypatch.setenv(CONTRACTS_VAR, str(directory))
    assert load_contracts_dir() == directory
    assert available_editions() == [2017, 2019]
    assert contract_path(2017) == directory / "edition_2017.yaml"
    assert load_contract(2017).boekjaar == 2016
    assert set(load_all_contracts()) == {2017, 2019}
    questions = load_contract(2019).numeric_questions
    assert all_numeric_questions() == questions
    assert dbt_vars() == {"survey_questions": list(questions)}  # dbt follows, unchanged

    monkeypatch.delenv(CONTRACTS_VAR)
    assert load_contracts_dir() == CONTRACTS_DIR
    assert available_editions() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert contract_path(2021) == CONTRACTS_DIR / "edition_2021.yaml"


def test_ictbench_contracts_from_dotenv_reaches_dbt_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contracts_like_2019(tmp_path / "mine", 2018)
    (tmp_path / ".env").write_text(f"{CONTRACTS_VAR}=mine\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in (CONTRACTS_VAR, "ICTBENCH_LANDING", "ICTBENCH_WAREHOUSE"):
        monkeypatch.setenv(name, "restored after the test")
        monkeypatch.delenv(name)
    assert available_editions() == [2018]
    export_for_dbt(load_settings())
    assert os.environ[CONTRACTS_VAR] == str((tmp_path / "mine").resolve())


def test_ictbench_contracts_set_but_empty_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(CONTRACTS_VAR, " ")
    with pytest.raises(SettingsError, match=f"{CONTRACTS_VAR} is set but empty"):
        available_editions()


def _broken(tmp_path: Path, mutate: object) -> Path:
    directory = _copy_contracts(tmp_path)
    path = directory / "edition_2021.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(mutate)
    mutate(document)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [
        (lambda d: d.update(extra=1), "extra", "unknown key"),
        (lambda d: d["columns"][5].update(kind="money"), "columns[5].kind", "got 'money'"),
        (lambda d: d["columns"][5].update(colour="red"), "columns[5].colour", "unknown key"),
        (lambda d: d["columns"][5].pop("text_nl"), "columns[5].text_nl", "missing key"),
        (lambda d: d.update(edition=2022), "edition", "does not match the file name"),
        (lambda d: d.update(boekjaar=2021), "boekjaar", "boekjaar must be edition - 1"),
        (lambda d: d["file"].update(format="ods"), "file.format", "must be 'csv' or 'xlsx'"),
        (lambda d: d["file"].update(encoding="klingon"), "file.encoding", "unknown encoding"),
        (lambda d: d["amounts"].update(to_eur_factor=0), "amounts.to_eur_factor", "positive"),
        (lambda d: d["columns"].append(dict(d["columns"][5])), "columns", "duplicate header"),
        (
            lambda d: d["columns"].pop(0),
            "columns",
            "a column with question 'municipality_code' is required",
        ),
        (lambda d: d["columns"][0].update(required=False), "columns[0]", "must have kind 'code'"),
        (
            lambda d: d["columns"][5].update(impossible={"min": 5, "max": 1}),
            "columns[5].impossible",
            "min is greater than max",
        ),
        (
            lambda d: d["columns"][1].update(plausible={"min": 0}),
            "columns[1]",
            "only allowed on numeric kinds",
        ),
        (lambda d: d["numbers"].update(thousands=","), "numbers", "thousands must not be"),
    ],
)
def test_strict_validation(tmp_path: Path, mutate: object, where: str, message: str) -> None:
    directory = _broken(tmp_path, mutate)
    with pytest.raises(ContractError) as info:
        load_contract(2021, directory)
    text = str(info.value)
    assert f"edition_2021.yaml: {where}" in text  # the file, then the key
    assert message in text


# Pydantic checks the document: each error names the file and the key path, in the form
# `<file>: <key path>: <message>`, with the column's header beside a column's index.
@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (
            lambda d: d["columns"][3].update(required="yes"),
            "columns[3].required (header ingediend_op): Input should be a valid boolean, got 'yes'",
        ),
        (
            lambda d: d["columns"][5].update(impossible={"min": "0"}),
            "columns[5].impossible.min (header fte_organisatie): Input should be a valid "
            "number, got '0'",
        ),
        (
            lambda d: d["columns"][6].update(header="Medewerkers"),
            "columns[6].header (header Medewerkers): 'Medewerkers' must be lower-case "
            "letters, digits and _",
        ),
        (lambda d: d.update(schema_version=True), "schema_version: Input should be a valid "),
        (lambda d: d.update(edition="2021"), "edition: Input should be a valid integer, got"),
        (lambda d: d["file"].update(sheet="antwoorden"), "file.sheet: unknown key"),
        (lambda d: d["file"].update(header_row=2), "file: need 1 <= header_row < first_data_row"),
        (lambda d: d["file"].update(delimiter=";;"), "file.delimiter: must be a single character"),
        (lambda d: d["numbers"].pop("thousands"), "numbers.thousands: missing key"),
        (lambda d: d.update(numbers=","), "numbers: must be a mapping, got ','"),
        (
            lambda d: d.update(no_answer_tokens="nb"),
            "no_answer_tokens: Input should be a valid list",
        ),
        (
            lambda d: d["no_answer_tokens"].append(0),
            "no_answer_tokens[5]: Input should be a valid ",
        ),
        (lambda d: d["amounts"].update(to_eur_factor="1000"), "amounts.to_eur_factor: must be a "),
        (lambda d: d.update(columns=[]), "columns: List should have at least 1 item"),
        (lambda d: d["columns"].append(7), "columns[31]: must be a mapping, got 7"),
        (
            lambda d: d["columns"][6].update(kind="timestamp", impossible=None),
            "columns[6] (header medewerkers): kind 'timestamp' is reserved for",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, mutate: object, problem: str) -> None:
    directory = _broken(tmp_path, mutate)
    with pytest.raises(ContractError) as info:
        load_contract(2021, directory)
    assert f"{directory / 'edition_2021.yaml'}: {problem}" in str(info.value)


def test_every_problem_of_a_file_is_reported_on_a_line_of_its_own(tmp_path: Path) -> None:
    def mutate(document: dict[str, Any]) -> None:
        document["columns"][5]["kind"] = "money"
        document["columns"][7].pop("text_nl")
        document["amounts"]["currency"] = "EUR"

    directory = _broken(tmp_path, mutate)
    with pytest.raises(ContractError) as info:
        load_contract(2021, directory)
    path = directory / "edition_2021.yaml"
    assert str(info.value).splitlines() == [
        f"{path}: amounts.currency: unknown key",
        f"{path}: columns[5].kind (header fte_organisatie): Input should be 'code', 'text', "
        "'integer', 'timestamp', 'amount', 'fte', 'count', 'percent' or 'score', got 'money'",
        f"{path}: columns[7].text_nl (header werkplekken): missing key",
    ]


def test_a_number_for_contract_version_is_its_text_and_factors_stay_exact(
    tmp_path: Path,
) -> None:
    def mutate(document: dict[str, Any]) -> None:
        document.update(contract_version=2021.1)
        document["amounts"].update(unit="kEUR", to_eur_factor=1000)

    contract = load_contract(2021, _broken(tmp_path, mutate))
    assert contract.contract_version == "2021.1"
    assert str(contract.amount_factor) == "1000"
    assert str(contract.answer_columns[4].factor) == "1000"


def test_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "edition_2021.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_contract(2021, tmp_path)
    assert (
        str(info.value)
        == f"{tmp_path / 'edition_2021.yaml'}: top level: must be a mapping, got [1]"
    )


def test_missing_contract(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="no data contract for edition 2030"):
        load_contract(2030, tmp_path)
    assert available_editions(tmp_path / "nowhere") == []


def test_invalid_yaml(tmp_path: Path) -> None:
    (tmp_path / "edition_2021.yaml").write_text("columns: [unclosed", encoding="utf-8")
    with pytest.raises(ContractError, match="not valid YAML"):
        load_contract(2021, tmp_path)


# ----------------------------------------------------------- the question list dbt needs

OLD_QUESTION_ORDER = (  # vars.survey_questions as dbt_project.yml held it by hand until 2024
    "inwoners", "fte_organisatie", "medewerkers", "werkplekken", "begroting_lasten",
    "kosten_personeel", "kosten_inhuur", "kosten_hardware", "kosten_software",
    "kosten_licenties", "kosten_saas", "kosten_uitbesteding", "kosten_telecom",
    "kosten_overig", "kosten_informatiebeveiliging", "fte_werkplekbeheer",
    "fte_applicatiebeheer", "fte_functioneel_beheer", "fte_informatiemanagement",
    "fte_informatiebeveiliging", "fte_privacy", "fte_data", "fte_ontwikkeling", "fte_inhuur",
    "aantal_applicaties", "pct_plaatsonafhankelijk", "aantal_datalekken", "tevredenheid_ict",
)  # fmt: skip


def test_the_question_list_of_the_2019_to_2024_contracts_keeps_its_order(
    contracts: dict[int, EditionContract],
) -> None:
    """dbt sums questions in this order (own ICT FTE): the list computed from the contracts
    is the one dbt_project.yml held by hand, so every float stays the same."""
    assert questionnaire_order(contracts.values()) == OLD_QUESTION_ORDER
    assert questionnaire_order(reversed(list(contracts.values()))) == OLD_QUESTION_ORDER


def test_the_question_list_is_every_numeric_question_of_every_contract() -> None:
    everything = all_numeric_questions()
    assert len(everything) == len(set(everything))
    assert set(everything) == {
        q for c in load_all_contracts().values() for q in c.numeric_questions
    }


def test_a_new_question_is_placed_where_its_edition_asks_it(tmp_path: Path) -> None:
    directory = _copy_contracts(tmp_path)
    document = yaml.safe_load((directory / "edition_2024.yaml").read_text(encoding="utf-8"))
    index = next(i for i, c in enumerate(document["columns"]) if c["header"] == "fte_data")
    document["columns"].insert(
        index + 1,
        {"header": "fte_ai", "question": "fte_ai", "kind": "fte", "text_nl": "AI (fte)"},
    )
    document.update(edition=2025, boekjaar=2024, contract_version="2025.1")
    (directory / "edition_2025.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    order = all_numeric_questions(directory)
    assert order[: order.index("fte_ai")] == OLD_QUESTION_ORDER[:22]  # ... fte_privacy, fte_data
    assert order[order.index("fte_ai") + 1 :] == OLD_QUESTION_ORDER[22:]
