"""Plain baseline of `ictbench refresh`: the published indicator values and peer statistics
computed from the landing zone with pandas + DuckDB SQL in one pass (no Dagster, no dbt,
no Great Expectations, nothing from `pipelines/`). See benchmarks/README.md.

    python benchmarks/plain_refresh.py --landing DIR [--out FILE.duckdb] [--compare RELEASE]
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import io
import math
import os
import re
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from functools import reduce
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import yaml
from openpyxl.styles.numbers import is_date_format

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

REPO = Path(__file__).resolve().parent.parent
WS = " \t\r\n\u00a0\u202f\u2007"  # what the survey's "trimmed" strips
IDENTITY = {"municipality_code", "municipality_name", "boekjaar", "ingediend_op"}
NUMERIC_KINDS = {"integer", "amount", "fte", "count", "percent", "score"}
MAX_ABS = 1e15  # beyond it a value cannot be true (rejected cell)
MIN_PEERS = 5
PEER_GROUPS = (("<20k", 20_000), ("20k-50k", 50_000), ("50k-100k", 100_000))
PEER_GROUPS += (("100k-250k", 250_000), ("250k+", math.inf))
KEYS = {
    "indicator_values": ["edition", "municipality_code", "indicator_code"],
    "peer_benchmarks": ["edition", "peer_group", "indicator_code"],
}
COST_PARTS = ["kosten_personeel", "kosten_inhuur", "kosten_hardware"]
COST_PARTS += ["kosten_uitbesteding", "kosten_telecom", "kosten_overig"]
# code, numerator, denominator (None: the answer as given), scale, first edition, breaks
INDICATORS = [
    ("ict_cost_per_inhabitant", "total_ict_cost", "population", 1, 2019, ()),
    ("ict_cost_per_fte", "total_ict_cost", "fte_organisatie", 1, 2019, ()),
    ("ict_cost_per_workplace", "total_ict_cost", "werkplekken", 1, 2019, ()),
    ("ict_cost_pct_of_expenditure", "total_ict_cost", "begroting_lasten", 100, 2019, ()),
    ("ict_fte_per_100_fte", "own_ict_fte", "fte_organisatie", 100, 2019, ()),
    (
        "security_fte_per_100k_inhabitants",
        "fte_informatiebeveiliging",
        "population",
        1e5,
        2019,
        (2020,),
    ),
    ("privacy_fte_per_100k_inhabitants", "fte_privacy", "population", 1e5, 2020, ()),
    ("data_fte_per_100k_inhabitants", "fte_data", "population", 1e5, 2021, ()),
    ("external_hire_pct_of_staff_cost", "kosten_inhuur", "staff_cost", 100, 2019, ()),
    ("outsourcing_pct_of_ict_cost", "kosten_uitbesteding", "total_ict_cost", 100, 2019, ()),
    ("saas_pct_of_software_cost", "kosten_saas", "software_split", 100, 2021, ()),
    ("location_independent_pct", "pct_plaatsonafhankelijk", None, 1, 2020, ()),
    ("data_breaches_per_100k_inhabitants", "aantal_datalekken", "population", 1e5, 2021, ()),
    ("applications_per_100_fte", "aantal_applicaties", "fte_organisatie", 100, 2019, ()),
    ("ict_satisfaction", "tevredenheid_ict", None, 1, 2019, ()),
]


class Unusable(ValueError):
    """A file the warehouse refuses as a whole (it then publishes nothing)."""


# --------------------------------------------------------------------------- contracts


def contracts_dir() -> Path:
    return Path(os.environ.get("ICTBENCH_CONTRACTS") or REPO / "data_contracts").resolve()


def load_contracts() -> dict[int, dict]:
    contracts = {}
    for path in sorted(contracts_dir().glob("edition_[0-9][0-9][0-9][0-9].yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
        columns = []
        for col in doc["columns"]:
            bounds = col.get("impossible") or {}
            amount = col["kind"] == "amount"
            columns.append(
                {
                    "header": col["header"].strip().lower(),
                    "question": col["question"],
                    "kind": col["kind"],
                    "required": bool(col.get("required", False)),
                    "min": bounds.get("min"),
                    "max": bounds.get("max"),
                    "factor": Decimal(str(doc["amounts"]["to_eur_factor"])) if amount else 1,
                }
            )
        numbers = doc["numbers"]
        tokens = {str(t).strip().casefold() for t in doc["no_answer_tokens"]}
        dec, thou = re.escape(numbers["decimal"]), numbers.get("thousands")
        integer = rf"[1-9]\d{{0,2}}(?:{re.escape(thou)}\d{{3}})+|\d+" if thou else r"\d+"
        contracts[int(doc["edition"])] = {
            **doc,
            "tokens": tokens,
            "number_rx": rf"^([+\-\u2212]?)[{WS}]*({integer})(?:{dec}(\d+))?$",
            "thousands": thou,
            "cols": columns,
            "answers": [
                c for c in columns if c["kind"] in NUMERIC_KINDS and c["question"] not in IDENTITY
            ],
        }
    return contracts


def questionnaire_order(contracts: dict[int, dict]) -> list[str]:
    """Every numeric question once; a later edition's new one before its next known one."""
    order: list[str] = []
    for edition in sorted(contracts):
        questions = [c["question"] for c in contracts[edition]["answers"]]
        for i, question in enumerate(questions):
            if question not in order:
                following = next((q for q in questions[i + 1 :] if q in order), None)
                order.insert(order.index(following) if following else len(order), question)
    return order


