"""Loaders for the CBS reference files of the landing zone (pandas frames shaped like the
``raw.cbs_*`` tables of docs/architecture.md).

All files: UTF-8 (a byte-order mark may occur), any line ending, ``;``-separated. Errors
raise :class:`ReferenceDataError` naming the file and the 1-based line (and, for the rules
of ``herindelingen.csv``, the rule broken: :func:`check_mergers`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from graphlib import CycleError, TopologicalSorter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

DIVISION_HEADER = (
    "provinciecode",
    "provincienaam",
    "gemeentecode",
    "gemeentenaam",
    "begindatum",
    "einddatum",
)
POPULATION_COLUMNS = (
    "Geslacht",
    "Leeftijd",
    "BurgerlijkeStaat",
    "RegioS",
    "Perioden",
    "BevolkingOp1Januari_1",
)
POPULATION_TOTALS = {"Geslacht": "T001038", "Leeftijd": "10000", "BurgerlijkeStaat": "T001019"}
MERGERS_HEADER = ("datum", "oude_code", "nieuwe_code", "aandeel")
SHARE_TOLERANCE = 0.01

# The rules of herindelingen.csv, as the refusals name them.
RULE_SHARES = f"the shares of one oude_code on one datum add up to 1 (within {SHARE_TOLERANCE})"
RULE_OLD_EXISTED = "every oude_code existed the day before datum"
RULE_OLD_ENDED = (
    "no oude_code exists any more on datum, unless a row oude_code = nieuwe_code says its "
    "name survives"
)
RULE_NEW_EXISTS = "every nieuwe_code exists on datum"
RULE_NO_CYCLE = "no chain of mergers returns to a code it started from"

_GM_CODE = re.compile(r"^GM\d{4}$")
_PERIOD = re.compile(r"^(\d{4})JJ00$")


class ReferenceDataError(ValueError):
    """A CBS reference file does not have the expected layout or content."""


def _read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every record, header included (line 1)."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"{path}: not UTF-8 (byte offset {exc.start})") from exc
    except OSError as exc:
        raise ReferenceDataError(f"{path}: cannot be read: {exc.strerror}") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    try:
        for fields in reader:
            yield reader.line_num, fields
    except csv.Error as exc:
        raise ReferenceDataError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from exc


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ReferenceDataError(f"{where}: not a date YYYY-MM-DD: {text!r}") from exc


def _header(rows: Iterator[tuple[int, list[str]]], path: Path) -> list[str]:
    for _, fields in rows:
        if any(f.strip() for f in fields):
            return [f.strip() for f in fields]
    raise ReferenceDataError(f"{path}: empty file")


# --------------------------------------------------------------------------- division


def load_municipal_division(path: Path) -> pd.DataFrame:
    """``gemeentelijke-indeling.csv`` -> municipality_code ``GM####``, municipality_name,
    province_code, province_name, valid_from, valid_to (dates; ``valid_to`` exclusive,
    ``None`` while the municipality exists). A code may occur in several non-overlapping
    periods (e.g. Vianen moved province); overlapping periods are an error."""
    path = Path(path)
    rows = _read_rows(path)
    header = _header(rows, path)
    if tuple(h.lower() for h in header) != DIVISION_HEADER:
        raise ReferenceDataError(
            f"{path}:1: header must be {';'.join(DIVISION_HEADER)}, got {';'.join(header)}"
        )
    records: list[dict[str, Any]] = []
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        where = f"{path}:{line}"
        if len(fields) != len(DIVISION_HEADER):
            raise ReferenceDataError(
                f"{where}: expected {len(DIVISION_HEADER)} fields, got {len(fields)}"
            )
        province_code, province_name, code, name, begin, end = (f.strip() for f in fields)
        if not re.fullmatch(r"\d{4}", code):
            raise ReferenceDataError(f"{where}: municipality code must be 4 digits: {code!r}")
        valid_from = _parse_date(begin, where)
        valid_to = _parse_date(end, where) if end else None
        if valid_to is not None and valid_to <= valid_from:
            raise ReferenceDataError(f"{where}: einddatum {end} is not after begindatum {begin}")
        if not name:
            raise ReferenceDataError(f"{where}: municipality name is empty")
        records.append(
            {
                "municipality_code": f"GM{code}",
                "municipality_name": name,
                "province_code": province_code,
                "province_name": province_name,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "_line": line,
            }
        )
    _check_no_overlap(records, path)
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "municipality_code",
            "municipality_name",
            "province_code",
            "province_name",
            "valid_from",
            "valid_to",
            "_line",
        ],
    )
    frame["valid_to"] = frame["valid_to"].astype(object).where(frame["valid_to"].notna(), None)
    return frame.drop(columns="_line").reset_index(drop=True)


def _check_no_overlap(records: list[dict[str, Any]], path: Path) -> None:
    by_code: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_code.setdefault(record["municipality_code"], []).append(record)
    for code, periods in by_code.items():
        periods.sort(key=lambda r: r["valid_from"])
        for before, after in pairwise(periods):
            if before["valid_to"] is None or before["valid_to"] > after["valid_from"]:
                raise ReferenceDataError(
                    f"{path}:{after['_line']}: {code} has overlapping validity periods "
                    f"(see line {before['_line']})"
                )


def _as_date(value: object) -> date | None:
    """A date from a python date, pandas Timestamp or numpy datetime64; None for null."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, datetime):  # also pandas Timestamp (a datetime subclass)
        return value.date()
    if isinstance(value, date):
        return value
    timestamp = pd.Timestamp(value)  # numpy datetime64, ISO text
    if pd.isna(timestamp):
        return None
    day: date = timestamp.date()
    return day


