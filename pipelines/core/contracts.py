"""Edition data contracts: load and validate ``data_contracts/edition_<YYYY>.yaml``.

Everything that differs between editions lives in the YAML files; this module only knows the
schema of those files (documented in ``data_contracts/README.md``) and a handful of generic
canonical codes that every edition must carry (``IDENTITY_QUESTIONS``).

A file is validated by pydantic models of its document (strict types, unknown keys refused);
every problem is reported as ``<file>: <key path>: <message>``, e.g.
``.../edition_2021.yaml: columns[5].kind: ...``. The validated document becomes the frozen
dataclasses below, which is what the rest of ictbench uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipelines.settings import load_contracts_dir

CONTRACT_FILE_PATTERN: Final = re.compile(r"^edition_(\d{4})\.yaml$")
SCHEMA_VERSION: Final = 1

Kind = Literal["code", "text", "integer", "timestamp", "amount", "fte", "count", "percent", "score"]
KINDS: Final[frozenset[str]] = frozenset(
    {"code", "text", "integer", "timestamp", "amount", "fte", "count", "percent", "score"}
)
NUMERIC_KINDS: Final[frozenset[str]] = frozenset(
    {"integer", "amount", "fte", "count", "percent", "score"}
)
WHOLE_NUMBER_KINDS: Final[frozenset[str]] = frozenset({"integer", "count"})

# Canonical unit of the value the warehouse stores per kind (amounts: always euros).
CANONICAL_UNITS: Final[Mapping[str, str]] = {
    "amount": "EUR",
    "fte": "FTE",
    "count": "count",
    "integer": "number",
    "percent": "percent",
    "score": "score",
}

# Canonical codes of the submission's identity fields (every edition, whatever the header).
MUNICIPALITY_CODE: Final = "municipality_code"
MUNICIPALITY_NAME: Final = "municipality_name"
BOEKJAAR: Final = "boekjaar"
INGEDIEND_OP: Final = "ingediend_op"
IDENTITY_QUESTIONS: Final[Mapping[str, tuple[str, bool]]] = {
    # canonical code: (kind, required)
    MUNICIPALITY_CODE: ("code", True),
    MUNICIPALITY_NAME: ("text", False),
    BOEKJAAR: ("integer", True),
    INGEDIEND_OP: ("timestamp", True),
}


class ContractError(ValueError):
    """A data-contract file is missing or does not follow the contract schema."""


@dataclass(frozen=True)
class Bounds:
    """Closed interval ``[min, max]`` in the canonical unit; ``None`` = unbounded."""

    min: float | None = None
    max: float | None = None

    def contains(self, value: float) -> bool:
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)

    @property
    def is_bounded(self) -> bool:
        return self.min is not None or self.max is not None

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"between {_fmt(self.min)} and {_fmt(self.max)}"
        if self.min is not None:
            return f"at least {_fmt(self.min)}"
        if self.max is not None:
            return f"at most {_fmt(self.max)}"
        return "unbounded"


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an edition's survey file."""

    header: str
    question: str
    kind: Kind
    required: bool
    text_nl: str
    impossible: Bounds
    plausible: Bounds
    reported_unit: str | None
    canonical_unit: str | None
    factor: Decimal
    note: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def is_whole_number(self) -> bool:
        return self.kind in WHOLE_NUMBER_KINDS

    @property
    def is_answer(self) -> bool:
        """A numeric survey answer (what goes to ``raw.survey_answers``)."""
        return self.is_numeric and self.question not in IDENTITY_QUESTIONS


@dataclass(frozen=True)
class CsvOptions:
    encoding: str
    delimiter: str
    quotechar: str = '"'


# The formats survey exports arrive in; a file's suffix names its format.
Format = Literal["csv", "xlsx"]
SURVEY_SUFFIXES: Final[tuple[str, ...]] = tuple(f".{f}" for f in get_args(Format))


@dataclass(frozen=True)
class XlsxOptions:
    sheet: str


@dataclass(frozen=True)
class FileFormat:
    format: Format
    header_row: int
    first_data_row: int
    csv: CsvOptions | None = None
    xlsx: XlsxOptions | None = None


@dataclass(frozen=True)
class NumberFormat:
    decimal: str
    thousands: str | None