# --------------------------------------------------------------------------- reading files


def csv_rows(path: Path, contract: dict) -> tuple[list[str], list[tuple[int, list]], None]:
    spec = contract["file"]
    data = path.read_bytes()
    encoding = spec["encoding"]
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data[2:].decode("utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be")
    else:
        text = None
        if not data.isascii() and not codecs.lookup(encoding).name.startswith("utf"):
            with contextlib.suppress(UnicodeDecodeError):
                text = data.decode("utf-8")  # valid UTF-8 is not cp1252 text
        if text is None:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Unusable(f"{path.name}: not readable as {encoding}") from exc
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=spec["delimiter"],
        quotechar=spec.get("quotechar", '"'),
        strict=True,
    )
    records = list(reader)
    header_row = spec["header_row"]
    return records[header_row - 1], list(enumerate(records[header_row:], header_row + 1)), None


def xlsx_rows(path: Path, contract: dict) -> tuple[list, list[tuple[int, list]], dict]:
    spec = contract["file"]
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[spec["sheet"]]
        sheet.reset_dimensions()  # never trust <dimension>
        rows, formats = [], {}
        for number, row in enumerate(sheet.iter_rows(), start=1):
            rows.append((number, [cell.value for cell in row]))
            formats[number] = [cell.number_format for cell in row]
    finally:
        book.close()
    header_row = spec["header_row"]
    header = rows[header_row - 1][1] if len(rows) >= header_row else []
    return header, rows[header_row:], formats


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(WS))


def read_file(path: Path, contract: dict, valid_codes: set[str]) -> pd.DataFrame:
    """One row per non-empty data row: code, ingediend_op, rejected, the answers."""
    is_csv = contract["file"]["format"] == "csv"
    if path.suffix.lower() != f".{contract['file']['format']}":
        raise Unusable(f"{path.name}: not a {contract['file']['format']} file")
    header, rows, formats = (csv_rows if is_csv else xlsx_rows)(path, contract)
    header = ["" if h is None else str(h).strip(WS).lower() for h in header]
    at: dict[str, list[int]] = {}
    for index, code in enumerate(header):
        if code:
            at.setdefault(code, []).append(index)
    columns = {}
    for col in contract["cols"]:
        found = at.get(col["header"], [])
        if len(found) > 1 or (col["required"] and not found):
            raise Unusable(f"{path.name}: column {col['header']} duplicated or missing")
        if found:
            columns[col["question"]] = (found[0], col)
    first = contract["file"]["first_data_row"]
    for position, (number, cells) in enumerate(rows):  # a question-text row with answers
        if number >= first or holds_answers(cells, columns):
            rows = rows[position:]
            break
    else:
        rows = []
    width = len(header)
    rows = [(n, c) for n, c in rows if not all(is_empty(v) for v in c)]
    if not rows:
        return pd.DataFrame()

    def column(index: int, source: list) -> list:
        return [cells[index] if index < len(cells) else None for _, cells in source]

    fmts = [(n, formats[n]) for n, _ in rows] if formats is not None else None
    frame = pd.DataFrame({"file": path.name, "row": [n for n, _ in rows]})
    rejected = np.zeros(len(rows), dtype=bool)
    if is_csv:  # values beyond the header: shifted by an unquoted separator
        rejected |= [any(not is_empty(v) for v in c[width:]) for _, c in rows]
    numeric = []
    for question, (index, col) in columns.items():
        values = column(index, rows)
        if question == "municipality_code":
            frame["code"] = parse_codes(values)
            rejected |= ~frame["code"].isin(valid_codes).to_numpy()
        elif question == "ingediend_op":
            cell_formats = column(index, fmts) if fmts else [None] * len(values)
            frame["ts"] = pd.to_datetime(list(map(parse_instant, values, cell_formats)))
            rejected |= frame["ts"].isna().to_numpy()
        elif col["kind"] in NUMERIC_KINDS:
            numeric.append((col, values, column(index, fmts) if fmts else None))
    parsed = parse_numbers(numeric, len(rows), contract)  # one block: columns x rows
    for (col, _, _), values in zip(numeric, parsed, strict=True):
        if col["question"] == "boekjaar":
            rejected |= values != contract["boekjaar"]
        else:
            frame[col["question"]] = values
        if col["required"]:
            rejected |= np.isnan(values)
    for col in contract["answers"]:
        if col["question"] not in frame:
            frame[col["question"]] = np.nan  # optional column missing: not answered
    frame["rejected"] = rejected
    return frame


