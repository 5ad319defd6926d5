"""Every file of the bad-input corpus gives exactly the outcome in ``expected.yaml``, and
every file keeps the accounting invariants: rows in = loaded + superseded + rejected +
empty; every rejection names its file, row (null only at file level) and column where one
applies; and no cell is silently misread (a non-empty answer is either loaded or rejected)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.core.contracts import (
    BOEKJAAR,
    INGEDIEND_OP,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    EditionContract,
    load_contract,
)
from pipelines.core.dutch_values import is_no_answer
from pipelines.core.submissions import STATUSES, ResolvedEdition, resolve_submissions
from pipelines.core.survey_reader import (
    FileReadResult,
    ParsedSubmission,
    Rejection,
    read_survey_file,
)
from tests.bad_inputs.make_corpus import FILES_DIR, corpus

HERE = Path(__file__).resolve().parent
MANIFEST: dict[str, Any] = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
DIVISION: frozenset[str] = frozenset(MANIFEST["division"])
ENTRIES: list[dict[str, Any]] = MANIFEST["files"]
BY_FILE = {entry["file"]: entry for entry in ENTRIES}
REQUIRED_KEYS = {"file", "edition", "exercises", "status", "rows_in", "counts", "rejections"}
OPTIONAL_KEYS = {
    "reason",
    "warnings",
    "resolve_with",
    "statuses",
    "superseded_by",
    "values",
    "coercion",
    "first_data_row",
}
IDENTITY = {MUNICIPALITY_CODE, MUNICIPALITY_NAME, BOEKJAAR, INGEDIEND_OP}


@cache
def contract_for(edition: int) -> EditionContract:
    return load_contract(edition)


@cache
def read(relative: str) -> FileReadResult:
    edition = int(relative.split("/")[0])
    return read_survey_file(FILES_DIR / relative, contract_for(edition), DIVISION)


@cache
def resolve(group: tuple[str, ...]) -> ResolvedEdition:
    return resolve_submissions([read(relative) for relative in group])


def group_of(entry: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted([entry["file"], *entry.get("resolve_with", [])]))


def outcome(entry: dict[str, Any]) -> tuple[FileReadResult, ResolvedEdition, str]:
    return read(entry["file"]), resolve(group_of(entry)), Path(entry["file"]).name


def by_id(entries: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("entry", entries, ids=[e["file"] for e in entries])


# --------------------------------------------------------------------------- the manifest


def test_manifest_covers_the_corpus_on_disk() -> None:
    on_disk = sorted(
        str(path.relative_to(FILES_DIR)) for path in FILES_DIR.rglob("*") if path.is_file()
    )
    assert sorted(BY_FILE) == on_disk
    assert len(ENTRIES) == len(BY_FILE) >= 30
    for entry in ENTRIES:
        keys = set(entry)
        assert REQUIRED_KEYS <= keys <= REQUIRED_KEYS | OPTIONAL_KEYS, entry["file"]
        assert entry["file"].startswith(f"{entry['edition']}/")
        assert entry["status"] in ("usable", "unusable")
        assert ("reason" in entry) == (entry["status"] == "unusable"), entry["file"]
        assert set(entry["counts"]) == set(STATUSES)
        assert sum(entry["counts"].values()) == entry["rows_in"], entry["file"]
        for other in entry.get("resolve_with", []):
            assert other in BY_FILE and entry["file"] in BY_FILE[other]["resolve_with"]


def test_files_on_disk_are_what_make_corpus_writes() -> None:
    """The corpus is regenerated deterministically (fixed zip timestamps, no properties)."""
    generated = corpus()
    assert sorted(generated) == sorted(BY_FILE)
    for relative, data in generated.items():
        assert (FILES_DIR / relative).read_bytes() == data, relative


# --------------------------------------------------------------------------- exact outcome


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def _submission_value(submission: ParsedSubmission, key: str) -> Any:
    identity = {
        MUNICIPALITY_CODE: submission.municipality_code,
        MUNICIPALITY_NAME: submission.municipality_name,
        BOEKJAAR: submission.boekjaar,
        INGEDIEND_OP: submission.ingediend_op,
    }
    if key in identity:
        return _shown(identity[key])
    assert key in submission.answers, f"{key} is not a numeric question of this edition"
    return submission.answers[key]


@by_id(ENTRIES)
def test_outcome_matches_manifest(entry: dict[str, Any]) -> None:
    result, resolved, name = outcome(entry)

    # file status and warnings
    if entry["status"] == "usable":
        assert result.unusable_reason is None
    else:
        assert result.unusable_reason is not None
        assert entry["reason"] in result.unusable_reason
    expected_warnings = entry.get("warnings", [])
    assert len(result.warnings) == len(expected_warnings), result.warnings
    for fragment in expected_warnings:
        assert any(fragment in w for w in result.warnings), (fragment, result.warnings)

    # counts
    records = [r for r in resolved.records if r.source_file == name]
    assert result.n_rows == entry["rows_in"]
    assert dict(Counter(r.status for r in records)) == {
        s: n for s, n in entry["counts"].items() if n
    }
    if "statuses" in entry:
        assert {r.source_row: r.status for r in records} == entry["statuses"]
    superseded = {r.source_row: r.superseded_by for r in records if r.status == "superseded"}
    if "superseded_by" in entry:
        assert superseded == entry["superseded_by"]

    # rejections: exactly these, matched by (row, column), reason fragment, raw value
    rejections = [r for r in resolved.rejections if r.source_file == name]
    expected = entry["rejections"]
    assert Counter((r.source_row, r.column_name) for r in rejections) == Counter(
        (e["row"], e["column"]) for e in expected
    ), [(r.source_row, r.column_name, r.reason) for r in rejections]
    unmatched = list(rejections)
    for spec in expected:
        match = next(
            (
                r
                for r in unmatched
                if (r.source_row, r.column_name) == (spec["row"], spec["column"])
                and spec["reason"] in r.reason
                and ("raw" not in spec or r.raw_value == spec["raw"])
            ),
            None,
        )
        assert match is not None, (
            spec,
            [(r.source_row, r.raw_value, r.reason) for r in rejections],
        )
        unmatched.remove(match)

    # values (identity fields and answers in canonical units)
    submissions = {s.source_row: s for s in result.submissions}
    for row, expected_values in entry.get("values", {}).items():
        assert row in submissions, f"row {row} is not a parsed submission"
        for key, value in expected_values.items():
            assert _submission_value(submissions[row], key) == value, (row, key)


# --------------------------------------------------------------------------- invariants


def is_extra_column(rejection: Rejection, contract: EditionContract) -> bool:
    """A rejected cell in a column that no question reads (unknown header, no header)."""
    return rejection.column_name is not None and rejection.column_name not in contract.headers


@by_id(ENTRIES)
def test_accounting_invariants(entry: dict[str, Any]) -> None:
    result, resolved, name = outcome(entry)
    contract = contract_for(entry["edition"])
    # the first data row is the contract's, unless the rows before it hold answers
    first = entry.get("first_data_row", contract.file.first_data_row)
    records = [r for r in resolved.records if r.source_file == name]

    # rows in = loaded + superseded + rejected + empty, each data row exactly once
    counts = Counter(r.status for r in records)
    assert result.n_rows == sum(counts[s] for s in STATUSES) == len(records)
    assert result.n_rows == len(result.submissions) + len(result.empty_rows)
    assert sorted(r.source_row for r in records) == list(range(first, first + result.n_rows))

    # every rejection names its file, its row (null only for a file-level problem of an
    # unusable file) and a contract column, a column the contract does not know (a cell
    # under an unknown header or without a header), or none (row level)
    rejections = [r for r in resolved.rejections if r.source_file == name]
    assert len(rejections) == len([r for r in result.rejections]) + sum(
        1 for r in rejections if r.reason.startswith("conflicting submissions")
    )
    rows = {r.source_row for r in records}
    for rejection in rejections:
        assert rejection.source_file == name
        assert rejection.reason.strip()
        if rejection.source_row is None:
            assert rejection.column_name is None
            assert rejection.reason == result.unusable_reason
        else:
            assert rejection.source_row in rows
            if is_extra_column(rejection, contract):
                assert rejection.reason.startswith(("unknown column ", "value in column "))
                assert rejection.raw_value, rejection
    if result.unusable_reason is not None:
        assert [r.source_row for r in rejections if r.source_row is None] == [None]
        assert all(r.status == "rejected" for r in records)

    # a rejected row has a reason; a row-level or required-field problem rejects the row
    rejected_rows = {r.source_row for r in rejections if r.source_row is not None}
    status = {r.source_row: r.status for r in records}
    for record in records:
        if record.status == "rejected":
            assert record.source_row in rejected_rows
    for rejection in rejections:
        if rejection.source_row is None or is_extra_column(rejection, contract):
            continue  # a cell outside the contract's columns does not reject its row
        column = contract.column_by_header(rejection.column_name or "")
        if column is None or column.required:
            assert status[rejection.source_row] == "rejected", rejection

    # a superseded row points to a row of the same municipality that replaced it (later, or
    # the same instant for an identical resubmission)
    keys = {r.key: r for r in resolved.records}
    for record in records:
        assert (record.superseded_by is not None) == (record.status == "superseded")
        if record.superseded_by is not None:
            target = keys[record.superseded_by]
            assert target.municipality_code == record.municipality_code
            assert target.status in ("loaded", "rejected")
            assert target.ingediend_op is not None and record.ingediend_op is not None
            assert target.ingediend_op >= record.ingediend_op

    # loaded rows are complete and valid
    for record in records:
        if record.status == "loaded":
            assert record.municipality_code in DIVISION
            assert record.boekjaar == contract.boekjaar
            assert record.ingediend_op is not None

    # never a silent misparse: in a row that takes part, every non-empty answer cell is
    # either loaded or rejected, and a rejected cell never has a value
    for submission in result.submissions:
        if status[submission.source_row] == "rejected":
            continue
        cell_rejections = {
            r.column_name for r in rejections if r.source_row == submission.source_row
        }
        for question in contract.numeric_questions:
            header = contract.question_header(question)
            raw = submission.raw_values.get(header)
            value = submission.answers[question]
            if header in cell_rejections:
                assert value is None, (submission.source_row, header)
            elif raw is not None and not is_no_answer(raw, contract.no_answer_tokens):
                assert value is not None, (submission.source_row, header, raw)
            if value is not None:
                assert raw is not None


# --------------------------------------------------------------------------- cross-file


def test_same_file_twice_changes_nothing_that_is_loaded() -> None:
    alone = resolve(("2021/23_same_file_twice_a.csv",))
    both = resolve(group_of(BY_FILE["2021/23_same_file_twice_a.csv"]))

    def loaded(resolved: ResolvedEdition) -> dict[str | None, tuple[str, dict[str, Any]]]:
        return {s.municipality_code: (s.key, s.answers) for s in resolved.loaded}

    assert loaded(both) == loaded(alone)
    assert len(both.loaded) == 2


def test_correction_replaces_the_figures() -> None:
    resolved = resolve(group_of(BY_FILE["2021/24_correction_later.csv"]))
    (amsterdam,) = [s for s in resolved.loaded if s.municipality_code == "GM0363"]
    assert amsterdam.key == "24_correction_later.csv:2"
    assert amsterdam.answers["kosten_overig"] == 88000.0


def test_conflict_loads_nothing_for_the_municipality() -> None:
    resolved = resolve(group_of(BY_FILE["2021/25_conflict_a.csv"]))
    assert [s for s in resolved.loaded if s.municipality_code == "GM0363"] == []