@dataclass(frozen=True)
class EditionContract:
    """Everything ictbench knows about one edition's survey files."""

    edition: int
    boekjaar: int
    contract_version: str
    description: str
    file: FileFormat
    numbers: NumberFormat
    no_answer_tokens: tuple[str, ...]
    amount_unit: str
    amount_factor: Decimal
    columns: tuple[ColumnSpec, ...]
    source_path: Path

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)

    @property
    def answer_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.is_answer)

    @property
    def numeric_questions(self) -> tuple[str, ...]:
        """Canonical codes of the numeric questions (the rows of ``raw.survey_answers``)."""
        return tuple(c.question for c in self.answer_columns)

    def column_by_header(self, header: str) -> ColumnSpec | None:
        key = header.strip().lower()
        for column in self.columns:
            if column.header == key:
                return column
        return None

    def column_by_question(self, question: str) -> ColumnSpec | None:
        for column in self.columns:
            if column.question == question:
                return column
        return None

    def question_header(self, question: str) -> str:
        column = self.column_by_question(question)
        if column is None:
            raise KeyError(f"edition {self.edition} has no question {question!r}")
        return column.header


# `contracts_dir=None` below means the configured folder (ICTBENCH_CONTRACTS, default
# data_contracts/), read at each call.


def contract_path(edition: int, contracts_dir: Path | None = None) -> Path:
    return (contracts_dir or load_contracts_dir()) / f"edition_{edition}.yaml"


def available_editions(contracts_dir: Path | None = None) -> list[int]:
    """Editions with a contract file, ascending."""
    directory = contracts_dir or load_contracts_dir()
    if not directory.is_dir():
        return []
    editions = []
    for path in directory.iterdir():
        match = CONTRACT_FILE_PATTERN.match(path.name)
        if match and path.is_file():
            editions.append(int(match.group(1)))
    return sorted(editions)


def load_contract(edition: int, contracts_dir: Path | None = None) -> EditionContract:
    path = contract_path(edition, contracts_dir)
    if not path.is_file():
        raise ContractError(f"{path}: no data contract for edition {edition}")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from exc
    return _parse_contract(document, path, edition)


def load_all_contracts(contracts_dir: Path | None = None) -> dict[int, EditionContract]:
    return {e: load_contract(e, contracts_dir) for e in available_editions(contracts_dir)}


def all_numeric_questions(contracts_dir: Path | None = None) -> tuple[str, ...]:
    """Every numeric question any edition's contract asks, in questionnaire order (see
    ``questionnaire_order``): the question list dbt needs at compile time."""
    return questionnaire_order(load_all_contracts(contracts_dir).values())


def questionnaire_order(contracts: Iterable[EditionContract]) -> tuple[str, ...]:
    """The numeric questions of the contracts, each once, in questionnaire order.

    The oldest edition's order comes first; a question a later edition adds goes right
    before the next of that edition's questions already placed (or last), so it sits where
    that edition's form asks it (2021's ``kosten_licenties``/``kosten_saas`` after 2019's
    ``kosten_software``). dbt sums questions in this order (own ICT FTE): keep it stable.
    """
    order: list[str] = []
    for contract in sorted(contracts, key=lambda c: c.edition):
        questions = contract.numeric_questions
        for index, question in enumerate(questions):
            if question in order:
                continue
            following = next((q for q in questions[index + 1 :] if q in order), None)
            order.insert(order.index(following) if following else len(order), question)
    return tuple(order)


# --------------------------------------------------------------------------- the document
# The schema of a contract file (data_contracts/README.md) as pydantic models: strict types
# (no "1" for 1, no true for 1), unknown keys refused, every key required unless it has a
# default. Cross-field rules are validators on the smallest model that holds the fields, so
# an error's location names the key it is about.

_CODE_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _code(value: str) -> str:
    if not _CODE_PATTERN.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and _")
    return value


def _single_character(value: str) -> str:
    if len(value) != 1:
        raise ValueError(f"must be a single character, got {value!r}")
    return value