def holds_answers(cells: list, columns: dict) -> bool:
    for index, col in columns.values():
        value = cells[index] if index < len(cells) else None
        if is_empty(value):
            continue
        if col["kind"] == "code" and parse_codes([value])[0] is not None:
            return True
        if col["kind"] in NUMERIC_KINDS | {"timestamp"} and not isinstance(value, str | bool):
            return True
    return False


# --------------------------------------------------------------------------- cell values


def parse_codes(values: list) -> pd.Series:
    def text(v: object) -> str | None:
        if isinstance(v, str):
            return v.strip(WS).upper()
        if type(v) in (int, float) and math.isfinite(v) and v >= 0 and v == int(v):
            return str(int(v))
        return None

    codes = pd.Series([text(v) for v in values], dtype=object)
    digits = codes.str.extract(r"^(?:GM)?(\d{1,4})$")[0]
    return ("GM" + digits.str.zfill(4)).astype(object).where(digits.notna(), None)


_INSTANTS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"), "%Y-%m-%d %H:%M"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}"), "%d-%m-%Y %H:%M"),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}:\d{2}"), "%d-%m-%Y %H:%M:%S"),
)


ELAPSED = {"h", "hh", "s", "ss"}


def has_time(number_format: str) -> bool:
    text = re.sub(r'"[^"]*"|\\.', "", number_format)
    text = re.sub(r"\[([^\]]*)\]", lambda m: m[1] if m[1].lower() in ELAPSED else "", text)
    return any(code in text.lower() for code in ("h", "s", "am/pm", "a/p"))


def parse_instant(value: object, number_format: str | None) -> datetime | None:
    if isinstance(value, datetime):
        date_only = number_format and is_date_format(number_format) and not has_time(number_format)
        if date_only and value.time() == clock(0, 0):
            return None  # a date without a time
        rounded = value.replace(tzinfo=None, microsecond=0)
        instant = rounded + timedelta(seconds=value.microsecond >= 500_000)
    elif isinstance(value, str):
        text = value.strip(WS)
        pattern = next((f for rx, f in _INSTANTS if rx.fullmatch(text)), None)
        try:
            instant = datetime.strptime(text.replace("T", " "), pattern) if pattern else None
        except ValueError:
            return None
    else:
        return None
    return instant if instant and 1900 <= instant.year <= 2100 else None


def has_percent(number_format: str | None) -> bool:
    return bool(number_format) and "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


