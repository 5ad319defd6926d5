"""Edition data contracts: load and validate ``data_contracts/edition_<YYYY>.yaml``.

Everything that differs between editions lives in the YAML files; this module only knows the
schema of those files (documented in ``data_contracts/README.md``) and a handful of generic
canonical codes that every edition must carry (``IDENTITY_QUESTIONS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

import yaml

CONTRACTS_DIR: Final[Path] = Path(__file__).resolve().parents[2] / "data_contracts"
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


def contract_path(edition: int, contracts_dir: Path | None = None) -> Path:
    return (contracts_dir or CONTRACTS_DIR) / f"edition_{edition}.yaml"


def available_editions(contracts_dir: Path | None = None) -> list[int]:
    """Editions with a contract file, ascending."""
    directory = contracts_dir or CONTRACTS_DIR
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


# --------------------------------------------------------------------------- schema checks


class _Reader:
    """Strict access to one YAML mapping, with error messages naming file and location."""

    def __init__(self, data: object, path: Path, where: str) -> None:
        if not isinstance(data, dict):
            raise ContractError(f"{path}: {where} must be a mapping")
        self.data: dict[str, Any] = data
        self.path = path
        self.where = where

    def error(self, message: str) -> ContractError:
        return ContractError(f"{self.path}: {self.where}: {message}")

    def check_keys(self, required: set[str], optional: set[str]) -> None:
        unknown = sorted(set(map(str, self.data)) - required - optional)
        if unknown:
            raise self.error(f"unknown key(s) {', '.join(unknown)}")
        missing = sorted(required - set(self.data))
        if missing:
            raise self.error(f"missing key(s) {', '.join(missing)}")

    def str_(self, key: str, default: str | None = None, *, allow_empty: bool = False) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.error(f"{key} must be a non-empty string, got {value!r}")
        return value

    def int_(self, key: str, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{key} must be an integer, got {value!r}")
        return value

    def bool_(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"{key} must be true or false, got {value!r}")
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"{key} must be a number, got {value!r}")
        return float(value)


def _parse_contract(document: object, path: Path, expected_edition: int) -> EditionContract:
    top = _Reader(document, path, "top level")
    top.check_keys(
        {
            "schema_version",
            "contract_version",
            "edition",
            "boekjaar",
            "file",
            "numbers",
            "no_answer_tokens",
            "amounts",
            "columns",
        },
        {"description"},
    )
    if top.int_("schema_version") != SCHEMA_VERSION:
        raise top.error(f"schema_version must be {SCHEMA_VERSION}")
    edition = top.int_("edition")
    if edition != expected_edition:
        raise top.error(f"edition {edition} does not match the file name ({expected_edition})")
    boekjaar = top.int_("boekjaar")
    if boekjaar != edition - 1:
        raise top.error(f"boekjaar must be edition - 1 = {edition - 1}, got {boekjaar}")
    contract_version = top.data.get("contract_version")
    if not isinstance(contract_version, str | int | float) or isinstance(contract_version, bool):
        raise top.error("contract_version must be a string")
    description = top.str_("description", "", allow_empty=True)

    file_format = _parse_file_format(top.data["file"], path)
    numbers = _parse_numbers(top.data["numbers"], path)
    tokens = _parse_tokens(top.data["no_answer_tokens"], path)
    amount_unit, amount_factor = _parse_amounts(top.data["amounts"], path)
    columns = _parse_columns(top.data["columns"], path, amount_unit, amount_factor)
    return EditionContract(
        edition=edition,
        boekjaar=boekjaar,
        contract_version=str(contract_version),
        description=description.strip(),
        file=file_format,
        numbers=numbers,
        no_answer_tokens=tokens,
        amount_unit=amount_unit,
        amount_factor=amount_factor,
        columns=columns,
        source_path=path,
    )


def _parse_file_format(data: object, path: Path) -> FileFormat:
    r = _Reader(data, path, "file")
    fmt = r.data.get("format")
    if fmt == "csv":
        r.check_keys(
            {"format", "encoding", "delimiter", "header_row", "first_data_row"}, {"quotechar"}
        )
        encoding = r.str_("encoding")
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise r.error(f"unknown encoding {encoding!r}") from exc
        delimiter = r.str_("delimiter")
        quotechar = r.str_("quotechar", '"')
        if len(delimiter) != 1 or len(quotechar) != 1:
            raise r.error("delimiter and quotechar must be single characters")
        csv_options: CsvOptions | None = CsvOptions(encoding, delimiter, quotechar)
        xlsx_options: XlsxOptions | None = None
    elif fmt == "xlsx":
        r.check_keys({"format", "sheet", "header_row", "first_data_row"}, set())
        csv_options, xlsx_options = None, XlsxOptions(r.str_("sheet"))
    else:
        raise r.error(f"format must be 'csv' or 'xlsx', got {fmt!r}")
    header_row = r.int_("header_row")
    first_data_row = r.int_("first_data_row")
    if header_row < 1 or first_data_row <= header_row:
        raise r.error("need 1 <= header_row < first_data_row")
    return FileFormat(
        format=cast(Format, fmt),
        header_row=header_row,
        first_data_row=first_data_row,
        csv=csv_options,
        xlsx=xlsx_options,
    )


def _parse_numbers(data: object, path: Path) -> NumberFormat:
    r = _Reader(data, path, "numbers")
    r.check_keys({"decimal", "thousands"}, set())
    decimal = r.str_("decimal")
    thousands = r.data.get("thousands")
    if decimal not in {",", "."}:
        raise r.error("decimal must be ',' or '.'")
    if thousands is not None and (thousands not in {",", "."} or thousands == decimal):
        raise r.error("thousands must be ',' or '.' (not the decimal separator) or null")
    return NumberFormat(decimal=decimal, thousands=thousands)


def _parse_tokens(data: object, path: Path) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(t, str) for t in data):
        raise ContractError(f"{path}: no_answer_tokens must be a list of strings")
    return tuple(t.strip().casefold() for t in data)


def _parse_amounts(data: object, path: Path) -> tuple[str, Decimal]:
    r = _Reader(data, path, "amounts")
    r.check_keys({"unit", "to_eur_factor"}, set())
    unit = r.str_("unit")
    raw_factor = r.data["to_eur_factor"]
    try:
        factor = Decimal(str(raw_factor))
    except InvalidOperation as exc:
        raise r.error(f"to_eur_factor must be a number, got {raw_factor!r}") from exc
    if isinstance(raw_factor, bool) or not factor.is_finite() or factor <= 0:
        raise r.error(f"to_eur_factor must be a positive number, got {raw_factor!r}")
    return unit, factor


_COLUMN_KEYS_REQUIRED: Final = {"header", "question", "kind", "text_nl"}
_COLUMN_KEYS_OPTIONAL: Final = {"required", "impossible", "plausible", "note"}
_CODE_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]*$")


def _parse_columns(
    data: object, path: Path, amount_unit: str, amount_factor: Decimal
) -> tuple[ColumnSpec, ...]:
    if not isinstance(data, list) or not data:
        raise ContractError(f"{path}: columns must be a non-empty list")
    columns: list[ColumnSpec] = []
    for index, item in enumerate(data, start=1):
        where = f"column {index}"
        if isinstance(item, dict) and isinstance(item.get("header"), str):
            where = f"column {index} ({item['header']})"
        r = _Reader(item, path, where)
        r.check_keys(_COLUMN_KEYS_REQUIRED, _COLUMN_KEYS_OPTIONAL)
        header, question = r.str_("header"), r.str_("question")
        for label, code in (("header", header), ("question", question)):
            if not _CODE_PATTERN.match(code):
                raise r.error(f"{label} {code!r} must be lower-case letters, digits and _")
        kind = r.str_("kind")
        if kind not in KINDS:
            raise r.error(f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
        impossible = _parse_bounds(r, "impossible")
        plausible = _parse_bounds(r, "plausible")
        if (impossible.is_bounded or plausible.is_bounded) and kind not in NUMERIC_KINDS:
            raise r.error(f"bounds are only allowed on numeric kinds, not {kind!r}")
        note = r.data.get("note")
        if note is not None and not isinstance(note, str):
            raise r.error("note must be a string")
        is_amount = kind == "amount"
        columns.append(
            ColumnSpec(
                header=header,
                question=question,
                kind=cast(Kind, kind),
                required=r.bool_("required", False),
                text_nl=r.str_("text_nl").strip(),
                impossible=impossible,
                plausible=plausible,
                reported_unit=amount_unit if is_amount else CANONICAL_UNITS.get(kind),
                canonical_unit=CANONICAL_UNITS.get(kind),
                factor=amount_factor if is_amount else Decimal(1),
                note=note.strip() if note else None,
            )
        )
    _check_columns(columns, path)
    return tuple(columns)


def _parse_bounds(r: _Reader, key: str) -> Bounds:
    data = r.data.get(key)
    if data is None:
        return Bounds()
    b = _Reader(data, r.path, f"{r.where}: {key}")
    b.check_keys(set(), {"min", "max"})
    bounds = Bounds(min=b.number("min"), max=b.number("max"))
    if bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
        raise b.error("min is greater than max")
    return bounds


def _check_columns(columns: list[ColumnSpec], path: Path) -> None:
    for attribute in ("header", "question"):
        seen: set[str] = set()
        for column in columns:
            value = getattr(column, attribute)
            if value in seen:
                raise ContractError(f"{path}: duplicate {attribute} {value!r}")
            seen.add(value)
    by_question = {c.question: c for c in columns}
    for question, (kind, required) in IDENTITY_QUESTIONS.items():
        identity = by_question.get(question)
        if identity is None:
            if required:
                raise ContractError(f"{path}: a column with question {question!r} is required")
            continue
        if identity.kind != kind or identity.required != required:
            raise ContractError(
                f"{path}: column {identity.header!r} ({question}) must have kind {kind!r} "
                f"and required: {str(required).lower()}"
            )
    for column in columns:
        if column.question not in IDENTITY_QUESTIONS and column.kind in {
            "code",
            "timestamp",
        }:
            raise ContractError(
                f"{path}: column {column.header!r}: kind {column.kind!r} is reserved for "
                f"{MUNICIPALITY_CODE} / {INGEDIEND_OP}"
            )