def municipalities_on(division: pd.DataFrame, day: date) -> set[str]:
    """GM codes of the municipalities that existed on ``day`` (``valid_from <= day <
    valid_to``). Accepts the loader's frame or the same columns read back from DuckDB."""
    codes: set[str] = set()
    for code, valid_from, valid_to in zip(
        division["municipality_code"], division["valid_from"], division["valid_to"], strict=True
    ):
        start = _as_date(valid_from)
        end = _as_date(valid_to)
        if start is not None and start <= day and (end is None or day < end):
            codes.add(str(code))
    return codes


# --------------------------------------------------------------------------- population


def _population_files(paths: Path | Sequence[Path]) -> list[Path]:
    items: Iterable[Path] = [paths] if isinstance(paths, str | Path) else paths
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files.extend(sorted(p for p in item.iterdir() if p.suffix.lower() == ".csv"))
        else:
            files.append(item)
    return files


def load_population(paths: Path | Sequence[Path]) -> pd.DataFrame:
    """CBS StatLine 03759ned exports (a folder or files) -> municipality_code,
    reference_date (1 January), population (nullable ``Int64``; ``.`` = unknown).

    Only the totals (Geslacht T001038, Leeftijd 10000, BurgerlijkeStaat T001019) of
    municipalities (``GM####``) are kept. The same (code, date) in several files must carry
    the same figure, else :class:`ReferenceDataError`.
    """
    seen: dict[tuple[str, date], tuple[int | None, str]] = {}
    for path in _population_files(paths):
        rows = _read_rows(path)
        header = _header(rows, path)
        missing = [c for c in POPULATION_COLUMNS if c not in header]
        if missing:
            raise ReferenceDataError(
                f"{path}:1: not a 03759ned export, missing column(s) {', '.join(missing)}"
            )
        index = {name: header.index(name) for name in POPULATION_COLUMNS}
        for line, fields in rows:
            if not any(f.strip() for f in fields):
                continue
            where = f"{path}:{line}"
            if len(fields) != len(header):
                raise ReferenceDataError(
                    f"{where}: expected {len(header)} fields, got {len(fields)}"
                )
            value = {name: fields[i].strip() for name, i in index.items()}
            if any(value[k] != v for k, v in POPULATION_TOTALS.items()):
                continue
            region = value["RegioS"].upper()
            if not _GM_CODE.match(region):
                continue
            period = _PERIOD.match(value["Perioden"])
            if not period:
                raise ReferenceDataError(
                    f"{where}: Perioden must look like 2021JJ00, got {value['Perioden']!r}"
                )
            reference_date = date(int(period.group(1)), 1, 1)
            population = _population_figure(value["BevolkingOp1Januari_1"], where)
            key = (region, reference_date)
            if key in seen and seen[key][0] != population:
                raise ReferenceDataError(
                    f"{where}: population of {region} on {reference_date} is {population}, "
                    f"but {seen[key][1]} says {seen[key][0]}"
                )
            seen.setdefault(key, (population, where))
    frame = pd.DataFrame(
        [
            {"municipality_code": code, "reference_date": day, "population": figure}
            for (code, day), (figure, _) in sorted(seen.items())
        ],
        columns=["municipality_code", "reference_date", "population"],
    )
    frame["population"] = frame["population"].astype("Int64")
    return frame