def parse_numbers(columns: list, n: int, contract: dict) -> np.ndarray:
    """Canonical values (euros, percent 0-100, ...) of (column, cells, formats) as one block,
    shape (columns, rows); NaN = no answer or a rejected cell."""
    if not columns:
        return np.empty((0, n))
    cells = pd.Series([v for _, values, _ in columns for v in values], dtype=object)
    formats = [f for _, _, fmts in columns for f in (fmts or [None] * n)]
    specs = [col for col, _, _ in columns]
    kind = np.repeat([c["kind"] for c in specs], n)
    factor = np.repeat([c["factor"] for c in specs], n)
    percent, amount = kind == "percent", kind == "amount"
    types = cells.map(type)
    decimal_text = pd.Series(None, index=cells.index, dtype=object)
    as_percent = np.zeros(len(cells), dtype=bool)  # '85%' as is, a %-formatted cell x 100
    as_fraction = np.zeros(len(cells), dtype=bool)
    text = cells[types.isin([str]).to_numpy()].str.strip(WS)
    text = text[(text != "") & ~text.str.casefold().isin(contract["tokens"])]
    signed = percent[text.index] & text.str.endswith("%").to_numpy()
    as_percent[text.index[signed]] = True
    text[signed] = text[signed].str[:-1].str.strip(WS)
    euro = amount[text.index]
    text[euro] = text[euro].str.replace("€", "", n=1, regex=False).str.strip(WS)
    parts = text.str.extract(contract["number_rx"])
    ok = parts[1].notna()
    integer = parts[1][ok]
    if contract["thousands"]:
        integer = integer.str.replace(contract["thousands"], "", regex=False)
    sign = parts[0][ok].isin(["-", "\u2212"]).map({True: "-", False: ""})
    decimal_text[integer.index] = sign + integer + ("." + parts[2][ok]).fillna("")
    numbers = cells[types.isin([int, float]).to_numpy()]
    numbers = numbers[np.isfinite(numbers.astype(float))]
    styles = {f: has_percent(f) for f in set(formats)}
    percent_cell = np.array([styles[formats[i]] for i in numbers.index], dtype=bool)
    as_fraction[numbers.index] = percent_cell  # a %-cell where no percentage belongs: rejected
    numbers = numbers[percent[numbers.index] | ~percent_cell]
    decimal_text[numbers.index] = numbers.map(repr)
    result = np.full(len(cells), np.nan)
    present = decimal_text.dropna()
    where, texts = present.index.to_numpy(), present.to_numpy()
    exact = percent[where] | (factor[where] != 1)
    result[where[~exact]] = texts[~exact].astype(float)
    for i, t in zip(where[exact], texts[exact], strict=True):  # exact, as the warehouse scales
        value = Decimal(t)
        if percent[i]:
            fraction = as_fraction[i] or (not as_percent[i] and 0 < value < 1)
            result[i] = float(value * 100 if fraction else value)
        else:
            result[i] = float(value * factor[i])  # k€ x 1000
    whole = np.isin(kind, ["integer", "count"])
    bad = (whole & (np.floor(result) != result)) | (np.abs(result) > MAX_ABS)
    low = np.repeat([np.nan if c["min"] is None else c["min"] for c in specs], n)
    high = np.repeat([np.nan if c["max"] is None else c["max"] for c in specs], n)
    bad |= (result < low) | (result > high)
    result[bad] = np.nan
    return result.reshape(len(columns), n)


# --------------------------------------------------------------------------- reference


