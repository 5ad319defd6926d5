"""The sample generator's scale mode (issue 12): N municipalities over a range of editions,
earlier editions in the 2019 layout under contracts of their own, reference data covering
every edition. Small and fast: 30 municipalities, editions 2017-2020."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.core.contracts import available_editions, load_contract
from pipelines.core.reference_data import (
    check_mergers,
    load_mergers,
    load_municipal_division,
    load_population,
    municipalities_on,
)
from pipelines.core.survey_reader import read_survey_file
from pipelines.settings import CONTRACTS_DIR

REPO = Path(__file__).resolve().parents[2]
EDITIONS = (2017, 2018, 2019, 2020)


def _generator() -> ModuleType:
    """scripts/ is not a package: import the script by its path."""
    path = REPO / "scripts" / "generate_sample_data.py"
    spec = importlib.util.spec_from_file_location("generate_sample_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "landing"
    _generator().main(["--out", str(out), "--municipalities", "30", "--editions", "2017-2020"])
    return out


def test_survey_files_for_every_edition(landing: Path) -> None:
    assert sorted(p.name for p in (landing / "survey").iterdir()) == [str(e) for e in EDITIONS]
    for edition in EDITIONS:
        assert (landing / "survey" / str(edition) / f"export_{edition}.csv").is_file()


def test_contracts_of_their_own_for_every_edition(landing: Path) -> None:
    contracts = landing / "contracts"
    assert available_editions(contracts) == list(EDITIONS)
    for edition in (2019, 2020):  # described editions: the repository's contracts as they are
        name = f"edition_{edition}.yaml"
        assert (contracts / name).read_bytes() == (CONTRACTS_DIR / name).read_bytes()
    layout = load_contract(2019, CONTRACTS_DIR)
    for edition in (2017, 2018):
        contract = load_contract(edition, contracts)  # the warehouse's strict loader
        assert (contract.edition, contract.boekjaar) == (edition, edition - 1)
        assert contract.contract_version == f"{edition}.1"
        assert contract.headers == layout.headers
        assert contract.file == layout.file and contract.amount_factor == layout.amount_factor
        note = contract.column_by_question("fte_informatiebeveiliging")
        assert note is not None and note.note is not None and "Up to 2019" in note.note


def test_a_2017_row_parses_with_the_2019_columns(landing: Path) -> None:
    contract = load_contract(2017, landing / "contracts")
    path = landing / "survey" / "2017" / "export_2017.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252")), delimiter=";"))
    assert tuple(rows[0]) == load_contract(2019, CONTRACTS_DIR).headers
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["boekjaar"] == "2016"

    division = load_municipal_division(landing / "reference" / "gemeentelijke-indeling.csv")
    valid = municipalities_on(division, date(2016, 1, 1))
    result = read_survey_file(path, contract, valid)
    assert result.usable and not result.rejections and not result.empty_rows
    submission = result.submissions[0]
    assert submission.boekjaar == 2016 and submission.municipality_code in valid
    assert set(submission.answers) == set(contract.numeric_questions)
    assert "kosten_software" in submission.answers and "fte_privacy" not in submission.answers


def test_reference_data_covers_every_edition(landing: Path) -> None:
    reference = landing / "reference"
    division = load_municipal_division(reference / "gemeentelijke-indeling.csv")
    mergers = load_mergers(reference / "herindelingen.csv")
    check_mergers(
        mergers, division, reference / "herindelingen.csv", reference / "gemeentelijke-indeling.csv"
    )
    assert len(mergers) > 0  # a few mergers inside the range
    population = load_population(reference / "population")
    for edition in EDITIONS:
        on = date(edition - 1, 1, 1)  # the boekjaar's population reference date
        existing = municipalities_on(division, on)
        figures = population[population["reference_date"] == on]
        assert set(figures["municipality_code"]) == existing
        assert figures["population"].notna().all()
    assert len(municipalities_on(division, date(2019, 1, 1))) == 30  # the newest division


def test_every_existing_municipality_takes_part(landing: Path) -> None:
    expected = json.loads((landing / "expected.json").read_text(encoding="utf-8"))
    division = load_municipal_division(landing / "reference" / "gemeentelijke-indeling.csv")
    for edition in EDITIONS:
        figures = expected["editions"][str(edition)]
        existing = municipalities_on(division, date(edition - 1, 1, 1))
        assert figures["totals"]["loaded"] == len(existing)
        assert figures["layout"] == max(edition, 2019)


def test_a_scale_run_needs_out(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _generator().main(["--municipalities", "all"])
    assert "needs --out" in capsys.readouterr().err