def _population_figure(text: str, where: str) -> int | None:
    if text in {".", ""}:
        return None
    if not re.fullmatch(r"\d+", text):
        raise ReferenceDataError(f"{where}: population must be a whole number or '.': {text!r}")
    return int(text)


# --------------------------------------------------------------------------- mergers


def load_mergers(path: Path) -> pd.DataFrame:
    """``herindelingen.csv`` -> merger_date, old_code, new_code, share; the index is the
    1-based line of each row in the file (for :func:`check_mergers`' messages).

    Shares use a decimal point; per (date, old code) they must add up to 1 within 0.01 and
    are then normalised to add up to exactly 1.
    """
    path = Path(path)
    rows = _read_rows(path)
    header = _header(rows, path)
    if tuple(h.lower() for h in header) != MERGERS_HEADER:
        raise ReferenceDataError(
            f"{path}:1: header must be {';'.join(MERGERS_HEADER)}, got {';'.join(header)}"
        )
    records: list[dict[str, Any]] = []
    lines: dict[tuple[date, str, str], int] = {}
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        where = f"{path}:{line}"
        if len(fields) != len(MERGERS_HEADER):
            raise ReferenceDataError(
                f"{where}: expected {len(MERGERS_HEADER)} fields, got {len(fields)}"
            )
        day_text, old, new, share_text = (f.strip() for f in fields)
        merger_date = _parse_date(day_text, where)
        old, new = old.upper(), new.upper()
        for label, code in (("oude_code", old), ("nieuwe_code", new)):
            if not _GM_CODE.match(code):
                raise ReferenceDataError(f"{where}: {label} must be GM + 4 digits: {code!r}")
        if not re.fullmatch(r"\d+(\.\d+)?", share_text):
            raise ReferenceDataError(
                f"{where}: aandeel must be a number with a decimal point: {share_text!r}"
            )
        share = float(share_text)
        if not 0 < share <= 1:
            raise ReferenceDataError(f"{where}: aandeel must be in (0, 1]: {share_text!r}")
        key = (merger_date, old, new)
        if key in lines:
            raise ReferenceDataError(f"{where}: duplicate of line {lines[key]}")
        lines[key] = line
        records.append(
            {"merger_date": merger_date, "old_code": old, "new_code": new, "share": share}
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=["merger_date", "old_code", "new_code", "share"],
        index=pd.Index(list(lines.values()), name="line", dtype="int64"),
    )
    if frame.empty:
        return frame.astype({"share": "float64"})
    # Sorted first: the totals are summed in the same order whatever the file's line order,
    # so the normalised shares are identical to the last bit.
    frame = frame.sort_values(["merger_date", "old_code", "new_code"])
    totals = frame.groupby(["merger_date", "old_code"])["share"].transform("sum")
    bad = frame[(totals - 1).abs() > SHARE_TOLERANCE]
    if not bad.empty:
        first = bad.iloc[0]
        group = bad[
            (bad["merger_date"] == first["merger_date"]) & (bad["old_code"] == first["old_code"])
        ]
        raise _rule_error(
            path,
            [int(line) for line in group.index],
            f"the shares of {first['old_code']} on {first['merger_date']} add up to "
            f"{float(totals[bad.index[0]]):.4f}, not 1",
            RULE_SHARES,
        )
    frame["share"] = frame["share"] / totals
    return frame


