"""`ictbench validate FILE [--edition YEAR]`: a file checked against its contract, loading
nothing.

Where the file lies in a landing zone (``<landing>/survey/<edition>/<file>``), that landing
zone's reference data is used, and its folder gives the edition (``--edition`` may then be
left out; a different one is an error). Elsewhere ``--edition`` is needed and the reference
data is that of ``ICTBENCH_LANDING``. The output shows every reader warning and every
rejection; any rejected row or cell makes the file "not valid" (exit 1), an unusable file
exit 2.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipelines.core.contracts import SURVEY_SUFFIXES, ContractError, EditionContract, load_contract
from pipelines.core.expectations import (
    ANSWER_COLUMNS,
    SUBMISSION_COLUMNS,
    expectations_frame,
    validate_loaded_submissions,
)
from pipelines.core.reference_data import (
    ReferenceDataError,
    load_municipal_division,
    municipalities_on,
)
from pipelines.core.submissions import STATUSES, ResolvedEdition, resolve_submissions
from pipelines.core.survey_reader import FileReadResult, read_survey_file
from pipelines.settings import LANDING_VAR, SAMPLE_LANDING, Settings
from pipelines.warehouse.ingest_frames import edition_frames
from pipelines.warehouse.landing import SurveyFilePlace, survey_file_place, unread_reason

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2

# "Most codes are unknown": more than this share of the rows with a code, and at least
# MIN_CODES_FOR_HINT of them (one or two unknown codes are ordinary typing errors).
UNKNOWN_CODE_SHARE = 0.5
MIN_CODES_FOR_HINT = 3


@dataclass
class FileValidation:
    lines: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK

    def fail(self, line: str, exit_code: int = EXIT_UNUSABLE) -> FileValidation:
        self.lines.append(line)
        self.exit_code = max(self.exit_code, exit_code)
        return self


def validate_file(path: Path, edition: int | None, settings: Settings) -> FileValidation:
    """Check ``path`` against the contract of ``edition`` (``None``: the edition folder the
    file lies in)."""
    out = FileValidation()
    if not path.is_file():
        return out.fail(f"{path}: no such file")
    place = survey_file_place(path)
    if place is not None and edition is not None and edition != place.edition:
        return out.fail(
            f"{path}: --edition {edition} does not match the edition folder the file lies in "
            f"(survey/{place.edition}/); leave --edition out or move the file"
        )
    if edition is None:
        if place is None:
            return out.fail(
                f"{path}: not in a landing zone's survey/<edition>/ folder; "
                "give the edition with --edition YEAR"
            )
        edition = place.edition
    try:
        contract = load_contract(edition)
    except (ContractError, FileNotFoundError) as exc:
        return out.fail(f"edition {edition}: {exc}")

    # what refresh would not read is not read here either
    if place is not None:
        entry = unread_reason(path, place.landing)
        if entry is not None:
            return out.fail(f"{entry.name}: {entry.reason} (refresh does not read it)")
    elif path.suffix.lower() not in SURVEY_SUFFIXES:
        return out.fail(f"{path.name}: not a .csv or .xlsx file; refresh would not read it")

    # a file in a landing zone is checked against that landing zone's reference data
    if place is not None:
        settings = replace(settings, landing=place.landing)
    division_path = settings.division_file
    valid_codes = None
    if division_path.exists():
        try:
            division = load_municipal_division(division_path)
        except ReferenceDataError as exc:
            return out.fail(f"reference data: {exc}")
        valid_codes = municipalities_on(division, date(contract.boekjaar, 1, 1))
        chosen = (
            "the landing zone the file lies in"
            if place is not None
            else f"{LANDING_VAR} sets the landing zone"
        )
        out.lines.append(
            f"note: municipality codes checked against {division_path} "
            f"(1 January {contract.boekjaar}; {chosen})"
        )
    else:
        out.lines.append(f"note: {division_path} not found; municipality codes not checked")

    result = read_survey_file(path, contract, valid_codes)
    resolved = resolve_submissions([result])
    _report_reading(out, path, contract, result, resolved)
    if valid_codes is not None:
        out.lines.extend(_division_hint(result, valid_codes, contract, division_path, place))
    _report_expectations(out, contract, result, resolved)
    if resolved.rejections:
        out.exit_code = max(out.exit_code, EXIT_FINDINGS)
    out.lines.append("valid" if out.exit_code == EXIT_OK else "not valid")
    return out


def _report_reading(
    out: FileValidation,
    path: Path,
    contract: EditionContract,
    result: FileReadResult,
    resolved: ResolvedEdition,
) -> None:
    out.lines.append(
        f"{path.name}: edition {contract.edition} (contract {contract.contract_version}), "
        f"{result.n_rows} data rows"
    )
    if result.unusable_reason:
        out.fail(f"UNUSABLE: {result.unusable_reason}")
    for warning in result.warnings:
        out.lines.append(f"warning: {warning}")
    out.lines.extend(r.describe() for r in resolved.rejections)
    counts = Counter(r.status for r in resolved.records)
    out.lines.append("rows: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES))


def _report_expectations(
    out: FileValidation,
    contract: EditionContract,
    result: FileReadResult,
    resolved: ResolvedEdition,
) -> None:
    if not resolved.loaded or result.unusable_reason:
        return
    report = validate_loaded_submissions(
        expectations_frame_of(result, resolved, contract), contract
    )
    for outcome in report.results:
        if not outcome.success:
            out.lines.append(
                f"expectation failed: {outcome.expectation} on {outcome.column}: "
                f"{outcome.unexpected_count} unexpected (e.g. {outcome.sample_unexpected})"
            )
    out.lines.append(
        f"contract expectations: {sum(o.success for o in report.results)}/{len(report.results)} met"
    )
    if not report.success:
        out.exit_code = max(out.exit_code, EXIT_FINDINGS)


def expectations_frame_of(
    result: FileReadResult, resolved: ResolvedEdition, contract: EditionContract
) -> pd.DataFrame:
    """What the contract's suite validates, built from the file just read: the rows the
    ingest would write to raw.survey_submissions and raw.survey_answers (``edition_frames``),
    selected like the blocking check selects them from the build database."""
    frames = edition_frames(contract, [result], resolved)
    submissions = frames["survey_submissions"]
    loaded = (
        submissions[submissions["status"] == "loaded"]
        .sort_values("municipality_code")
        .reset_index(drop=True)
        # a loaded row always has its (required) boekjaar; the empty rows' NULLs are gone
        .astype({"boekjaar": "int64"})
    )
    answers = frames["survey_answers"][list(ANSWER_COLUMNS)].astype({"value": "float64"})
    return expectations_frame(loaded[list(SUBMISSION_COLUMNS)], answers)


def _division_hint(
    result: FileReadResult,
    valid_codes: set[str],
    contract: EditionContract,
    division_path: Path,
    place: SurveyFilePlace | None,
) -> list[str]:
    """When most codes of the file are no municipality on 1 January of the boekjaar, the
    reference data is probably another division than the file's (e.g. the bundled sample's
    fictitious one): say so, and how to point at the right one."""
    codes = [s.municipality_code for s in result.submissions if s.municipality_code]
    unknown = [c for c in codes if c not in valid_codes]
    if len(codes) < MIN_CODES_FOR_HINT or len(unknown) <= UNKNOWN_CODE_SHARE * len(codes):
        return []
    which = ""
    if division_path.resolve().is_relative_to(SAMPLE_LANDING.resolve()):
        which = " (it is the bundled sample's fictitious division)"
    if place is None:
        advice = (
            f"point {LANDING_VAR}=<landing zone whose reference/ holds the real CBS "
            f"{division_path.name}>, or validate the file where it lies in its landing zone "
            "(<landing>/survey/<edition>/)"
        )
    else:
        advice = f"put the real CBS division in {division_path}"
    return [
        f"note: {len(unknown)} of {len(codes)} municipality codes are not a municipality on "
        f"1 January {contract.boekjaar} in {division_path}{which}: the reference data looks "
        f"like another municipal division than the file's. To check against the right one, "
        f"{advice}"
    ]
