"""From parsed survey files to the rows of the raw tables (pure: no warehouse)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from pipelines.core.contracts import EditionContract
from pipelines.core.submissions import ResolvedEdition
from pipelines.core.survey_reader import FileReadResult
from pipelines.warehouse.landing import UnreadEntry
from pipelines.warehouse.raw_tables import RAW_TABLES, declared_columns


def _frame(table: str, records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The rows of a raw table, with its columns even when there is no row."""
    columns = [name for name, _ in declared_columns(RAW_TABLES[table])]
    return pd.DataFrame.from_records(list(records), columns=columns)


def edition_frames(
    contract: EditionContract,
    files: Sequence[FileReadResult],
    resolved: ResolvedEdition,
    unread: Sequence[UnreadEntry] = (),
) -> dict[str, pd.DataFrame]:
    """The rows of every per-edition raw table for one edition."""
    edition = contract.edition
    not_read: list[Mapping[str, object]] = [
        {
            "edition": edition,
            "source_file": entry.name,
            "notice_kind": "refused" if entry.refused else "not_read",
            "message": entry.reason,
        }
        for entry in unread
    ]
    warnings: list[Mapping[str, object]] = [
        {
            "edition": edition,
            "source_file": f.source_file,
            "notice_kind": "warning",
            "message": warning,
        }
        for f in files
        for warning in f.warnings
    ]
    notices = _frame("survey_file_notices", not_read + warnings)
    source_files = _frame(
        "survey_source_files",
        [
            {
                "edition": edition,
                "source_file": f.source_file,
                "source_sha256": f.source_sha256,
                "contract_version": contract.contract_version,
                "n_rows": f.n_rows,
                "status": "unusable" if f.unusable_reason else "ok",
                "reason": f.unusable_reason,
            }
            for f in files
        ],
    )
    submissions = _frame(
        "survey_submissions",
        [
            {
                "edition": edition,
                "boekjaar": r.boekjaar,
                "source_file": r.source_file,
                "source_sha256": r.source_sha256,
                "source_row": r.source_row,
                "municipality_code": r.municipality_code,
                "municipality_name": r.municipality_name,
                "ingediend_op": r.ingediend_op,
                "status": r.status,
                "superseded_by": r.superseded_by,
            }
            for r in resolved.records
        ],
    )
    questions = contract.numeric_questions
    answers = _frame(
        "survey_answers",
        [
            {
                "edition": edition,
                "municipality_code": s.municipality_code,
                "question_code": question,
                "value": s.answers.get(question),
                "raw_value": s.raw_values.get(contract.question_header(question)),
                "source_file": s.source_file,
                "source_row": s.source_row,
            }
            for s in resolved.loaded
            for question in questions
        ],
    )
    rejections = _frame(
        "survey_rejections",
        [
            {
                "edition": edition,
                "source_file": r.source_file,
                "source_row": r.source_row,
                "column_name": r.column_name,
                "raw_value": r.raw_value,
                "reason": r.reason,
            }
            for r in resolved.rejections
        ],
    )
    edition_questions = _frame(
        "survey_edition_questions",
        [
            {
                "edition": edition,
                "question_code": column.question,
                "kind": column.kind,
                "unit": column.canonical_unit,
                "required": column.required,
                "question_text": column.text_nl,
                "plausible_min": column.plausible.min,
                "plausible_max": column.plausible.max,
            }
            for column in contract.columns
            if column.question in questions
        ],
    )
    return {
        "survey_source_files": source_files,
        "survey_submissions": submissions,
        "survey_answers": answers,
        "survey_rejections": rejections,
        "survey_edition_questions": edition_questions,
        "survey_file_notices": notices,
    }
