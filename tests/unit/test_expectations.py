"""Great Expectations suites generated from the contracts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from pipelines.core.contracts import EditionContract
from pipelines.core.expectations import (
    ANSWER_COLUMNS,
    SUBMISSION_COLUMNS,
    build_suite,
    expectations_frame,
    validate_loaded_submissions,
)


def clean_frame(contract: EditionContract) -> pd.DataFrame:
    rows = []
    for i, code in enumerate(["GM0363", "GM0599", "GM0344"]):
        row: dict[str, object] = {
            "municipality_code": code,
            "boekjaar": contract.boekjaar,
            "ingediend_op": datetime(contract.edition, 3, 1, 10, i),
            "source_file": "export.csv",
            "source_row": i + 2,
        }
        row.update({q: float(i + 1) for q in contract.numeric_questions})
        rows.append(row)
    return pd.DataFrame(rows)


def test_suite_is_generated_from_the_contract(contracts: dict[int, EditionContract]) -> None:
    suite = build_suite(contracts[2021])
    assert suite.name == "ictbench_edition_2021"
    kinds = {(e.expectation_type, getattr(e, "column", None)) for e in suite.expectations}
    assert ("expect_column_values_to_be_unique", "municipality_code") in kinds
    assert ("expect_column_values_to_match_regex", "municipality_code") in kinds
    assert ("expect_column_values_to_be_in_set", "boekjaar") in kinds
    assert ("expect_column_values_to_not_be_null", "ingediend_op") in kinds
    assert ("expect_column_values_to_be_between", "fte_data") in kinds
    assert ("expect_column_values_to_be_between", "aantal_datalekken") in kinds
    assert ("expect_column_values_to_be_between", "kosten_saas") not in kinds  # amounts unbounded
    assert ("expect_column_values_to_be_in_type_list", "pct_plaatsonafhankelijk") in kinds
    assert ("expect_column_values_to_be_in_type_list", "tevredenheid_ict") in kinds
    assert not any(
        column == "fte_data"
        for _, column in {
            (e.expectation_type, getattr(e, "column", None))
            for e in build_suite(contracts[2020]).expectations
        }
    )


def test_clean_frame_passes(contracts: dict[int, EditionContract]) -> None:
    for edition in (2019, 2024):
        report = validate_loaded_submissions(clean_frame(contracts[edition]), contracts[edition])
        assert report.success, report.failed
        assert report.edition == edition and len(report.results) > 20


def test_duplicate_code_and_negative_fte_fail(contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    frame = clean_frame(contract)
    frame.loc[1, "municipality_code"] = "GM0363"
    frame.loc[2, "fte_privacy"] = -0.5
    report = validate_loaded_submissions(frame, contract)
    assert not report.success
    failed = {(o.expectation, o.column): o for o in report.failed}
    assert set(failed) == {
        ("expect_column_values_to_be_unique", "municipality_code"),
        ("expect_column_values_to_be_between", "fte_privacy"),
    }
    duplicate = failed[("expect_column_values_to_be_unique", "municipality_code")]
    assert duplicate.unexpected_count == 2 and duplicate.sample_unexpected == ["GM0363", "GM0363"]
    negative = failed[("expect_column_values_to_be_between", "fte_privacy")]
    assert negative.unexpected_count == 1 and negative.sample_unexpected == [-0.5]


def test_wrong_boekjaar_bad_code_and_nulls(contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2023]
    frame = clean_frame(contract)
    frame.loc[0, "boekjaar"] = 2021
    frame.loc[1, "municipality_code"] = "363"
    frame.loc[2, "ingediend_op"] = pd.NaT
    frame["aantal_datalekken"] = frame["aantal_datalekken"].astype(object)
    frame.loc[0, "aantal_datalekken"] = "veel"
    report = validate_loaded_submissions(frame, contract)
    failed = {(o.expectation, o.column) for o in report.failed}
    assert failed == {
        ("expect_column_values_to_be_in_set", "boekjaar"),
        ("expect_column_values_to_match_regex", "municipality_code"),
        ("expect_column_values_to_not_be_null", "ingediend_op"),
        ("expect_column_values_to_be_in_type_list", "aantal_datalekken"),
        ("expect_column_values_to_be_between", "aantal_datalekken"),
    }


def test_missing_columns(contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2022]
    frame = clean_frame(contract).drop(columns=["boekjaar", "kosten_saas"])
    report = validate_loaded_submissions(frame, contract)
    failed = {(o.expectation, o.column) for o in report.failed}
    # a numeric question without a column had no answers: fine; boekjaar is required
    assert ("expect_column_to_exist", "boekjaar") in failed
    assert all(column == "boekjaar" for _, column in failed)


def test_nothing_written_to_disk(
    contracts: dict[int, EditionContract], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    validate_loaded_submissions(clean_frame(contracts[2021]), contracts[2021])
    assert list(tmp_path.iterdir()) == []


def test_expectations_frame_pivots_the_answers_onto_the_submissions() -> None:
    submissions = pd.DataFrame(
        [
            ("GM0344", 2022, datetime(2023, 3, 1), "a.csv", 3),
            ("GM0363", 2022, datetime(2023, 3, 2), "a.csv", 2),
        ],
        columns=list(SUBMISSION_COLUMNS),
    )
    answers = pd.DataFrame(
        [
            ("GM0363", "kosten_saas", 10.0),
            ("GM0344", "kosten_saas", None),
            ("GM0363", "fte_data", None),
            ("GM0344", "fte_data", None),
        ],
        columns=list(ANSWER_COLUMNS),
    ).astype({"value": "float64"})
    frame = expectations_frame(submissions, answers)
    # the submissions' rows and columns first, then one column per question (unanswered too)
    assert list(frame.columns) == [*SUBMISSION_COLUMNS, "fte_data", "kosten_saas"]
    assert list(frame["municipality_code"]) == ["GM0344", "GM0363"]
    assert frame["kosten_saas"].tolist()[1] == 10.0 and frame["kosten_saas"].isna().tolist()[0]
    assert frame["fte_data"].dtype == "float64" and frame["fte_data"].isna().all()
    # no answers at all: the submissions as they are (the suite adds the questions as nulls)
    assert expectations_frame(submissions, answers.iloc[:0]) is submissions