def _version_text(value: object) -> object:
    """`contract_version: 2021.1` (a YAML number) means "2021.1"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _positive_decimal(value: object) -> Decimal:
    """A YAML number, exactly as written (`1000` stays Decimal("1000"))."""
    factor = Decimal(str(value)) if isinstance(value, int | float) else None
    if isinstance(value, bool) or factor is None or not factor.is_finite() or factor <= 0:
        raise ValueError(f"must be a positive number, got {value!r}")
    return factor


NonBlank = Annotated[str, AfterValidator(_non_blank)]
QuestionCode = Annotated[str, AfterValidator(_non_blank), AfterValidator(_code)]
Character = Annotated[str, AfterValidator(_non_blank), AfterValidator(_single_character)]


class _Document(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _BoundsDocument(_Document):
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _BoundsDocument:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    def bounds(self) -> Bounds:
        return Bounds(min=self.min, max=self.max)


class _RowsDocument(_Document):
    header_row: int
    first_data_row: int

    @model_validator(mode="after")
    def _rows_in_order(self) -> _RowsDocument:
        if self.header_row < 1 or self.first_data_row <= self.header_row:
            raise ValueError("need 1 <= header_row < first_data_row")
        return self


class _CsvDocument(_RowsDocument):
    format: Literal["csv"]
    encoding: NonBlank
    delimiter: Character
    quotechar: Character = '"'

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, encoding: str) -> str:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {encoding!r}") from exc
        return encoding

    def file_format(self) -> FileFormat:
        options = CsvOptions(self.encoding, self.delimiter, self.quotechar)
        return FileFormat("csv", self.header_row, self.first_data_row, csv=options)


class _XlsxDocument(_RowsDocument):
    format: Literal["xlsx"]
    sheet: NonBlank

    def file_format(self) -> FileFormat:
        options = XlsxOptions(self.sheet)
        return FileFormat("xlsx", self.header_row, self.first_data_row, xlsx=options)


class _NumbersDocument(_Document):
    decimal: Literal[",", "."]
    thousands: Literal[",", "."] | None  # the key is required; null = no grouping

    @model_validator(mode="after")
    def _distinct_separators(self) -> _NumbersDocument:
        if self.thousands == self.decimal:
            raise ValueError("thousands must not be the decimal separator")
        return self


class _AmountsDocument(_Document):
    unit: NonBlank
    to_eur_factor: Annotated[Decimal, BeforeValidator(_positive_decimal)]


class _ColumnDocument(_Document):
    header: QuestionCode
    question: QuestionCode
    kind: Kind
    text_nl: NonBlank
    required: bool = False
    impossible: _BoundsDocument | None = None
    plausible: _BoundsDocument | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _ColumnDocument:
        bounds = (self.impossible, self.plausible)
        bounded = any(b is not None and b.bounds().is_bounded for b in bounds)
        if bounded and self.kind not in NUMERIC_KINDS:
            raise ValueError(f"bounds are only allowed on numeric kinds, not {self.kind!r}")
        identity = IDENTITY_QUESTIONS.get(self.question)
        if identity is not None:
            kind, required = identity
            if (self.kind, self.required) != (kind, required):
                raise ValueError(
                    f"question {self.question!r} must have kind {kind!r} "
                    f"and required: {str(required).lower()}"
                )
        elif self.kind in {"code", "timestamp"}:
            raise ValueError(
                f"kind {self.kind!r} is reserved for {MUNICIPALITY_CODE} / {INGEDIEND_OP}"
            )
        return self

    def column(self, amount_unit: str, amount_factor: Decimal) -> ColumnSpec:
        is_amount = self.kind == "amount"
        return ColumnSpec(
            header=self.header,
            question=self.question,
            kind=self.kind,
            required=self.required,
            text_nl=self.text_nl.strip(),
            impossible=self.impossible.bounds() if self.impossible else Bounds(),
            plausible=self.plausible.bounds() if self.plausible else Bounds(),
            reported_unit=amount_unit if is_amount else CANONICAL_UNITS.get(self.kind),
            canonical_unit=CANONICAL_UNITS.get(self.kind),
            factor=amount_factor if is_amount else Decimal(1),
            note=self.note.strip() if self.note else None,
        )


class _ContractDocument(_Document):
    schema_version: int
    contract_version: Annotated[str, BeforeValidator(_version_text)]
    edition: int
    boekjaar: int
    description: str = ""
    file: Annotated[_CsvDocument | _XlsxDocument, Field(discriminator="format")]
    numbers: _NumbersDocument
    no_answer_tokens: list[str]
    amounts: _AmountsDocument
    columns: Annotated[list[_ColumnDocument], Field(min_length=1)]

    @field_validator("schema_version")
    @classmethod
    def _supported_schema(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            raise ValueError(f"must be {SCHEMA_VERSION}, got {version}")
        return version

    @field_validator("edition")
    @classmethod
    def _edition_of_the_file(cls, edition: int, info: ValidationInfo) -> int:
        expected = (info.context or {}).get("edition")
        if expected is not None and edition != expected:
            raise ValueError(f"edition {edition} does not match the file name ({expected})")
        return edition

    @field_validator("boekjaar")
    @classmethod
    def _boekjaar_before_edition(cls, boekjaar: int, info: ValidationInfo) -> int:
        edition = info.data.get("edition")
        if edition is not None and boekjaar != edition - 1:
            raise ValueError(f"boekjaar must be edition - 1 = {edition - 1}, got {boekjaar}")
        return boekjaar

    @field_validator("columns")
    @classmethod
    def _columns_together(cls, columns: list[_ColumnDocument]) -> list[_ColumnDocument]:
        for attribute in ("header", "question"):
            first: dict[str, int] = {}
            for index, column in enumerate(columns):
                value = getattr(column, attribute)
                if value in first:
                    raise ValueError(
                        f"duplicate {attribute} {value!r} (columns[{first[value]}] "
                        f"and columns[{index}])"
                    )
                first[value] = index
        questions = {c.question for c in columns}
        for question, (_, required) in IDENTITY_QUESTIONS.items():
            if required and question not in questions:
                raise ValueError(f"a column with question {question!r} is required")
        return columns

    def contract(self, path: Path) -> EditionContract:
        factor = self.amounts.to_eur_factor
        return EditionContract(
            edition=self.edition,
            boekjaar=self.boekjaar,
            contract_version=self.contract_version,
            description=self.description.strip(),
            file=self.file.file_format(),
            numbers=NumberFormat(decimal=self.numbers.decimal, thousands=self.numbers.thousands),
            no_answer_tokens=tuple(t.strip().casefold() for t in self.no_answer_tokens),
            amount_unit=self.amounts.unit,
            amount_factor=factor,
            columns=tuple(c.column(self.amounts.unit, factor) for c in self.columns),
            source_path=path,
        )


def _parse_contract(document: object, path: Path, expected_edition: int) -> EditionContract:
    try:
        parsed = _ContractDocument.model_validate(document, context={"edition": expected_edition})
    except ValidationError as exc:
        problems = [_describe(error, document) for error in exc.errors(include_url=False)]
        raise ContractError("\n".join(f"{path}: {p}" for p in problems)) from None
    return parsed.contract(path)


# --------------------------------------------------------------------------- error messages

_FILE_FORMATS: Final = get_args(Format)


def _describe(error: Mapping[str, Any], document: object) -> str:
    """``<key path>: <message>`` of one pydantic error, e.g. ``columns[5].kind: ...``."""
    location = list(error["loc"])
    if location[:1] == ["file"] and len(location) > 1 and location[1] in _FILE_FORMATS:
        del location[1]  # the tag pydantic puts in the path of a discriminated union
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        message = "missing key"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind in {"union_tag_invalid", "union_tag_not_found"}:
        location.append("format")
        found = value.get("format") if isinstance(value, dict) else None
        formats = " or ".join(repr(f) for f in _FILE_FORMATS)
        message = f"format must be {formats}, got {found!r}"
    elif kind == "value_error":
        message = str(error["ctx"]["error"])
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        message = f"must be a mapping, got {_short(value)}"
    else:
        message = f"{error['msg']}, got {_short(value)}"
    return f"{_key_path(location, document)}: {message}"


def _key_path(location: list[Any], document: object) -> str:
    """``columns[5].kind``; a column also named by its header (``(header kosten_saas)``)."""
    if not location:
        return "top level"
    path = str(location[0])
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    if len(location) > 1 and location[0] == "columns" and isinstance(location[1], int):
        columns = document.get("columns") if isinstance(document, dict) else None
        column = columns[location[1]] if isinstance(columns, list) else None
        header = column.get("header") if isinstance(column, dict) else None
        if isinstance(header, str):
            path += f" (header {header})"
    return path


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