def read_reference(landing: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    options = {"sep": ";", "dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
    division = pd.read_csv(landing / "reference" / "gemeentelijke-indeling.csv", **options)
    division.columns = division.columns.str.strip().str.lower()
    division = division[division["gemeentecode"].str.strip() != ""]
    division = pd.DataFrame(
        {
            "municipality_code": "GM" + division["gemeentecode"].str.strip(),
            "municipality_name": division["gemeentenaam"].str.strip(),
            "valid_from": pd.to_datetime(division["begindatum"].str.strip()),
            "valid_to": pd.to_datetime(division["einddatum"].str.strip().replace("", None)),
        }
    )
    frames = []
    for path in sorted((landing / "reference" / "population").glob("*")):
        if path.suffix.lower() != ".csv":
            continue
        raw = pd.read_csv(path, **options).rename(columns=str.strip)
        raw = raw.apply(lambda s: s.str.strip())
        raw = raw[
            (raw["Geslacht"] == "T001038")
            & (raw["Leeftijd"] == "10000")
            & (raw["BurgerlijkeStaat"] == "T001019")
        ]
        code = raw["RegioS"].str.upper()
        raw = raw[code.str.fullmatch(r"GM\d{4}")]
        frames.append(
            pd.DataFrame(
                {
                    "municipality_code": raw["RegioS"].str.upper(),
                    "boekjaar": raw["Perioden"].str.extract(r"^(\d{4})JJ00$")[0].astype(int),
                    "population": pd.to_numeric(
                        raw["BevolkingOp1Januari_1"].replace({".": None, "": None})
                    ).astype("Int64"),
                }
            )
        )
    population = pd.concat(frames).drop_duplicates(["municipality_code", "boekjaar"])
    return division, population


def existing_on(division: pd.DataFrame, day: date) -> pd.DataFrame:
    stamp = pd.Timestamp(day)
    alive = (division["valid_from"] <= stamp) & (
        division["valid_to"].isna() | (division["valid_to"] > stamp)
    )
    return division[alive]


# --------------------------------------------------------------------------- the pass


def survey_files(folder: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file()
            and not p.name.startswith((".", "~$"))
            and p.suffix.lower() in (".csv", ".xlsx")
        ),
        key=lambda p: p.name,
    )


def loaded_submissions(frame: pd.DataFrame, questions: list[str]) -> pd.DataFrame:
    """Latest ingediend_op per municipality; identical resubmissions once (first by file,
    row); different answers at that instant: nothing loaded for the municipality."""
    ok = frame[~frame["rejected"]].sort_values(["code", "ts", "file", "row"])
    latest = ok[ok["ts"] == ok.groupby("code")["ts"].transform("max")]
    distinct = latest.groupby("code")[questions].nunique(dropna=False).max(axis=1)
    conflicting = distinct.index[distinct > 1]
    return latest[~latest["code"].isin(conflicting)].drop_duplicates("code", keep="first")


def compute(landing: Path) -> dict[str, pd.DataFrame]:
    landing = Path(landing)
    contracts = load_contracts()
    division, population = read_reference(landing)
    editions = [
        e
        for e in contracts
        if (landing / "survey" / str(e)).is_dir() and survey_files(landing / "survey" / str(e))
    ]
    loaded = []
    for edition in editions:
        contract = contracts[edition]
        valid = existing_on(division, date(contract["boekjaar"], 1, 1))
        codes = set(valid["municipality_code"])
        files = survey_files(landing / "survey" / str(edition))
        frame = pd.concat([read_file(p, contract, codes) for p in files], ignore_index=True)
        if frame.empty:
            continue
        questions = [c["question"] for c in contract["answers"]]
        rows = loaded_submissions(frame, questions)[["code", *questions]]
        rows = rows.rename(columns={"code": "municipality_code"}).assign(
            edition=edition, boekjaar=contract["boekjaar"]
        )
        names = valid[["municipality_code", "municipality_name"]]
        loaded.append(rows.merge(names, on="municipality_code", how="left"))
    if not loaded:
        raise ValueError(f"{landing}: no loaded submissions")
    m = pd.concat(loaded, ignore_index=True)
    m = m.merge(population, on=["municipality_code", "boekjaar"], how="left")
    bins = [0, *(upper for _, upper in PEER_GROUPS)]
    m["peer_group"] = pd.cut(
        m["population"].astype(float), bins, right=False, labels=[g for g, _ in PEER_GROUPS]
    ).astype(object)
    m["peer_group"] = m["peer_group"].where(m["population"].notna(), None)
    m["population"] = m["population"].astype(float)

    order = questionnaire_order({e: contracts[e] for e in contracts})
    derived = {"population", "total_ict_cost", "own_ict_fte", "staff_cost", "software_split"}
    named = [q for _, num, den, *_ in INDICATORS for q in (num, den) if q and q not in derived]
    wanted = [*order, "kosten_software", "kosten_licenties", "kosten_saas", *COST_PARTS, *named]
    asked = pd.DataFrame(index=m.index)
    for q in dict.fromkeys(wanted):
        asking = [e for e in editions if q in {c["question"] for c in contracts[e]["answers"]}]
        asked[q] = m["edition"].isin(asking)
        if q not in m:
            m[q] = np.nan

    def sum_of_asked(codes: list[str]) -> pd.Series:
        complete = (~asked[codes] | m[codes].notna()).all(axis=1) & asked[codes].any(axis=1)
        terms = [m[q].where(asked[q], 0.0).fillna(0.0) for q in codes]
        return reduce(lambda a, b: a + b, terms).where(complete)

    split = sum_of_asked(["kosten_licenties", "kosten_saas"])
    software = m["kosten_software"].where(asked["kosten_software"], split)
    m["total_ict_cost"] = software + sum_of_asked(COST_PARTS)
    m["staff_cost"] = m["kosten_personeel"] + m["kosten_inhuur"]
    m["software_split"] = m["kosten_licenties"] + m["kosten_saas"]
    own = [q for q in order if q.startswith("fte_") and q not in ("fte_inhuur", "fte_organisatie")]
    m["own_ict_fte"] = sum_of_asked(own)

    ident = ["edition", "boekjaar", "municipality_code", "municipality_name", "peer_group"]
    parts = []
    for code, num, den, scale, first, breaks in INDICATORS:
        rows = m[m["edition"] >= first]
        numerator = rows[num]
        denominator = rows[den] if den else pd.Series(1.0, index=rows.index)
        keep = numerator.notna() & denominator.notna() & (denominator != 0)
        part = rows.loc[keep, ident].assign(indicator_code=code)
        part["value"] = numerator[keep] / denominator[keep] * float(scale)
        part["numerator"], part["denominator"] = numerator[keep], denominator[keep].astype(float)
        part["comparable_with_previous"] = ~part["edition"].isin([first, *breaks])
        part["population"] = rows.loc[keep, "population"].astype("Int64")
        parts.append(part)
    values = pd.concat(parts, ignore_index=True).sort_values(KEYS["indicator_values"])
    values = values.reset_index(drop=True)
    con = duckdb.connect()
    con.register("indicator_values", values)
    peers = con.sql(
        f"""
        with members as (
            select edition, peer_group, indicator_code, value from indicator_values
            where peer_group is not null
            union all
            select edition, 'all', indicator_code, value from indicator_values
        ), stats as (
            select edition, peer_group, indicator_code, count(value) as n,
                quantile_cont(value, [0.25, 0.5, 0.75]) as q, avg(value) as mean
            from members group by all
        )
        select edition, peer_group, indicator_code, cast(n as integer) as n_participants,
            case when n >= {MIN_PEERS} then q[1] end as p25,
            case when n >= {MIN_PEERS} then q[2] end as median,
            case when n >= {MIN_PEERS} then q[3] end as p75,
            case when n >= {MIN_PEERS} then mean end as mean,
            n < {MIN_PEERS} as suppressed
        from stats order by edition, peer_group, indicator_code
        """
    ).df()
    return {"indicator_values": values, "peer_benchmarks": peers}


# --------------------------------------------------------------------------- compare, CLI


def compare(results: dict[str, pd.DataFrame], release: Path) -> list[str]:
    """Disagreements with a published release (marts schema); empty when they agree."""
    problems: list[str] = []
    with duckdb.connect(str(release), read_only=True) as con:
        for table, keys in KEYS.items():
            ours = results[table]
            fields = [c for c in ours.columns if c not in keys]
            theirs = con.execute(f"select {', '.join(keys + fields)} from marts.{table}").df()
            both = ours.merge(theirs, on=keys, how="outer", suffixes=("", "~wh"), indicator=True)
            for _, row in both[both["_merge"] != "both"].iterrows():
                side = "plain script" if row["_merge"] == "left_only" else "release"
                where = " ".join(str(row[k]) for k in keys)
                problems.append(f"{table} {where}: only in the {side}")
            both = both[both["_merge"] == "both"]
            for field in fields:
                a, b = both[field], both[f"{field}~wh"]
                if pd.api.types.is_bool_dtype(a) or a.dtype == object or field == "n_participants":
                    same = (a.isna() & b.isna()) | (a == b)
                else:
                    a, b = a.astype(float), b.astype(float)
                    tolerance = 1e-9 * np.maximum(a.abs(), b.abs())
                    same = (a.isna() & b.isna()) | ((a - b).abs() <= tolerance)
                for index in both.index[~same.to_numpy()]:
                    where = " ".join(str(both.at[index, k]) for k in keys)
                    problems.append(
                        f"{table} {where}: {field} plain {both.at[index, field]!r} "
                        f"release {both.at[index, field + '~wh']!r}"
                    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="write the tables into this DuckDB file")
    parser.add_argument("--compare", type=Path, help="a release (published/ictbench.duckdb)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = compute(args.landing)
    if args.out:
        with duckdb.connect(str(args.out)) as con:
            for name, frame in results.items():
                con.register("frame", frame)
                con.execute(f"create or replace table {name} as select * from frame")
                con.unregister("frame")
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{name} {len(frame)} rows" for name, frame in results.items())
    print(f"plain refresh: {elapsed:.2f} s ({counts})")
    if args.compare:
        problems = compare(results, args.compare)
        for line in problems[:20]:
            print("  " + line)
        if problems:
            print(f"{len(problems)} disagreement(s) with {args.compare}")
            return 1
        print(f"agrees with {args.compare}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