def _rule_error(path: Path, lines: Sequence[int], problem: str, rule: str) -> ReferenceDataError:
    """``<file>:<line>: <problem> (line(s) ...); rule broken: <rule>``."""
    lines = sorted(lines)
    more = f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    return ReferenceDataError(f"{path}:{lines[0]}: {problem}{more}; rule broken: {rule}")


def check_mergers(
    mergers: pd.DataFrame, division: pd.DataFrame, path: Path, division_path: Path
) -> None:
    """Check ``herindelingen.csv`` (as :func:`load_mergers` returns it, index = line)
    against the municipal division; raise listing every violation, one per line, as
    ``<file>:<line>: <problem>; rule broken: <rule>``."""

    @cache
    def division_on(day: date) -> set[str]:
        return municipalities_on(division, day)

    def exists(code: str, day: date) -> bool:
        return code in division_on(day)

    rows = sorted(
        (int(line), day, str(old), str(new))
        for line, day, old, new in zip(
            mergers.index,
            map(_as_date, mergers["merger_date"]),
            mergers["old_code"],
            mergers["new_code"],
            strict=True,
        )
        if day is not None
    )
    # a row old -> old: the merger's name survives, that code continues after datum
    surviving = {(day, old) for _, day, old, new in rows if old == new}
    in_division = f"in {division_path}"
    problems: list[str] = []
    for line, day, old, new in rows:
        eve = day - timedelta(days=1)
        found = []
        if not exists(old, eve):
            found.append(
                (
                    f"oude_code {old} did not exist on {eve}, the day before datum {day}, "
                    f"{in_division}",
                    RULE_OLD_EXISTED,
                )
            )
        if (day, old) not in surviving and exists(old, day):
            found.append(
                (f"oude_code {old} still exists on datum {day} {in_division}", RULE_OLD_ENDED)
            )
        if not exists(new, day):
            found.append(
                (f"nieuwe_code {new} does not exist on datum {day} {in_division}", RULE_NEW_EXISTS)
            )
        problems.extend(str(_rule_error(path, [line], text, rule)) for text, rule in found)
    cycle = _merger_cycle(mergers)
    if cycle is not None:
        codes, lines = cycle
        chain = f"the chain {' -> '.join(codes)} returns to {codes[0]}"
        problems.append(str(_rule_error(path, lines, chain, RULE_NO_CYCLE)))
    if problems:
        raise ReferenceDataError("\n".join(problems))


def _merger_cycle(mergers: pd.DataFrame) -> tuple[list[str], list[int]] | None:
    """The codes (first repeated at the end) and lines of one chain old -> new that returns
    to its start, ignoring rows old -> old (a surviving name); None without a cycle."""
    line_of: dict[tuple[str, str], int] = {}
    successors: dict[str, set[str]] = {}
    for line, old, new in zip(mergers.index, mergers["old_code"], mergers["new_code"], strict=True):
        if old != new:
            edge = (str(old), str(new))
            line_of[edge] = min(int(line), line_of.get(edge, int(line)))
            successors.setdefault(str(new), set()).add(str(old))
    try:
        # a code's predecessors come before it; a chain that returns to its start cannot
        TopologicalSorter(successors).prepare()
    except CycleError as exc:
        ring = list(exc.args[1])[:-1]  # graphlib: [a, b, ..., a], each old before its new
        start = ring.index(min(ring))  # told from its smallest code, whatever graphlib found
        codes = [*ring[start:], *ring[:start], ring[start]]
        return codes, [line_of[edge] for edge in pairwise(codes)]
    return None
