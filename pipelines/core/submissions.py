"""Resolve the submissions of one edition: which row of each municipality is loaded.

Rules (survey format, "Duplicates"):

* Only rows that were not rejected take part. Per municipality the row with the latest
  ``ingediend_op`` is ``loaded``; every earlier row is ``superseded`` with
  ``superseded_by = "<file>:<row>"`` of the row that replaced it.
* Several rows at that latest instant with identical answers (any question other than the
  municipality name) are one resubmission: the first by (file name, row) is loaded, the
  others are superseded by it.
* Several rows at that latest instant with *different* answers are an error for the
  municipality: all of them are rejected (each with a reason naming the other rows), none
  is loaded, and the earlier rows are ``superseded`` by the first conflicting row (they were
  replaced; their replacement is in conflict). No older submission is loaded instead: that
  would publish figures the municipality tried to replace.

Every data row of every file gets exactly one :class:`SubmissionRecord`
(``loaded``/``superseded``/``rejected``/``empty``), so per file
rows in = loaded + superseded + rejected + empty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pipelines.core.survey_reader import FileReadResult, ParsedSubmission, Rejection

Status = Literal["loaded", "superseded", "rejected", "empty"]
STATUSES: tuple[Status, ...] = ("loaded", "superseded", "rejected", "empty")


@dataclass(frozen=True)
class SubmissionRecord:
    """The fate of one input data row (a row of ``raw.survey_submissions``)."""

    source_file: str
    source_sha256: str
    source_row: int
    municipality_code: str | None
    municipality_name: str | None
    boekjaar: int | None
    ingediend_op: datetime | None
    status: Status
    superseded_by: str | None = None
    submission: ParsedSubmission | None = None  # None for an empty row

    @property
    def key(self) -> str:
        return f"{self.source_file}:{self.source_row}"


@dataclass
class ResolvedEdition:
    records: list[SubmissionRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def loaded(self) -> list[ParsedSubmission]:
        """The loaded submissions, one per municipality, ordered by municipality code."""
        loaded = [r.submission for r in self.records if r.status == "loaded" and r.submission]
        return sorted(loaded, key=lambda s: s.municipality_code or "")

    def counts_by_file(self) -> dict[str, dict[Status, int]]:
        counts: dict[str, dict[Status, int]] = {}
        for record in self.records:
            per_file = counts.setdefault(record.source_file, dict.fromkeys(STATUSES, 0))
            per_file[record.status] += 1
        return counts


def _order(submission: ParsedSubmission) -> tuple[str, int]:
    return (submission.source_file, submission.source_row)


def _answers_differ(a: ParsedSubmission, b: ParsedSubmission) -> list[str]:
    """Questions answered differently (the municipality name does not count)."""
    questions = sorted(set(a.answers) | set(b.answers))
    return [q for q in questions if a.answers.get(q) != b.answers.get(q)]


def resolve_submissions(results: Sequence[FileReadResult]) -> ResolvedEdition:
    resolved = ResolvedEdition()
    status: dict[tuple[str, int], tuple[Status, str | None]] = {}
    for result in results:
        resolved.rejections.extend(result.rejections)

    candidates: dict[str, list[ParsedSubmission]] = defaultdict(list)
    for result in results:
        for submission in result.submissions:
            if submission.row_rejected:
                status[_order(submission)] = ("rejected", None)
            elif submission.municipality_code is None or submission.ingediend_op is None:
                # cannot happen for a row that passed the reader's checks; be safe
                status[_order(submission)] = ("rejected", None)
                resolved.rejections.append(
                    Rejection(
                        submission.source_file,
                        submission.source_row,
                        None,
                        None,
                        "row has no municipality code or submission time",
                    )
                )
            else:
                candidates[submission.municipality_code].append(submission)

    for code in sorted(candidates):
        rows = sorted(candidates[code], key=lambda s: (s.ingediend_op, *_order(s)))
        latest_instant = rows[-1].ingediend_op
        latest = sorted((s for s in rows if s.ingediend_op == latest_instant), key=_order)
        earlier = [s for s in rows if s.ingediend_op != latest_instant]
        first = latest[0]
        conflicting = any(_answers_differ(first, other) for other in latest[1:])
        if conflicting:
            for submission in latest:
                others = [s for s in latest if s is not submission]
                differing = sorted({q for o in others for q in _answers_differ(submission, o)})
                status[_order(submission)] = ("rejected", None)
                resolved.rejections.append(
                    Rejection(
                        submission.source_file,
                        submission.source_row,
                        None,
                        None,
                        f"conflicting submissions for {code}: same ingediend_op "
                        f"{latest_instant:%Y-%m-%d %H:%M:%S} as "
                        f"{', '.join(o.key for o in others)} but different answers "
                        f"({', '.join(differing)})",
                    )
                )
        else:
            status[_order(first)] = ("loaded", None)
            for submission in latest[1:]:
                status[_order(submission)] = ("superseded", first.key)
        for submission in earlier:
            status[_order(submission)] = ("superseded", first.key)

    for result in results:
        records: list[SubmissionRecord] = []
        for submission in result.submissions:
            state, superseded_by = status[_order(submission)]
            records.append(
                SubmissionRecord(
                    source_file=submission.source_file,
                    source_sha256=submission.source_sha256,
                    source_row=submission.source_row,
                    municipality_code=submission.municipality_code,
                    municipality_name=submission.municipality_name,
                    boekjaar=submission.boekjaar,
                    ingediend_op=submission.ingediend_op,
                    status=state,
                    superseded_by=superseded_by,
                    submission=submission,
                )
            )
        for row in result.empty_rows:
            records.append(
                SubmissionRecord(
                    source_file=result.source_file,
                    source_sha256=result.source_sha256,
                    source_row=row,
                    municipality_code=None,
                    municipality_name=None,
                    boekjaar=None,
                    ingediend_op=None,
                    status="empty",
                )
            )
        resolved.records.extend(records)
    resolved.records.sort(key=lambda r: (r.source_file, r.source_row))
    resolved.rejections.sort(
        key=lambda r: (r.source_file, -1 if r.source_row is None else r.source_row)
    )
    return resolved
