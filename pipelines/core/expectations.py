"""Great Expectations (1.x) suites generated from an edition's data contract.

The suite runs on a wide pandas frame of the *loaded* submissions of one edition: columns
``municipality_code``, ``boekjaar``, ``ingediend_op`` and one column per numeric question
(canonical code; extra columns are ignored). ``expectations_frame`` builds it, from the
build database's rows (the blocking check) and from a file just read (``ictbench
validate``) alike. Nothing edition-specific lives here.

GX is imported lazily (it is slow to import) and runs in an ephemeral, in-memory context
with analytics and progress bars off: nothing is written to disk.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipelines.core.contracts import (
    BOEKJAAR,
    INGEDIEND_OP,
    MUNICIPALITY_CODE,
    EditionContract,
)

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.core.batch_definition import BatchDefinition

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

MUNICIPALITY_CODE_REGEX = r"^GM\d{4}$"
NUMERIC_TYPES = [
    "int",
    "float",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Float32",
    "Float64",
]
SAMPLE_SIZE = 5

# The input of ``expectations_frame``: the loaded submissions (one row each) and their
# answers in long form (one row per submission and numeric question), as in
# raw.survey_submissions and raw.survey_answers.
SUBMISSION_COLUMNS = (MUNICIPALITY_CODE, BOEKJAAR, INGEDIEND_OP, "source_file", "source_row")
ANSWER_COLUMNS = (MUNICIPALITY_CODE, "question_code", "value")


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_be_between"
    column: str | None
    success: bool
    unexpected_count: int | None
    sample_unexpected: list[Any] = field(default_factory=list)
    description: str = ""
    error: str | None = None  # set when GX could not evaluate the expectation


@dataclass(frozen=True)
class ValidationReport:
    success: bool
    results: list[ExpectationOutcome]
    edition: int | None = None

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success]


def expectations_frame(submissions: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    """One row per loaded submission (``submissions``, ``SUBMISSION_COLUMNS``, in its row
    order), one column per numeric question (pivoted from ``answers``, ``ANSWER_COLUMNS``):
    what the suite validates."""
    if answers.empty:
        return submissions
    wide = answers.pivot_table(
        index="municipality_code",
        columns="question_code",
        values="value",
        aggfunc="first",
        dropna=False,
    )
    wide.columns = [str(c) for c in wide.columns]
    return submissions.merge(wide.reset_index(), on="municipality_code", how="left")


def identity_columns() -> tuple[str, ...]:
    return (MUNICIPALITY_CODE, BOEKJAAR, INGEDIEND_OP)


def build_suite(contract: EditionContract) -> gx.ExpectationSuite:
    """The expectation suite of one edition, generated from its contract."""
    import great_expectations as gx

    e: Any = gx.expectations  # the classes are not re-exported for type checkers
    expectations: list[Any] = []

    def add(expectation: Any, description: str) -> None:
        expectation.meta = {"description": description}
        expectations.append(expectation)

    required_columns = list(identity_columns()) + [
        c.question for c in contract.answer_columns if c.required
    ]
    for name in required_columns:
        add(e.ExpectColumnToExist(column=name), f"column {name} is present")
        add(e.ExpectColumnValuesToNotBeNull(column=name), f"{name} is never empty")
    add(
        e.ExpectColumnValuesToMatchRegex(column=MUNICIPALITY_CODE, regex=MUNICIPALITY_CODE_REGEX),
        "municipality code is GM + 4 digits",
    )
    add(
        e.ExpectColumnValuesToBeUnique(column=MUNICIPALITY_CODE),
        "one loaded submission per municipality",
    )
    add(
        e.ExpectColumnValuesToBeInSet(column=BOEKJAAR, value_set=[contract.boekjaar]),
        f"boekjaar is {contract.boekjaar} (edition {contract.edition} - 1)",
    )
    for column in contract.answer_columns:
        add(
            e.ExpectColumnValuesToBeInTypeList(column=column.question, type_list=NUMERIC_TYPES),
            f"{column.question} ({column.kind}) is numeric",
        )
        bounds = column.impossible
        if bounds.is_bounded:
            add(
                e.ExpectColumnValuesToBeBetween(
                    column=column.question, min_value=bounds.min, max_value=bounds.max
                ),
                f"{column.question} ({column.kind}) is {bounds.describe()} "
                "(anything else is impossible)",
            )
    # Built with the constructor: add_expectation() would try to save to a context.
    return gx.ExpectationSuite(
        name=f"ictbench_edition_{contract.edition}", expectations=expectations
    )


_LOCK = threading.Lock()
_BATCH_DEFINITION: BatchDefinition[Any] | None = None


def _batch_definition() -> BatchDefinition[Any]:
    """One ephemeral in-memory GX context per process, reused across calls."""
    global _BATCH_DEFINITION
    if _BATCH_DEFINITION is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        context = gx.get_context(mode="ephemeral", project_config=config)
        asset = context.data_sources.add_pandas("ictbench").add_dataframe_asset(
            "loaded_submissions"
        )
        _BATCH_DEFINITION = asset.add_batch_definition_whole_dataframe("whole_frame")
    return _BATCH_DEFINITION


def _prepare(df: pd.DataFrame, contract: EditionContract) -> pd.DataFrame:
    """A numeric question without any column in ``df`` had no answers: add it as nulls
    (readers drop all-null columns when pivoting). Identity columns are left as they are."""
    frame = df.copy()
    for question in contract.numeric_questions:
        if question not in frame.columns:
            frame[question] = pd.Series([float("nan")] * len(frame), index=frame.index)
    return frame


def validate_loaded_submissions(df: pd.DataFrame, contract: EditionContract) -> ValidationReport:
    suite = build_suite(contract)
    frame = _prepare(df, contract)
    with _LOCK:
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY")
    # (type, column) is unique within a generated suite; keep the suite's order.
    order = {
        (exp.expectation_type, getattr(exp, "column", None)): i
        for i, exp in enumerate(suite.expectations)
    }
    outcomes: list[tuple[int, ExpectationOutcome]] = []
    for item in result.results:
        config = item.expectation_config
        assert config is not None
        details = item.result or {}
        error = None
        if item.exception_info and item.exception_info.get("raised_exception"):
            error = str(item.exception_info.get("exception_message"))
        elif item.exception_info:
            messages = [
                str(info.get("exception_message"))
                for info in item.exception_info.values()
                if isinstance(info, dict) and info.get("raised_exception")
            ]
            error = "; ".join(dict.fromkeys(messages)) or None
        outcomes.append(
            (
                order.get((config.type, config.kwargs.get("column")), len(order)),
                ExpectationOutcome(
                    expectation=config.type,
                    column=config.kwargs.get("column"),
                    success=bool(item.success),
                    unexpected_count=details.get("unexpected_count"),
                    sample_unexpected=list(details.get("partial_unexpected_list") or [])[
                        :SAMPLE_SIZE
                    ],
                    description=str((config.meta or {}).get("description", "")),
                    error=error,
                ),
            )
        )
    outcomes.sort(key=lambda pair: pair[0])
    results = [outcome for _, outcome in outcomes]
    return ValidationReport(
        success=all(o.success for o in results), results=results, edition=contract.edition
    )
