"""`ictbench validate FILE --edition YEAR`: a file checked against its contract, loading nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.contracts import ContractError, load_contract
from pipelines.core.expectations import validate_loaded_submissions
from pipelines.core.reference_data import load_municipal_division, municipalities_on
from pipelines.core.submissions import resolve_submissions
from pipelines.core.survey_reader import read_survey_file
from pipelines.settings import Settings

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


@dataclass
class FileValidation:
    lines: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK


def validate_file(path: Path, edition: int, settings: Settings) -> FileValidation:
    out = FileValidation()
    if not path.is_file():
        out.lines.append(f"{path}: no such file")
        out.exit_code = EXIT_UNUSABLE
        return out
    try:
        contract = load_contract(edition)
    except (ContractError, FileNotFoundError) as exc:
        out.lines.append(f"edition {edition}: {exc}")
        out.exit_code = EXIT_UNUSABLE
        return out
    division_path = settings.reference_dir / "gemeentelijke-indeling.csv"
    valid_codes = None
    if division_path.exists():
        valid_codes = municipalities_on(
            load_municipal_division(division_path), date(contract.boekjaar, 1, 1)
        )
        out.lines.append(
            f"note: municipality codes checked against {division_path} "
            f"(1 January {contract.boekjaar}; ICTBENCH_LANDING sets the landing zone)"
        )
    else:
        out.lines.append(f"note: {division_path} not found; municipality codes not checked")

    result = read_survey_file(path, contract, valid_codes)
    resolved = resolve_submissions([result])
    out.lines.append(
        f"{path.name}: edition {edition} (contract {contract.contract_version}), "
        f"{result.n_rows} data rows"
    )
    if result.unusable_reason:
        out.lines.append(f"UNUSABLE: {result.unusable_reason}")
        out.exit_code = EXIT_UNUSABLE
    for warning in result.warnings:
        out.lines.append(f"warning: {warning}")
    for r in resolved.rejections:
        where = f"row {r.source_row}" if r.source_row is not None else "file"
        column = f", column {r.column_name}" if r.column_name else ""
        raw = f" (value {r.raw_value!r})" if r.raw_value is not None else ""
        out.lines.append(f"{r.source_file}, {where}{column}: {r.reason}{raw}")
    counts = pd.Series([r.status for r in resolved.records]).value_counts().to_dict()
    out.lines.append(
        "rows: "
        + ", ".join(
            f"{counts.get(s, 0)} {s}" for s in ("loaded", "superseded", "rejected", "empty")
        )
    )
    if resolved.loaded and not result.unusable_reason:
        frame = pd.DataFrame(
            [
                {
                    "municipality_code": s.municipality_code,
                    "boekjaar": s.boekjaar,
                    "ingediend_op": s.ingediend_op,
                    **{q: s.answers.get(q) for q in contract.numeric_questions},
                }
                for s in resolved.loaded
            ]
        )
        report = validate_loaded_submissions(frame, contract)
        for outcome in report.results:
            if not outcome.success:
                out.lines.append(
                    f"expectation failed: {outcome.expectation} on {outcome.column}: "
                    f"{outcome.unexpected_count} unexpected (e.g. {outcome.sample_unexpected})"
                )
        out.lines.append(
            f"contract expectations: {sum(o.success for o in report.results)}"
            f"/{len(report.results)} met"
        )
        if not report.success and out.exit_code == EXIT_OK:
            out.exit_code = EXIT_FINDINGS
    if resolved.rejections and out.exit_code == EXIT_OK:
        out.exit_code = EXIT_FINDINGS
    out.lines.append("valid" if out.exit_code == EXIT_OK else "not valid")
    return out
