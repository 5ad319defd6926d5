"""Duplicate resolution: latest wins, identical resubmissions, conflicts, accounting."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import FileReadResult, ParsedSubmission, Rejection

T1 = datetime(2021, 3, 1, 9, 0)
T2 = datetime(2021, 3, 5, 9, 0)


def sub(
    file: str,
    row: int,
    code: str | None,
    when: datetime | None,
    rejected: bool = False,
    name: str = "Gemeente",
    **answers: float | None,
) -> ParsedSubmission:
    values: dict[str, float | None] = {"kosten_hardware": 100.0, "fte_data": 1.0}
    values.update(answers)
    return ParsedSubmission(
        source_file=file,
        source_sha256="sha-" + file,
        source_row=row,
        municipality_code=code,
        municipality_name=name,
        boekjaar=2020,
        ingediend_op=when,
        answers=values,
        raw_values={},
        row_rejected=rejected,
    )


def result(
    file: str, subs: list[ParsedSubmission], empty: list[int] | None = None
) -> FileReadResult:
    rejections = [Rejection(file, s.source_row, "x", "y", "bad") for s in subs if s.row_rejected]
    return FileReadResult(
        source_file=file,
        source_sha256="sha-" + file,
        n_rows=len(subs) + len(empty or []),
        submissions=subs,
        rejections=rejections,
        empty_rows=empty or [],
    )


def statuses(resolved: object) -> dict[str, tuple[str, str | None]]:
    return {r.key: (r.status, r.superseded_by) for r in resolved.records}  # type: ignore[attr-defined]


def test_latest_submission_wins_across_files() -> None:
    resolved = resolve_submissions(
        [
            result(
                "export.csv",
                [sub("export.csv", 2, "GM0363", T1), sub("export.csv", 3, "GM0599", T1)],
            ),
            result("nalevering.csv", [sub("nalevering.csv", 2, "GM0363", T2, kosten_hardware=5.0)]),
        ]
    )
    assert statuses(resolved) == {
        "export.csv:2": ("superseded", "nalevering.csv:2"),
        "export.csv:3": ("loaded", None),
        "nalevering.csv:2": ("loaded", None),
    }
    assert [s.key for s in resolved.loaded] == ["nalevering.csv:2", "export.csv:3"]
    assert resolved.loaded[0].answers["kosten_hardware"] == 5.0
    assert resolved.rejections == []


def test_later_row_in_the_same_file_wins_whatever_the_order() -> None:
    resolved = resolve_submissions(
        [result("a.csv", [sub("a.csv", 2, "GM0363", T2), sub("a.csv", 3, "GM0363", T1)])]
    )
    assert statuses(resolved) == {
        "a.csv:2": ("loaded", None),
        "a.csv:3": ("superseded", "a.csv:2"),
    }


def test_identical_resubmission_is_loaded_once() -> None:
    resolved = resolve_submissions(
        [
            result("b.csv", [sub("b.csv", 2, "GM0363", T2, name="Amsterdam")]),
            result("a.csv", [sub("a.csv", 7, "GM0363", T2, name="Gemeente Amsterdam")]),
        ]
    )
    # the name does not count as an answer; tie broken by file name, then row
    assert statuses(resolved) == {
        "a.csv:7": ("loaded", None),
        "b.csv:2": ("superseded", "a.csv:7"),
    }
    assert resolved.rejections == []


def test_conflicting_submissions_at_the_same_instant() -> None:
    resolved = resolve_submissions(
        [
            result(
                "a.csv",
                [
                    sub("a.csv", 2, "GM0363", T1),
                    sub("a.csv", 3, "GM0363", T2),
                    sub("a.csv", 4, "GM0599", T1),
                ],
            ),
            result("b.csv", [sub("b.csv", 2, "GM0363", T2, fte_data=None)]),
        ]
    )
    assert statuses(resolved) == {
        "a.csv:2": ("superseded", "a.csv:3"),
        "a.csv:3": ("rejected", None),
        "a.csv:4": ("loaded", None),
        "b.csv:2": ("rejected", None),
    }
    assert [s.municipality_code for s in resolved.loaded] == ["GM0599"]
    reasons = {(r.source_file, r.source_row): r.reason for r in resolved.rejections}
    assert reasons[("a.csv", 3)] == (
        "conflicting submissions for GM0363: same ingediend_op 2021-03-05 09:00:00 as "
        "b.csv:2 but different answers (fte_data)"
    )
    assert "as a.csv:3 but different answers (fte_data)" in reasons[("b.csv", 2)]


def test_rejected_rows_do_not_compete() -> None:
    resolved = resolve_submissions(
        [
            result(
                "a.csv",
                [sub("a.csv", 2, "GM0363", T1), sub("a.csv", 3, "GM0363", T2, rejected=True)],
            )
        ]
    )
    assert statuses(resolved) == {"a.csv:2": ("loaded", None), "a.csv:3": ("rejected", None)}
    assert [r.reason for r in resolved.rejections] == ["bad"]


def test_every_row_accounted_for() -> None:
    files = [
        result(
            "a.csv",
            [
                sub("a.csv", 2, "GM0363", T1),
                sub("a.csv", 3, None, None, rejected=True),
                sub("a.csv", 5, "GM0363", T2),
            ],
            empty=[4, 6],
        ),
        result("b.csv", [sub("b.csv", 2, "GM0363", T2, kosten_hardware=1.0)]),
    ]
    resolved = resolve_submissions(files)
    for f in files:
        records = [r for r in resolved.records if r.source_file == f.source_file]
        assert len(records) == f.n_rows
        assert sorted(r.source_row for r in records) == sorted(
            [s.source_row for s in f.submissions] + f.empty_rows
        )
    counts = resolved.counts_by_file()
    assert counts["a.csv"] == {"loaded": 0, "superseded": 1, "rejected": 2, "empty": 2}
    assert counts["b.csv"] == {"loaded": 0, "superseded": 0, "rejected": 1, "empty": 0}
    assert Counter(r.status for r in resolved.records)["empty"] == 2
    empty = [r for r in resolved.records if r.status == "empty"]
    assert all(r.submission is None and r.source_sha256 == "sha-a.csv" for r in empty)
    assert [r.key for r in resolved.records] == [
        "a.csv:2",
        "a.csv:3",
        "a.csv:4",
        "a.csv:5",
        "a.csv:6",
        "b.csv:2",
    ]
