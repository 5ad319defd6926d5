"""Generate the bundled sample landing zone (`sample_data/`) deterministically.

This script plays the outside world: the survey tool that exports the yearly ICT
benchmark answers, and Statistics Netherlands (CBS) that publishes the municipal
division, the boundary changes and the population. It therefore imports nothing
from `pipelines/`: the warehouse must make sense of what this writes.

Everything is fictitious (municipalities, provinces, figures); only the file
layouts follow the real ones (see `../shared/spec/survey-format.md`).

Running it twice gives byte-identical files: all randomness comes from
`random.Random` instances with fixed seeds, and the XLSX files get fixed document
properties and fixed zip entry timestamps.

    .venv/bin/python scripts/generate_sample_data.py [--out sample_data]

Besides the landing zone it writes `README.md` (what is where, the planted
situations with their coordinates, the expected row accounting) and
`expected.json` (the same knowledge, machine-readable, for tests).

Scale runs (issue 12) write another landing zone, so they need `--out`:

    .venv/bin/python scripts/generate_sample_data.py --out /tmp/scale \
        --municipalities all --editions 2010-2024

`--municipalities N` (`all` = 342) is a country of N municipalities on the newest
division (a few formed by mergers within the range), every one taking part in every
edition it exists in, without planted situations; `--editions FIRST-LAST` (default
2019-2024; another range alone gives 160 municipalities). Editions before 2019 reuse the
2019 questions and CSV layout (after 2024: the 2024 ones) under contracts of their own:
`<out>/contracts/edition_YYYY.yaml` for every edition (the repository's own where it has
one), for `ICTBENCH_CONTRACTS=<out>/contracts`. The population covers 1 January of every
boekjaar (and of the last edition's year).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

SEED = 20190301
EDITIONS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)
POP_YEARS: tuple[int, ...] = (2018, 2019, 2020, 2021, 2022, 2023, 2024)
# The editions survey-format.md describes. An edition outside them reuses the layout of the
# nearest one (questions and file format): before 2019 the 2019 CSV, after 2024 the 2024 XLSX.
LAYOUT_EDITIONS = (2019, 2024)
ZIP_TIME = (2024, 7, 1, 12, 0, 0)

# --------------------------------------------------------------------------------------
# Questions (spec table "Questions")
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    code: str
    kind: str  # code | text | integer | timestamp | count | fte | amount | percent | score
    first: int
    last: int | None
    text_nl: str


QUESTIONS: tuple[Question, ...] = (
    Question("gemeentecode", "code", 2019, 2022, "CBS-gemeentecode (GM + 4 cijfers)"),
    Question("cbs_code", "code", 2023, None, "CBS-code van de gemeente (GM + 4 cijfers)"),
    Question("gemeentenaam", "text", 2019, None, "Naam van uw gemeente"),
    Question("boekjaar", "integer", 2019, None, "Boekjaar waarover u rapporteert"),
    Question("ingediend_op", "timestamp", 2019, None, "Datum en tijd van indienen"),
    Question("inwoners", "count", 2019, None, "Aantal inwoners van uw gemeente"),
    Question("fte_organisatie", "fte", 2019, None, "Totale formatie van de organisatie (fte)"),
    Question("medewerkers", "count", 2019, None, "Aantal medewerkers (personen)"),
    Question("werkplekken", "count", 2019, None, "Aantal uitgegeven werkplekken"),
    Question("begroting_lasten", "amount", 2019, None, "Totale lasten van de gemeente"),
    Question("kosten_personeel", "amount", 2019, None, "Kosten eigen ICT-personeel"),
    Question("kosten_inhuur", "amount", 2019, None, "Kosten inhuur extern ICT-personeel"),
    Question("kosten_hardware", "amount", 2019, None, "Kosten hardware"),
    Question(
        "kosten_software", "amount", 2019, 2020, "Kosten software (licenties en abonnementen)"
    ),
    Question("kosten_licenties", "amount", 2021, None, "Kosten on-premise licenties"),
    Question("kosten_saas", "amount", 2021, None, "Kosten SaaS- en cloudabonnementen"),
    Question("kosten_uitbesteding", "amount", 2019, None, "Kosten uitbesteding en bijdragen SSC"),
    Question("kosten_telecom", "amount", 2019, None, "Kosten telecom"),
    Question("kosten_overig", "amount", 2019, None, "Overige ICT-kosten"),
    Question(
        "kosten_informatiebeveiliging",
        "amount",
        2019,
        None,
        "Waarvan informatiebeveiliging (al begrepen in de bedragen hierboven)",
    ),
    Question("fte_werkplekbeheer", "fte", 2019, None, "Eigen personeel: werkplekbeheer (fte)"),
    Question("fte_applicatiebeheer", "fte", 2019, None, "Eigen personeel: applicatiebeheer (fte)"),
    Question(
        "fte_functioneel_beheer", "fte", 2019, None, "Eigen personeel: functioneel beheer (fte)"
    ),
    Question(
        "fte_informatiemanagement",
        "fte",
        2019,
        None,
        "Eigen personeel: informatiemanagement en regie (fte)",
    ),
    Question(
        "fte_informatiebeveiliging",
        "fte",
        2019,
        None,
        "Eigen personeel: informatiebeveiliging, o.a. CISO (fte)",
    ),
    Question("fte_privacy", "fte", 2020, None, "Eigen personeel: privacy, o.a. FG (fte)"),
    Question("fte_data", "fte", 2021, None, "Eigen personeel: data- en BI-specialisten (fte)"),
    Question("fte_ontwikkeling", "fte", 2019, None, "Eigen personeel: ontwikkeling (fte)"),
    Question("fte_inhuur", "fte", 2019, None, "Ingehuurd extern ICT-personeel (fte)"),
    Question("aantal_applicaties", "count", 2019, None, "Aantal applicaties in het landschap"),
    Question(
        "pct_plaatsonafhankelijk",
        "percent",
        2020,
        None,
        "Percentage medewerkers dat plaatsonafhankelijk kan werken",
    ),
    Question("aantal_datalekken", "count", 2021, None, "Aantal bij de AP gemelde datalekken"),
    Question("tevredenheid_ict", "score", 2019, None, "Tevredenheid gebruikers over ICT (1-10)"),
)
QBY = {q.code: q for q in QUESTIONS}
REQUIRED_KINDS = frozenset({"code", "integer", "timestamp"})
NUMERIC_KINDS = frozenset({"count", "fte", "amount", "percent", "score"})
EXTRA_COLUMN = "opmerking"  # not a question: an unknown column, its remarks rejected cells


def layout_edition(edition: int) -> int:
    """The described edition whose questions and file format `edition` uses."""
    return min(max(edition, LAYOUT_EDITIONS[0]), LAYOUT_EDITIONS[1])


def is_csv_edition(edition: int) -> bool:
    """CSV exported by Dutch Excel up to 2021, survey-tool XLSX from 2022."""
    return edition <= 2021


def questions_for(edition: int) -> list[Question]:
    e = layout_edition(edition)
    return [q for q in QUESTIONS if q.first <= e and (q.last is None or e <= q.last)]


def code_header(edition: int) -> str:
    return "gemeentecode" if edition <= 2022 else "cbs_code"


def amount_factor(edition: int) -> int:
    """Euros per unit in the file: 1 until 2021, 1000 (k€) from 2022."""
    return 1 if edition <= 2021 else 1000


# --------------------------------------------------------------------------------------
# The fictitious country: provinces, municipalities, boundary changes
# --------------------------------------------------------------------------------------

PROVINCES: tuple[tuple[str, str], ...] = (
    ("20", "Waddenmark"),
    ("21", "Fryswâlden"),
    ("22", "Esdorperland"),
    ("23", "Vechtstreek"),
    ("24", "Nieuwpolderland"),
    ("25", "Hoogveluwe"),
    ("26", "Lekdal"),
    ("27", "Kennemarken"),
    ("28", "Deltawaarden"),
    ("29", "Scheldemond"),
    ("30", "Peelkempen"),
    ("31", "Maaskroon"),
)

# Named roles in the boundary history and the planted situations.
BIG = "0363"  # the > 900,000 city; absorbs W mid-year
W = "0457"  # merged into BIG on 2022-03-24 (BIG's name survives)
X1, X2, X3, N1 = "0081", "0086", "0093", "1969"  # X1..X3 form N1 on 2021-01-01
A, B, D, E, C = "0228", "0233", "0262", "0279", "1987"  # A->B 2020; B,D,E->C 2023
S, R1, R2 = "0807", "0815", "0846"  # S split over R1 (0.6) and R2 (0.4) on 2022-01-01
O1, O2, Q = "0175", "0182", "1955"  # O1,O2 -> Q on 2016-01-01 (history before the data)
NOPOP = "0644"  # never takes part; population unknown ('.') on 1 January 2021
ROLES = {
    "BIG": BIG, "W": W, "X1": X1, "X2": X2, "X3": X3, "N1": N1, "A": A, "B": B, "D": D,
    "E": E, "C": C, "S": S, "R1": R1, "R2": R2, "O1": O1, "O2": O2, "Q": Q, "NOPOP": NOPOP,
}  # fmt: skip

SPECIAL: dict[str, tuple[str, str, int]] = {
    # code: (name, province, population on 1 January 2018 without later absorptions)
    BIG: ("Amstelmonde", "27", 902_731),
    W: ("Vechtsluis", "27", 18_514),
    X1: ("Súdwâlde", "21", 8_243),
    X2: ("Wâldsein", "21", 11_907),
    X3: ("Lytsewâld", "21", 14_588),
    N1: ("Súdwâlden", "21", 0),
    A: ("Klaverloo", "25", 9_412),
    B: ("Hazelhorst", "25", 31_036),
    D: ("Eëlderbroek", "25", 13_795),
    E: ("Tarwewolde", "25", 22_690),
    C: ("Veluwerand", "25", 0),
    S: ("Molenzande", "30", 17_904),
    R1: ("Ganzenwaard", "30", 41_220),
    R2: ("'s-Gravendonk", "30", 66_018),
    O1: ("Oud-Vlierbeek", "23", 12_000),
    O2: ("Turfrade", "23", 19_000),
    Q: ("Vlierrade", "23", 0),
    NOPOP: ("Zeggeloo", "22", 7_116),
}
NEW_CODES = {N1: date(2021, 1, 1), C: date(2023, 1, 1), Q: date(2016, 1, 1)}

# (date, old, new, share): one row per old -> new pair, as CBS/VNG publish it. A merger
# whose name survives (A->B, W->BIG) has no survivor->itself row.
EVENTS: tuple[tuple[date, str, str, float], ...] = (
    (date(2016, 1, 1), O1, Q, 1.0),
    (date(2016, 1, 1), O2, Q, 1.0),
    (date(2020, 1, 1), A, B, 1.0),
    (date(2021, 1, 1), X1, N1, 1.0),
    (date(2021, 1, 1), X2, N1, 1.0),
    (date(2021, 1, 1), X3, N1, 1.0),
    (date(2022, 1, 1), S, R1, 0.6),
    (date(2022, 1, 1), S, R2, 0.4),
    (date(2022, 3, 24), W, BIG, 1.0),
    (date(2023, 1, 1), B, C, 1.0),
    (date(2023, 1, 1), D, C, 1.0),
    (date(2023, 1, 1), E, C, 1.0),
)

# How many "ordinary" municipalities per size band (population 1 January 2018).
BANDS: tuple[tuple[str, int, int, int], ...] = (
    ("250k+", 258_000, 700_000, 6),
    ("100k-250k", 104_000, 232_000, 20),
    ("50k-100k", 52_000, 93_000, 30),
    ("20k-50k", 20_800, 46_500, 58),
    ("<20k", 6_000, 18_600, 33),
)
GROUPS: tuple[str, ...] = ("<20k", "20k-50k", "50k-100k", "100k-250k", "250k+")

ROOTS = (
    "Aalder", "Beuke", "Bram", "Dorse", "Eike", "Elze", "Fluit", "Gagel", "Haver", "Heide",
    "Hulst", "Iepe", "Jenever", "Kalk", "Kievit", "Lijster", "Linde", "Meidoorn", "Mos",
    "Notel", "Olme", "Reiger", "Riet", "Rogge", "Schapen", "Spreeu", "Uilen", "Vlier",
    "Wilge", "Zwaluw", "Ganze", "Kraai", "Merel", "Bever", "Otter", "Vosse", "Haze", "Lelie",
    "Boekweit", "Vlas", "Hennep", "Klei", "Zavel", "Keien", "Ploeg", "Sikkel", "Ooi", "Egel",
    "Wezel", "Kemp", "Gerst", "Mergel", "Kwak", "Snip", "Grutto", "Plevier", "Wulp", "Ever",
)  # fmt: skip
SUFFIXES = (
    "dam", "dijk", "veen", "hoven", "wijk", "broek", "horst", "loo", "rade", "stede", "wolde",
    "heem", "hout", "dorp", "kerk", "burg", "zande", "meer", "waard", "rode", "gouw", "sum",
    "ingen", "beek", "donk", "geest", "haar", "woude", "lo", "mond", "sluis", "weerd",
)  # fmt: skip
PREFIXES = ("Nieuw-", "Oud-", "Groot-", "Sint ", "Ter ", "Oost-", "West-", "Hoog-")
DIACRITIC_NAMES = (
    "Boarnsterhiem", "Skarsterwâl", "Kûpersdyk", "Hoëndijk", "Zuidbroëk", "Reëlandt",
    "Noardtsjerk", "Ruïnerwold-Oost", "Wâldhuzen", "Oostermeër", "Súdhoeke", "Ekenrôde",
)  # fmt: skip
PROVINCE_WEIGHTS = (7, 9, 8, 11, 5, 18, 9, 13, 16, 6, 17, 9)


@dataclass
class Municipality:
    code: str  # 4 digits, no GM
    name: str
    province: str
    begin: date
    end: date | None
    own: dict[int, float] = field(default_factory=dict)  # own population, 1 January

    @property
    def gm(self) -> str:
        return "GM" + self.code

    def exists(self, on: date) -> bool:
        return self.begin <= on and (self.end is None or on < self.end)


@dataclass
class Traits:
    cost: float
    fte_org: float
    ict_share: float
    hire: float
    outsourcing: float
    sec: float
    priv: float
    data: float
    no_data_until: int
    small_dev: bool
    headcount: float
    workplaces: float
    budget: float
    apps: float
    pct_offset: float
    satisfaction: float
    breaches: float


def lognorm(rng: random.Random, sigma: float) -> float:
    return math.exp(rng.gauss(0.0, sigma))


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def build_country(rng: random.Random) -> dict[str, Municipality]:
    """The fictitious division: ~160 municipalities in 12 provinces, with history."""
    munis: dict[str, Municipality] = {}
    used_codes = set(SPECIAL)
    pool = [c for c in range(3, 1760) if f"{c:04d}" not in used_codes]
    codes = sorted(rng.sample(pool, sum(b[3] for b in BANDS)))
    rng.shuffle(codes)
    names: set[str] = {v[0] for v in SPECIAL.values()}
    diacritics = list(DIACRITIC_NAMES)

    def new_name() -> str:
        while True:
            if diacritics and rng.random() < 0.09:
                candidate = diacritics.pop(0)
            else:
                candidate = rng.choice(ROOTS) + rng.choice(SUFFIXES)
                if rng.random() < 0.12:
                    candidate = rng.choice(PREFIXES) + candidate
            if candidate not in names:
                names.add(candidate)
                return candidate

    begins = [date(1970, 1, 1)] * 14 + [
        date(1984, 1, 1),
        date(1997, 1, 1),
        date(2001, 1, 1),
        date(2005, 1, 1),
        date(2011, 1, 1),
        date(2012, 1, 1),
    ]
    prov_codes = [p for p, _ in PROVINCES]
    idx = 0
    for _band, lo, hi, n in BANDS:
        for _ in range(n):
            code = f"{codes[idx]:04d}"
            idx += 1
            pop = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            prov = rng.choices(prov_codes, weights=PROVINCE_WEIGHTS)[0]
            munis[code] = Municipality(code, new_name(), prov, rng.choice(begins), None)
            munis[code].own[2018] = pop
    for code, (name, prov, pop) in SPECIAL.items():
        begin = NEW_CODES.get(code, date(1970, 1, 1))
        munis[code] = Municipality(code, name, prov, begin, None)
        munis[code].own[2018] = float(pop)
    for when, old, _new, _share in EVENTS:
        munis[old].end = when
    # own population trajectories (as if nothing merged), ~0.5 % growth a year
    for code in sorted(munis):
        m = munis[code]
        growth = clamp(rng.gauss(0.005, 0.0025), -0.002, 0.011)
        if code == BIG:
            growth = 0.0072
        for y in POP_YEARS[1:]:
            m.own[y] = m.own[y - 1] * (1 + growth + rng.gauss(0, 0.0007)) if m.own[2018] else 0.0
    return munis


def population(munis: dict[str, Municipality], code: str, year: int) -> int:
    """CBS population on 1 January `year` (the municipality must exist on that date)."""
    return round(_virtual_population(munis, code, year))


def _virtual_population(munis: dict[str, Municipality], code: str, year: int) -> float:
    on = date(year, 1, 1)
    total = munis[code].own[year]
    for when, old, new, share in EVENTS:
        if new == code and when <= on:
            total += share * _virtual_population(munis, old, year)
    return total


def existing(munis: dict[str, Municipality], on: date) -> list[str]:
    return sorted(c for c, m in munis.items() if m.exists(on))


def peer_group(pop: int) -> str:
    if pop < 20_000:
        return "<20k"
    if pop < 50_000:
        return "20k-50k"
    if pop < 100_000:
        return "50k-100k"
    if pop < 250_000:
        return "100k-250k"
    return "250k+"


def build_traits(munis: dict[str, Municipality], base_year: int = 2018) -> dict[str, Traits]:
    """Each municipality's lasting traits, drawn by its code; its size from its own
    population on 1 January `base_year` (or its latest one, if it ended before)."""
    traits: dict[str, Traits] = {}
    for code in sorted(munis):
        r = random.Random(f"{SEED}:traits:{code}")
        own = munis[code].own
        pop = (own[base_year] if base_year in own else own[max(own)]) or 30_000.0
        small = pop < 20_000
        traits[code] = Traits(
            cost=lognorm(r, 0.16),
            fte_org=lognorm(r, 0.12) * (1.08 if pop > 250_000 else 1.0),
            ict_share=r.uniform(0.06, 0.08),
            hire=r.uniform(0.25, 0.35),
            outsourcing=r.uniform(0.15, 0.25) * (1.12 if small else 1.0),
            sec=lognorm(r, 0.25),
            priv=lognorm(r, 0.25),
            data=lognorm(r, 0.35),
            no_data_until=r.choice((2022, 2023, 2024, 2024)) if small else 0,
            small_dev=small and r.random() < 0.5,
            headcount=r.uniform(1.12, 1.22),
            workplaces=r.uniform(1.05, 1.15),
            budget=lognorm(r, 0.1),
            apps=lognorm(r, 0.1),
            pct_offset=r.gauss(0, 7),
            satisfaction=r.gauss(7.0, 0.4),
            breaches=lognorm(r, 0.3),
        )
    return traits


# --------------------------------------------------------------------------------------
# Answers: realistic magnitudes (in natural units: euros, FTE, counts, percent)
# --------------------------------------------------------------------------------------

COST_PER_INH = {2018: 82.2, 2019: 83.9, 2020: 90.9, 2021: 91.8, 2022: 98.1, 2023: 100.4}
SEC_PER_100K = {2019: 1.8, 2020: 1.9, 2021: 2.0, 2022: 2.05, 2023: 2.1, 2024: 2.2}
PRIV_PER_100K = {2019: 0.8, 2020: 0.9, 2021: 1.0, 2022: 1.0, 2023: 1.05, 2024: 1.1}
DATA_PER_100K = {2021: 0.5, 2022: 0.85, 2023: 1.2, 2024: 1.5}
SAAS_SHARE = {2021: 0.35, 2022: 0.42, 2023: 0.49, 2024: 0.55}
PCT_LOC = {2020: 40.0, 2021: 78.0, 2022: 86.0, 2023: 90.0, 2024: 93.0}


def by_year(table: dict[int, float], year: int, growth: float) -> float:
    """`table[year]`; outside the table extrapolated from its nearest year at `growth` a
    year (editions before 2019 and after 2024, generated for scale runs only)."""
    if year in table:
        return table[year]
    first, last = min(table), max(table)
    if year < first:
        return table[first] / (1 + growth) ** (first - year)
    return table[last] * (1 + growth) ** (year - last)


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def true_answers(code: str, edition: int, pop: int, t: Traits) -> dict[str, float]:
    """One municipality's answers for one edition, unrounded, in natural units."""
    r = random.Random(f"{SEED}:answers:{code}:{edition}")
    by = edition - 1
    size = 1 + 0.07 * abs(math.log10(pop) - 4.6)
    total = by_year(COST_PER_INH, by, 0.025) * t.cost * size * lognorm(r, 0.04) * pop
    outs = clamp(t.outsourcing + r.gauss(0, 0.015), 0.12, 0.3)
    hire = clamp(t.hire + r.gauss(0, 0.015), 0.22, 0.38)
    personeel = 0.36 * lognorm(r, 0.06)
    parts = {
        "kosten_personeel": personeel,
        "kosten_inhuur": personeel * hire / (1 - hire),
        "kosten_hardware": 0.085 * lognorm(r, 0.12),
        "software": 0.17 * lognorm(r, 0.1),
        "kosten_telecom": 0.04 * lognorm(r, 0.15),
        "kosten_overig": 0.07 * lognorm(r, 0.2),
    }
    rest = sum(parts.values())
    a: dict[str, float] = {k: total * (1 - outs) * v / rest for k, v in parts.items()}
    a["kosten_uitbesteding"] = total * outs
    software = a.pop("software")
    if edition <= 2020:
        a["kosten_software"] = software
    else:
        saas = clamp(by_year(SAAS_SHARE, edition, 0.05) + r.gauss(0, 0.06), 0.1, 0.9)
        a["kosten_saas"] = software * saas
        a["kosten_licenties"] = software * (1 - saas)
    a["kosten_informatiebeveiliging"] = total * r.uniform(0.04, 0.07)

    fte_org = pop * 7.0 / 1000 * t.fte_org * (1 + 0.004 * (by - 2018)) * lognorm(r, 0.02)
    ict_fte = fte_org * t.ict_share * lognorm(r, 0.03)
    per100k = pop / 100_000
    sec = per100k * by_year(SEC_PER_100K, edition, 0.06) * t.sec * lognorm(r, 0.08)
    priv = per100k * by_year(PRIV_PER_100K, edition, 0.15) * t.priv * lognorm(r, 0.08)
    data = 0.0
    if edition >= 2021 and edition > t.no_data_until:
        data = per100k * by_year(DATA_PER_100K, edition, 0.1) * t.data * lognorm(r, 0.1)
    own = {
        "fte_werkplekbeheer": 0.26,
        "fte_applicatiebeheer": 0.24,
        "fte_functioneel_beheer": 0.30,
        "fte_informatiemanagement": 0.12 * (1 + 0.05 * (by - 2018)),
        "fte_ontwikkeling": 0.0 if t.small_dev else 0.08,
    }
    weights = {k: v * lognorm(r, 0.1) for k, v in own.items()}
    remaining = max(ict_fte - sec - priv - data, 0.5 * ict_fte)
    wsum = sum(weights.values())
    for k, v in weights.items():
        a[k] = remaining * v / wsum
    if edition <= 2019:
        a["fte_informatiebeveiliging"] = sec + priv  # up to 2019: includes privacy
    else:
        a["fte_informatiebeveiliging"] = sec
        a["fte_privacy"] = priv
    if edition >= 2021:
        a["fte_data"] = data
    a["fte_inhuur"] = a["kosten_inhuur"] / r.uniform(105_000, 135_000)
    a["fte_organisatie"] = fte_org
    a["medewerkers"] = fte_org * t.headcount
    a["werkplekken"] = a["medewerkers"] * t.workplaces
    a["begroting_lasten"] = pop * 2800 * t.budget * 1.025 ** (by - 2020) * lognorm(r, 0.02)
    span = (math.log(pop) - math.log(8_000)) / (math.log(950_000) - math.log(8_000))
    a["aantal_applicaties"] = (150 + 450 * clamp(span, 0, 1)) * t.apps * 1.02 ** (by - 2018)
    if edition >= 2020:
        a["pct_plaatsonafhankelijk"] = clamp(
            by_year(PCT_LOC, edition, 0.01) + t.pct_offset + r.gauss(0, 4), 8, 100
        )
    if edition >= 2021:
        lam = min(36.0, (1.0 + 4.5 * per100k) * t.breaches)
        a["aantal_datalekken"] = float(min(40, poisson(r, lam)))
    a["tevredenheid_ict"] = clamp(t.satisfaction + r.gauss(0, 0.2), 6.0, 8.0)
    return a


# --------------------------------------------------------------------------------------
# Cells, rows and files
# --------------------------------------------------------------------------------------

NO_ANSWER = ("", "n.v.t.", "onbekend", "-", "nb", "N.v.t.", "NB", "Onbekend", " n.v.t. ")


@dataclass
class Cell:
    written: Any  # str in CSV; a Python value (None = empty cell) in XLSX
    canonical: Any  # what the warehouse should make of it (euros, FTE, percent, ...)
    number_format: str | None = None
    rejected: str | None = None  # reason, when the warehouse must reject the cell


@dataclass
class Row:
    edition: int
    file: str
    code: str | None  # GM#### as meant; None for an empty row
    ts: datetime | None
    cells: dict[str, Cell]
    notes: list[str] = field(default_factory=list)
    source_row: int = 0
    status: str = ""
    superseded_by: str | None = None
    reason: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.source_row}"

    def answers_key(self) -> tuple[Any, ...]:
        return tuple((k, c.canonical) for k, c in sorted(self.cells.items()) if k != "gemeentenaam")


def nl_number(x: float, decimals: int, dots: bool) -> str:
    """Dutch notation: decimal comma, optional thousands dots, trailing zeros dropped."""
    text = f"{abs(x):,.{decimals}f}" if dots else f"{abs(x):.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("-" if x < 0 else "") + text


@dataclass
class Planted:
    no: str
    what: str
    edition: int
    file: str
    row: int
    code: str
    column: str
    raw: str
    expect: str


class Builder:
    """Builds all survey rows of all editions, and knows what the warehouse must do."""

    def __init__(self, munis: dict[str, Municipality]) -> None:
        self.munis = munis
        self.traits = build_traits(munis)
        self.rng = random.Random(f"{SEED}:survey")
        self.rows: dict[int, dict[str, list[Row]]] = {e: {} for e in EDITIONS}
        self.columns: dict[int, dict[str, list[str]]] = {e: {} for e in EDITIONS}
        self.planted: list[tuple[str, str, Row, str, str]] = []  # no, what, row, col, expect
        self.participants: dict[int, list[str]] = {}

    # ---- who takes part -----------------------------------------------------------
    PLAN: dict[str, tuple[int, ...]] = {  # noqa: RUF012
        BIG: EDITIONS,
        W: (2020, 2021, 2022, 2023),
        X1: (2019, 2020, 2021),
        X2: (2019, 2020, 2021),
        X3: (2020, 2021),
        N1: (2022, 2023, 2024),
        A: (2019, 2020),
        B: (2019, 2020, 2021, 2022, 2023),
        D: (2020, 2021, 2022, 2023),
        E: (2019, 2020, 2021, 2022, 2023),
        C: (2024,),
        S: (2019, 2020, 2021, 2022),
        R1: EDITIONS,
        R2: (2021, 2022, 2023, 2024),
        Q: (2019, 2021, 2022, 2023, 2024),
        NOPOP: (),
    }
    TARGETS: dict[int, tuple[int, int, int, int, int]] = {  # noqa: RUF012
        2019: (10, 20, 13, 9, 3),
        2020: (11, 22, 15, 10, 4),
        2021: (12, 25, 17, 11, 5),
        2022: (14, 28, 19, 12, 5),
        2023: (15, 30, 21, 13, 6),
        2024: (16, 33, 23, 14, 6),
    }

    def pop(self, code: str, year: int) -> int:
        return population(self.munis, code, year)

    def group(self, code: str, edition: int) -> str:
        return peer_group(self.pop(code, edition - 1))

    def choose_participants(self) -> None:
        base = {c: self.rng.random() for c in sorted(self.munis)}
        for edition in EDITIONS:
            on = date(edition - 1, 1, 1)
            valid = existing(self.munis, on)
            chosen = [c for c in valid if edition in self.PLAN.get(c, ())]
            for gi, g in enumerate(GROUPS):
                have = sum(1 for c in chosen if self.group(c, edition) == g)
                cands = [c for c in valid if c not in self.PLAN and self.group(c, edition) == g]
                cands.sort(key=lambda c: base[c] + self.rng.gauss(0, 0.12))
                chosen += cands[: max(0, self.TARGETS[edition][gi] - have)]
            self.participants[edition] = sorted(chosen)

    def pick(self, edition: int, used: set[str], among: Iterable[str] | None = None) -> str:
        pool = sorted(
            c
            for c in (among if among is not None else self.participants[edition])
            if c not in self.PLAN and c not in used and self.group(c, edition) != "250k+"
        )
        c = self.rng.choice(pool)
        used.add(c)
        return c

    # ---- cells ----------------------------------------------------------------------
    def cells_for(
        self,
        code: str,
        edition: int,
        answers: dict[str, float],
        ts: datetime,
        *,
        noise: bool,
        name: str | None = None,
        code_variant: str | None = None,
    ) -> dict[str, Cell]:
        r = self.rng
        is_csv = is_csv_edition(edition)
        factor = amount_factor(edition)
        m = self.munis[code]
        cells: dict[str, Cell] = {}
        # no random "no answer" tokens for the 250k+ group (few participants: keep the
        # unsuppressed peer statistics) nor for the municipalities of the boundary history
        quiet_tokens = code in self.PLAN or self.pop(code, edition - 1) >= 250_000
        for q in questions_for(edition):
            if q.kind == "code":
                cells[q.code] = self.code_cell(code, edition, code_variant, noise)
            elif q.kind == "text":
                cells[q.code] = Cell(name or self.name_variant(m.name, noise), None)
            elif q.kind == "integer":
                cells[q.code] = Cell(str(edition - 1) if is_csv else edition - 1, edition - 1)
            elif q.kind == "timestamp":
                as_text = is_csv or (noise and r.random() < 0.2)
                cells[q.code] = self.ts_cell(ts, as_text, is_csv)
            elif q.code == "inwoners":
                reported = self.reported_inhabitants(code, edition)
                cells[q.code] = self.count_cell(reported, is_csv, dots=reported > 900_000)
            else:
                value = answers[q.code]
                if q.kind == "amount":
                    cells[q.code] = self.amount_cell(value, factor, is_csv)
                elif q.kind == "fte":
                    cells[q.code] = self.decimal_cell(value, 2, is_csv)
                elif q.kind == "count":
                    cells[q.code] = self.count_cell(round(value), is_csv)
                elif q.kind == "score":
                    cells[q.code] = self.decimal_cell(value, 1, is_csv)
                else:
                    cells[q.code] = self.percent_cell(value, is_csv, noise)
            if quiet_tokens:
                continue
            if noise and q.kind in NUMERIC_KINDS:
                p = 0.014 if q.kind == "amount" else 0.035
                if r.random() < p:
                    token = r.choice(NO_ANSWER)
                    cells[q.code] = Cell(None if token == "" and not is_csv else token, None)
        return cells

    def code_cell(self, code: str, edition: int, variant: str | None, noise: bool) -> Cell:
        gm = "GM" + code
        if variant is None and noise and self.rng.random() < 0.14:
            variant = self.rng.choice(("digits", "zero", "lower_pad", "lower", "digits"))
        if variant == "digits":
            if is_csv_edition(edition):
                return Cell(str(int(code)), gm)
            return Cell(int(code), gm)  # Excel turned it into a number
        if variant == "zero":
            return Cell(code, gm)
        if variant == "lower_pad":
            return Cell(f" gm{code} ", gm)
        if variant == "lower":
            return Cell(f"gm{code}", gm)
        return Cell(gm, gm)

    def name_variant(self, name: str, noise: bool) -> str:
        if not noise:
            return name
        x = self.rng.random()
        if x < 0.12:
            return "Gemeente " + name
        if x < 0.16:
            return name.upper()
        if x < 0.19:
            return name.translate(str.maketrans("áâéëïóôúûü", "aaeeioouuu"))
        return name

    def ts_cell(self, ts: datetime, as_text: bool, is_csv: bool) -> Cell:
        text = ts.strftime("%Y-%m-%d %H:%M")
        if as_text or is_csv:
            return Cell(text, text)
        return Cell(ts, text, "yyyy-mm-dd hh:mm")

    def reported_inhabitants(self, code: str, edition: int) -> int:
        cbs = self.pop(code, edition - 1)
        x = self.rng.random()
        if x < 0.2:
            return round(cbs, -2)
        if x < 0.3 and self.munis[code].exists(date(edition, 1, 1)):
            later = self.pop(code, edition)
            if abs(later / cbs - 1) < 0.015:
                return later
        return cbs

    def amount_cell(self, euros: float, factor: int, is_csv: bool) -> Cell:
        if is_csv:
            style = self.rng.random()
            if style < 0.55:
                v = float(round(euros))
                return Cell(nl_number(v, 0, False), v)
            if style < 0.75:
                v = float(round(euros))
                return Cell(nl_number(v, 0, True), v)
            v = round(euros, 2)
            return Cell(nl_number(v, 2, style > 0.9), v)
        k = round(euros / factor, 1)
        return Cell(k, k * factor)

    def decimal_cell(self, value: float, decimals: int, is_csv: bool) -> Cell:
        v = round(value, decimals)
        if is_csv:
            return Cell(nl_number(v, decimals, False), v)
        return Cell(v, v)

    def count_cell(self, value: int, is_csv: bool, dots: bool = False) -> Cell:
        if is_csv:
            dots = dots or (value >= 1000 and self.rng.random() < 0.3)
            return Cell(nl_number(value, 0, dots), value)
        return Cell(value, value)

    def percent_cell(self, value: float, is_csv: bool, noise: bool) -> Cell:
        v = round(value)
        if is_csv:
            return Cell(str(v), float(v))
        if noise and self.rng.random() < 0.5:
            frac = round(v / 100, 2)
            return Cell(frac, round(frac * 100, 6), "0%")
        return Cell(v, float(v))

    # ---- rows -----------------------------------------------------------------------
    def submission(
        self,
        code: str,
        edition: int,
        file: str,
        ts: datetime,
        *,
        noise: bool = True,
        answers: dict[str, float] | None = None,
        **kw: Any,
    ) -> Row:
        if answers is None:
            pop = self.pop(code, edition - 1)
            answers = true_answers(code, edition, pop, self.traits[code])
        cells = self.cells_for(code, edition, answers, ts, noise=noise, **kw)
        return Row(edition, file, "GM" + code, ts, cells)

    def resubmission(self, orig: Row, file: str, ts: datetime, changed: dict[str, float]) -> Row:
        """A copy of `orig` submitted at `ts` in `file`, with only `changed` answers differing."""
        e = orig.edition
        is_csv = is_csv_edition(e)
        row = Row(e, file, orig.code, ts, dict(orig.cells))
        if ts != orig.ts:
            row.cells["ingediend_op"] = self.ts_cell(ts, False, is_csv)
        for q, value in changed.items():
            if QBY[q].kind == "amount":
                row.cells[q] = self.amount_cell(value, amount_factor(e), is_csv)
            else:
                row.cells[q] = self.decimal_cell(value, 2, is_csv)
        return row

    def timestamp(self, edition: int, start: tuple[int, int], end: tuple[int, int]) -> datetime:
        t0 = datetime(edition, *start, 8, 0)
        t1 = datetime(edition, *end, 18, 0)
        minutes = self.rng.randrange(int((t1 - t0).total_seconds() // 60))
        ts = t0 + timedelta(minutes=minutes)
        if ts.hour < 8 or ts.hour > 18:
            ts = ts.replace(hour=8 + ts.hour % 10)
        return ts

    def plant(self, no: str, what: str, row: Row, column: str, expect: str) -> None:
        self.planted.append((no, what, row, column, expect))

    def build(self) -> None:
        self.choose_participants()
        for edition in self.rows:
            getattr(self, f"_edition_{edition}")()
            for file, rows in self.rows[edition].items():
                first = 2 if is_csv_edition(edition) else 3
                for i, row in enumerate(rows):
                    row.source_row = first + i
                if file not in self.columns[edition]:
                    self.columns[edition][file] = [q.code for q in questions_for(edition)]
        self.resolve()
        self.plant_code_variants()

    def plant_code_variants(self) -> None:
        """List the first row of each code spelling per format, for tests."""
        seen: set[tuple[bool, str]] = set()
        for edition in self.rows:
            col = code_header(edition)
            for file in sorted(self.rows[edition]):
                for row in self.rows[edition][file]:
                    if row.code is None or row.status != "loaded":
                        continue
                    w = row.cells[col].written
                    kind = (
                        "number cell" if isinstance(w, int)
                        else "digits only" if w.isdigit() and not w.startswith("0")
                        else "zero-padded digits" if w.isdigit()
                        else "lower-case, padded" if w != w.strip()
                        else "lower-case" if w.startswith("gm")
                        else ""
                    )  # fmt: skip
                    key = (is_csv_edition(edition), kind)
                    if kind and key not in seen:
                        seen.add(key)
                        self.plant("x", f"code written as {kind}", row, col, f"read as {row.code}")

    def main_rows(self, edition: int, file: str, codes: Iterable[str], window: Any) -> list[Row]:
        rows = []
        for code in sorted(codes):
            rows.append(self.submission(code, edition, file, self.timestamp(edition, *window)))
        return rows

    @staticmethod
    def by_time(rows: list[Row]) -> list[Row]:
        return sorted(rows, key=lambda r: (r.ts or datetime.min, r.code or ""))

    def ordinary(self, edition: int, used: set[str]) -> list[str]:
        return [c for c in self.participants[edition] if c not in used]

    MAIN = ((2, 15), (5, 15))
    LATE = ((6, 3), (7, 12))

    def shuffled_columns(self, edition: int, extra: Sequence[str] = ()) -> list[str]:
        cols = [q.code for q in questions_for(edition)] + list(extra)
        self.rng.shuffle(cols)
        return cols

    # ---- edition 2019 (CSV): late submissions, an empty row -------------------------
    def _edition_2019(self) -> None:
        e, used = 2019, set[str]()
        late = [self.pick(e, used) for _ in range(4)]
        main = self.by_time(self.main_rows(e, "export_2019.csv", self.ordinary(e, used), self.MAIN))
        empty = Row(
            e, "export_2019.csv", None, None, {q.code: Cell("", None) for q in questions_for(e)}
        )
        main.insert(31, empty)
        self.plant("8c", "completely empty row (all cells blank)", empty, "", "skipped as empty")
        nal = self.by_time(self.main_rows(e, "nalevering_2019.csv", late, self.LATE))
        for r in nal:
            self.plant("1", "late submission (nalevering), new municipality", r, "", "loaded")
        self.rows[e] = {"export_2019.csv": main, "nalevering_2019.csv": nal}

    # ---- edition 2020 (CSV): correction, '12.5', '0,85', blank predecessor input ------
    def _edition_2020(self) -> None:
        e, used = 2020, set[str]()
        corr, bad, frac = self.pick(e, used), self.pick(e, used), self.pick(e, used)
        file = "export_2020.csv"
        main = self.main_rows(e, file, self.ordinary(e, used | {corr}), self.MAIN)
        ans = true_answers(corr, e, self.pop(corr, e - 1), self.traits[corr])
        orig = self.submission(
            corr, e, file, datetime(2020, 4, 2, 11, 47), noise=False, answers=ans
        )
        main.append(orig)
        later = self.resubmission(
            orig,
            "correctie_2020.csv",
            datetime(2020, 5, 28, 9, 3),
            {"kosten_hardware": ans["kosten_hardware"] * 1.18,
             "kosten_uitbesteding": ans["kosten_uitbesteding"] * 0.91},
        )  # fmt: skip
        self.plant("2", "original, later corrected", orig, "", f"superseded by {later.file}")
        self.plant(
            "2",
            "correction: later ingediend_op, kosten_hardware and kosten_uitbesteding changed",
            later,
            "",
            "loaded (wins)",
        )
        main.append(self.submission(bad, e, file, self.timestamp(e, *self.MAIN), noise=False))
        cell = main[-1].cells["kosten_telecom"]
        cell.written = f"{round(cell.canonical)}.5"
        cell.canonical, cell.rejected = None, "unreadable number (decimal point)"
        self.plant(
            "6a",
            "amount with a decimal point",
            main[-1],
            "kosten_telecom",
            "cell rejected, row loaded",
        )
        main.append(self.submission(frac, e, file, self.timestamp(e, *self.MAIN), noise=False))
        pct = main[-1].cells["pct_plaatsonafhankelijk"]
        pct.written, pct.canonical = "0,85", 85.0
        self.plant("9a", "percentage as a fraction", main[-1], "pct_plaatsonafhankelijk", "85 (%)")
        for r in main:
            if r.code == "GM" + X2:
                tel = r.cells["kosten_telecom"]
                tel.written, tel.canonical = "", None
                self.plant(
                    "10",
                    "predecessor of a merger left an input blank",
                    r,
                    "kosten_telecom",
                    "missing; GM1969 gets no recomputed ICT-cost trend figure for 2020",
                )
        self.rows[e] = {file: self.by_time(main), "correctie_2020.csv": [later]}

    # ---- edition 2021 (CSV, shuffled columns): conflict, '1.23.4', '85%', inwoners ----
    def _edition_2021(self) -> None:
        e, used = 2021, set[str]()
        confl, bad, sign, inw = (self.pick(e, used) for _ in range(4))
        file = "export_2021.csv"
        main = self.main_rows(e, file, self.ordinary(e, used), self.MAIN)
        ts = datetime(2021, 3, 30, 14, 12)
        ans = true_answers(confl, e, self.pop(confl, e - 1), self.traits[confl])
        one = self.submission(confl, e, file, ts, noise=False, answers=ans)
        two = self.resubmission(
            one,
            file,
            ts,
            {"kosten_hardware": ans["kosten_hardware"] * 1.13,
             "kosten_overig": ans["kosten_overig"] * 0.8},
        )  # fmt: skip
        main += [one, two]
        for r in (one, two):
            self.plant(
                "4",
                "conflicting duplicate: same ingediend_op, different answers",
                r,
                "",
                "rejected (municipality rejected for 2021)",
            )
        main.append(self.submission(bad, e, file, self.timestamp(e, *self.MAIN), noise=False))
        cell = main[-1].cells["kosten_overig"]
        cell.written, cell.canonical, cell.rejected = "1.23.4", None, "unreadable number"
        self.plant(
            "6b", "unreadable number", main[-1], "kosten_overig", "cell rejected, row loaded"
        )
        main.append(self.submission(sign, e, file, self.timestamp(e, *self.MAIN), noise=False))
        pct = main[-1].cells["pct_plaatsonafhankelijk"]
        pct.written, pct.canonical = "85%", 85.0
        self.plant("9b", "percentage with a % sign", main[-1], "pct_plaatsonafhankelijk", "85 (%)")
        main.append(self.submission(inw, e, file, self.timestamp(e, *self.MAIN), noise=False))
        cbs = self.pop(inw, e - 1)
        wrong = round(cbs * 1.064)
        main[-1].cells["inwoners"] = Cell(nl_number(wrong, 0, True), wrong)
        self.plant(
            "8a",
            f"self-reported inwoners {wrong} vs CBS {cbs} (+6.4 %)",
            main[-1],
            "inwoners",
            "loaded; plausibility finding",
        )
        # a name that needs quoting in CSV
        for r in main:
            if r.code and r.code[2:] not in self.PLAN and all(r is not p[2] for p in self.planted):
                quoted = self.munis[r.code[2:]].name + "; afd. I&A"
                r.cells["gemeentenaam"] = Cell(quoted, None)
                self.plant(
                    "x",
                    "name containing ';' (quoted in the CSV)",
                    r,
                    "gemeentenaam",
                    "read as typed",
                )
                break
        self.rows[e] = {file: self.by_time(main)}
        self.columns[e][file] = self.shuffled_columns(e)

    # ---- edition 2022 (XLSX, k€): identical resubmission, negative FTE, 120 % ---------
    def _edition_2022(self) -> None:
        e, used = 2022, set[str]()
        ident, neg, over = (self.pick(e, used) for _ in range(3))
        textnum = [self.pick(e, used) for _ in range(2)]
        file = "export_2022.xlsx"
        main = self.main_rows(e, file, self.ordinary(e, {ident, neg, over}), self.MAIN)
        for r in main:
            if r.code and r.code[2:] in textnum:
                cell = r.cells["kosten_hardware"]
                if isinstance(cell.written, float):
                    cell.written = nl_number(cell.written, 1, True)
                    self.plant(
                        "x",
                        "amount as a text cell in Dutch notation",
                        r,
                        "kosten_hardware",
                        f"read as {cell.canonical / 1000:g} k€",
                    )
        ts = datetime(2022, 3, 17, 10, 15)
        ans = true_answers(ident, e, self.pop(ident, e - 1), self.traits[ident])
        name = self.munis[ident].name
        one = self.submission(ident, e, file, ts, noise=False, answers=ans, name=name)
        two = self.submission(
            ident, e, file, ts, noise=False, answers=ans, name="gem. " + name.upper()
        )
        two.cells["inwoners"] = one.cells["inwoners"]
        two.cells["ingediend_op"] = self.ts_cell(ts, True, False)  # same instant, as text
        main += [one, two]
        for r in (one, two):
            self.plant(
                "3",
                "identical resubmission (same instant; name spelled differently; "
                "ingediend_op once a date cell, once text)",
                r,
                "",
                "one loaded, one superseded",
            )
        main.append(self.submission(neg, e, file, self.timestamp(e, *self.MAIN), noise=False))
        cell = main[-1].cells["fte_applicatiebeheer"]
        cell.written, cell.canonical, cell.rejected = -3.5, None, "negative FTE is impossible"
        self.plant(
            "6c", "negative FTE", main[-1], "fte_applicatiebeheer", "cell rejected, row loaded"
        )
        main.append(self.submission(over, e, file, self.timestamp(e, *self.MAIN), noise=False))
        main[-1].cells["pct_plaatsonafhankelijk"] = Cell(120, 120.0)
        self.plant(
            "8b",
            "percentage over 100",
            main[-1],
            "pct_plaatsonafhankelijk",
            "loaded as 120; plausibility finding",
        )
        self.rows[e] = {file: self.by_time(main)}

    # ---- edition 2023 (XLSX, cbs_code): late, corrections, k€/€ mix-up, invalid code --
    def _edition_2023(self) -> None:
        e, used = 2023, set[str]()
        late = [self.pick(e, used) for _ in range(5)]
        corr_a, keur = self.pick(e, used), self.pick(e, used)
        corr_b = late[2]
        file, nal_file, corr_file = (
            "export_2023.xlsx",
            "nalevering_2023.xlsx",
            "correctie_2023.xlsx",
        )
        main = self.main_rows(e, file, self.ordinary(e, used | {corr_a, keur}), self.MAIN)
        nal = self.main_rows(e, nal_file, [c for c in late if c != corr_b], self.LATE)
        corrections: list[Row] = []
        for code, target, ts0, ts1 in (
            (corr_a, main, datetime(2023, 3, 9, 16, 40), datetime(2023, 6, 20, 8, 55)),
            (corr_b, nal, datetime(2023, 6, 14, 13, 5), datetime(2023, 7, 3, 10, 30)),
        ):
            ans = true_answers(code, e, self.pop(code, e - 1), self.traits[code])
            orig = self.submission(code, e, target[0].file, ts0, noise=False, answers=ans)
            target.append(orig)
            changed = {
                "kosten_saas": ans["kosten_saas"] * 1.25,
                "kosten_licenties": ans["kosten_licenties"] * 0.85,
                "fte_data": ans["fte_data"] + 1.0,
            }
            later = self.resubmission(orig, corr_file, ts1, changed)
            corrections.append(later)
            self.plant("2", "original, later corrected", orig, "", f"superseded by {corr_file}")
            self.plant(
                "2",
                "correction: later ingediend_op; kosten_saas, kosten_licenties, fte_data changed",
                later,
                "",
                "loaded (wins)",
            )
        for r in nal:
            if r.code != "GM" + corr_b:
                self.plant("1", "late submission (nalevering), new municipality", r, "", "loaded")
        main.append(self.submission(keur, e, file, self.timestamp(e, *self.MAIN), noise=False))
        for q, cell in main[-1].cells.items():
            if q.startswith("kosten_") or q == "begroting_lasten":
                euros = round(cell.canonical)
                cell.written, cell.canonical = euros, euros * 1000.0
        self.plant(
            "7",
            "k€/€ mix-up: all kosten_* and begroting_lasten entered in euros",
            main[-1],
            "kosten_*, begroting_lasten",
            "loaded as given (1000x); plausibility finding",
        )
        x1 = self.munis[X1]
        bad = Row(e, file, "GM" + X1, datetime(2023, 4, 4, 9, 20), {})
        answers = true_answers(X1, e, 8_600, self.traits[X1])
        bad.cells = self.cells_for(
            X1, e, answers, bad.ts or datetime(2023, 1, 1), noise=False, name=x1.name
        )
        bad.cells["inwoners"] = Cell(8_600, 8_600)
        main.append(bad)
        self.plant(
            "5",
            "code that did not exist on 1 January 2022 (dissolved 2021-01-01 into GM1969)",
            bad,
            "cbs_code",
            "row rejected",
        )
        self.rows[e] = {
            corr_file: corrections,
            file: self.by_time(main),
            nal_file: self.by_time(nal),
        }
        self.columns[e][corr_file] = self.shuffled_columns(e)

    # ---- edition 2024 (XLSX, shuffled, extra column, '95%' text) -------------------
    def _edition_2024(self) -> None:
        e, used = 2024, set[str]()
        textnum = [self.pick(e, used) for _ in range(2)]
        pct_text = self.pick(e, used)
        file = "export_2024.xlsx"
        main = self.main_rows(e, file, self.participants[e], self.MAIN)
        remarks = ["Cijfers uit de jaarrekening.", "Inclusief bijdrage GR ICT.", "Zie toelichting."]
        for r in main:
            code = (r.code or "")[2:]
            r.cells[EXTRA_COLUMN] = Cell(None, None)
            if self.rng.random() < 0.1:
                r.cells[EXTRA_COLUMN] = Cell(self.rng.choice(remarks), None)
            if code in textnum:
                cell = r.cells["kosten_hardware"]
                if isinstance(cell.written, float):
                    cell.written = nl_number(cell.written, 1, True)
                    self.plant(
                        "x",
                        "amount as a text cell in Dutch notation",
                        r,
                        "kosten_hardware",
                        f"read as {cell.canonical / 1000:g} k€",
                    )
            if code == pct_text:
                v = round(r.cells["pct_plaatsonafhankelijk"].canonical or 95)
                r.cells["pct_plaatsonafhankelijk"] = Cell(f"{v}%", float(v))
                self.plant(
                    "9c",
                    "percentage as text with a % sign (XLSX)",
                    r,
                    "pct_plaatsonafhankelijk",
                    f"{v} (%)",
                )
        self.rows[e] = {file: self.by_time(main)}
        self.columns[e][file] = self.shuffled_columns(e, [EXTRA_COLUMN])

    # ---- what the warehouse must conclude --------------------------------------------
    def resolve(self) -> None:
        for edition in self.rows:
            on = date(edition - 1, 1, 1)
            by_code: dict[str, list[Row]] = {}
            for file in sorted(self.rows[edition]):
                for row in self.rows[edition][file]:
                    if row.code is None:
                        row.status = "empty"
                    elif not self.munis[row.code[2:]].exists(on):
                        row.status = "rejected"
                        row.reason = f"{row.code} did not exist on {on.isoformat()}"
                    else:
                        by_code.setdefault(row.code, []).append(row)
            for rows in by_code.values():
                latest = max(r.ts for r in rows if r.ts)
                top = [r for r in rows if r.ts == latest]
                if len({r.answers_key() for r in top}) > 1:
                    for r in rows:
                        r.status = "rejected"
                        r.reason = "conflicting submissions with the same ingediend_op"
                    continue
                winner = top[0]  # identical resubmission: the first in (file, row) order
                for r in rows:
                    if r is winner:
                        r.status = "loaded"
                    else:
                        r.status, r.superseded_by = "superseded", winner.ref


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def write_csv(path: Path, columns: list[str], rows: list[Row]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for row in rows:
        w.writerow([row.cells[c].written if c in row.cells else "" for c in columns])
    path.write_bytes(buf.getvalue().encode("cp1252"))


def write_xlsx(path: Path, edition: int, columns: list[str], rows: list[Row]) -> None:
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = "toelichting"
    for line in (
        f"ICT-benchmark gemeenten {edition}",
        f"Boekjaar {edition - 1}",
        "Alle bedragen in duizenden euro's (k€).",
        "Tabblad 'antwoorden': één rij per ingediende vragenlijst.",
        "Rij 1 bevat de vraagcodes, rij 2 de vraagteksten.",
    ):
        info.append([line])
    ws = wb.create_sheet("antwoorden")
    ws.append(columns)
    texts = {q.code: q.text_nl for q in QUESTIONS}
    texts[EXTRA_COLUMN] = "Opmerkingen"
    for c in columns:
        if c == "begroting_lasten" or c.startswith("kosten_"):
            texts[c] = texts[c] + " (k€)"
    ws.append([texts[c] for c in columns])
    for r_i, row in enumerate(rows, start=3):
        for c_i, col in enumerate(columns, start=1):
            cell = row.cells.get(col)
            if cell is None or cell.written is None:
                continue
            target = ws.cell(row=r_i, column=c_i, value=cell.written)
            if isinstance(cell.written, str):
                target.data_type = "s"
            if cell.number_format:
                target.number_format = cell.number_format
    stamp = datetime(edition, 7, 15, 12, 0, 0)
    wb.properties.creator = "Enquêtetool ICT-benchmark"
    wb.properties.lastModifiedBy = "Enquêtetool ICT-benchmark"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    raw = io.BytesIO()
    wb.save(raw)
    path.write_bytes(deterministic_zip(raw.getvalue(), stamp))


def deterministic_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite an XLSX zip with fixed entry timestamps and a fixed modified date."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for entry in src.infolist():
            content = src.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + iso + rb"\g<2>",
                    content,
                )
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, content, compresslevel=6)
    return out.getvalue()


def write_division(ref: Path, munis: dict[str, Municipality]) -> None:
    """`gemeentelijke-indeling.csv`: CBS layout, UTF-8 with BOM, LF."""
    provinces = dict(PROVINCES)
    lines = ["provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum"]
    for m in sorted(munis.values(), key=lambda m: (m.province, m.code)):
        end = m.end.isoformat() if m.end else ""
        lines.append(
            f"{m.province};{provinces[m.province]};{m.code};{m.name};{m.begin.isoformat()};{end}"
        )
    (ref / "gemeentelijke-indeling.csv").write_bytes(
        "\ufeff".encode() + ("\n".join(lines) + "\n").encode("utf-8")
    )


def write_mergers(ref: Path, events: Iterable[tuple[date, str, str, float]]) -> None:
    """`herindelingen.csv`: one row per old -> new pair."""
    lines = ["datum;oude_code;nieuwe_code;aandeel"]
    for when, old, new, share in sorted(events):
        lines.append(f"{when.isoformat()};GM{old};GM{new};{share:.4f}")
    (ref / "herindelingen.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def write_reference(out: Path, munis: dict[str, Municipality]) -> dict[str, Any]:
    ref = out / "reference"
    (ref / "population").mkdir(parents=True, exist_ok=True)
    write_division(ref, munis)
    write_mergers(ref, EVENTS)

    split_rows = {"NL01", "PV20", "PV27", "GM" + BIG, "GM" + R1, "GM" + NOPOP}
    files = {"cbs_03759ned_2018_2023.csv": POP_YEARS[:-1], "cbs_03759ned_2024.csv": POP_YEARS[-1:]}
    unknown = (NOPOP, 2021)
    rng = random.Random(f"{SEED}:sexes")
    totals: dict[tuple[str, int], int] = {}
    for year in POP_YEARS:
        on = date(year, 1, 1)
        for code in existing(munis, on):
            totals[("GM" + code, year)] = population(munis, code, year)
    for file, years in files.items():
        header = (
            '"ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";'
            '"BevolkingOp1Januari_1"'
        )
        out_lines = [header]
        regions: list[str] = ["NL01"] + [f"PV{p}" for p, _ in PROVINCES]
        regions += sorted({k[0] for k in totals})
        for sex in ("T001038", "3000", "4000"):
            for region in regions:
                if sex != "T001038" and region not in split_rows:
                    continue
                for year in years:
                    if region == "NL01":
                        value: int | None = sum(v for (_, y), v in totals.items() if y == year)
                    elif region.startswith("PV"):
                        value = sum(
                            v
                            for (g, y), v in totals.items()
                            if y == year and munis[g[2:]].province == region[2:]
                        )
                    else:
                        value = totals.get((region, year))
                    if value is None:
                        continue
                    if sex != "T001038":
                        men = round(value * rng.uniform(0.492, 0.503))
                        value = men if sex == "3000" else value - men
                    shown = "." if (region, year) == ("GM" + unknown[0], unknown[1]) else str(value)
                    if (region, year) == ("GM" + unknown[0], unknown[1]) and sex != "T001038":
                        shown = "."
                    out_lines.append(
                        f'"{len(out_lines) - 1}";"{sex}";"10000";"T001019";'
                        f'"{region}  ";"{year}JJ00";"{shown}"'
                    )
        (ref / "population" / file).write_bytes(("\r\n".join(out_lines) + "\r\n").encode())
    return {"population": {f"{g}:{y}": v for (g, y), v in sorted(totals.items())}}


# --------------------------------------------------------------------------------------
# Expectations: README.md and expected.json
# --------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def ict_total(row: Row) -> float | None:
    parts = [
        "kosten_personeel",
        "kosten_inhuur",
        "kosten_hardware",
        "kosten_uitbesteding",
        "kosten_telecom",
        "kosten_overig",
    ]
    parts += (
        ["kosten_software"]
        if "kosten_software" in row.cells
        else ["kosten_licenties", "kosten_saas"]
    )
    values = [row.cells[p].canonical for p in parts]
    if any(v is None for v in values):
        return None
    return float(sum(values))


def raw_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + " (date cell)"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:g} (number cell)" if isinstance(value, float) else f"{value} (number cell)"
    return repr(value)


def summarise(b: Builder, out: Path) -> None:
    editions: dict[str, Any] = {}
    acct_lines = [
        "| edition | file | rows | loaded | superseded | rejected | empty |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    peer_lines = [
        "| edition | " + " | ".join(GROUPS) + " | all | ICT cost/inh. n | p25 | median | p75 "
        "| pop.-weighted median |",
        "| --- |" + " ---: |" * (len(GROUPS) + 6),
    ]
    rejected_lines = [
        "| edition | file | row | column | raw value | reason |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    for e in EDITIONS:
        files: dict[str, Any] = {}
        tot = {"rows": 0, "loaded": 0, "superseded": 0, "rejected": 0, "empty": 0}
        for file in sorted(b.rows[e]):
            rows = b.rows[e][file]
            counts = {"rows": len(rows)} | {
                s: sum(1 for r in rows if r.status == s)
                for s in ("loaded", "superseded", "rejected", "empty")
            }
            files[file] = counts | {
                "columns": b.columns[e][file],
                "data_rows": [
                    {
                        "row": r.source_row,
                        "code_raw": raw_text(r.cells[code_header(e)].written) if r.code else "",
                        "municipality_code": r.code,
                        "ingediend_op": r.ts.strftime("%Y-%m-%d %H:%M") if r.ts else None,
                        "status": r.status,
                        "superseded_by": r.superseded_by,
                        "reason": r.reason,
                    }
                    for r in rows
                ],
            }
            for k in tot:
                tot[k] += counts[k]
            acct_lines.append(
                f"| {e} | `{file}` | {counts['rows']} | {counts['loaded']} | "
                f"{counts['superseded']} | {counts['rejected']} | {counts['empty']} |"
            )
            for r in rows:
                if r.status == "rejected":
                    col = code_header(e)
                    rejected_lines.append(
                        f"| {e} | `{file}` | {r.source_row} | (row) `{col}` | "
                        f"{raw_text(r.cells[col].written)} | {r.reason} |"
                    )
                for col, cell in r.cells.items():
                    if cell.rejected:
                        rejected_lines.append(
                            f"| {e} | `{file}` | {r.source_row} | `{col}` | "
                            f"{raw_text(cell.written)} | {cell.rejected} (cell only) |"
                        )
        acct_lines.append(
            f"| **{e}** | **all files** | **{tot['rows']}** | **{tot['loaded']}** | "
            f"**{tot['superseded']}** | **{tot['rejected']}** | **{tot['empty']}** |"
        )
        loaded = [r for f in sorted(b.rows[e]) for r in b.rows[e][f] if r.status == "loaded"]
        groups = {g: 0 for g in GROUPS}
        cpi: list[tuple[float, int]] = []
        for r in loaded:
            code = (r.code or "")[2:]
            pop = b.pop(code, e - 1)
            groups[peer_group(pop)] += 1
            total = ict_total(r)
            if total is not None:
                cpi.append((total / pop, pop))
        values = [v for v, _ in cpi]
        weighted = sorted(cpi)
        half, acc, wmed = sum(p for _, p in cpi) / 2, 0, 0.0
        for v, p in weighted:
            acc += p
            if acc >= half:
                wmed = v
                break
        stats = {
            "n": len(values),
            "p25": quantile(values, 0.25),
            "median": quantile(values, 0.5),
            "p75": quantile(values, 0.75),
            "population_weighted_median": wmed,
        }
        peer_lines.append(
            f"| {e} | "
            + " | ".join(str(groups[g]) for g in GROUPS)
            + f" | {len(loaded)} | {stats['n']} | {stats['p25']:.2f} | {stats['median']:.2f} | "
            f"{stats['p75']:.2f} | {wmed:.2f} |"
        )
        editions[str(e)] = {
            "boekjaar": e - 1,
            "files": files,
            "totals": tot,
            "loaded_per_peer_group": groups,
            "loaded_municipalities": sorted(r.code or "" for r in loaded),
            "ict_cost_per_inhabitant_all": stats,
        }

    planted_lines = [
        "| # | situation | edition | file | row | municipality | column | raw value | expected |",
        "| --- | --- | --- | --- | ---: | --- | --- | --- | --- |",
    ]
    planted_json = []
    for no, what, row, col, expect in sorted(
        b.planted, key=lambda p: (p[2].edition, p[0], p[2].file, p[2].source_row)
    ):
        raw = ""
        if col in row.cells:
            raw = raw_text(row.cells[col].written)
        planted_lines.append(
            f"| {no} | {what} | {row.edition} | `{row.file}` | {row.source_row} | "
            f"{row.code or '—'} | {('`' + col + '`') if col else ''} | {raw} | {expect} |"
        )
        planted_json.append(
            {
                "id": no,
                "situation": what,
                "edition": row.edition,
                "file": row.file,
                "row": row.source_row,
                "municipality_code": row.code,
                "column": col or None,
                "raw_value": raw or None,
                "expected": expect,
                "status": row.status,
            }
        )
    expected = {
        "generator": "scripts/generate_sample_data.py",
        "seed": SEED,
        "editions": editions,
        "planted": planted_json,
        "mergers": [
            {"date": d.isoformat(), "old": "GM" + o, "new": "GM" + n, "share": s}
            for d, o, n, s in EVENTS
        ],
        "participation_plan": {"GM" + c: list(v) for c, v in sorted(Builder.PLAN.items())},
    }
    (out / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    readme = README_TEMPLATE.format(
        accounting="\n".join(acct_lines),
        planted="\n".join(planted_lines),
        rejected="\n".join(rejected_lines),
        peers="\n".join(peer_lines),
        nm={role: SPECIAL[code][0] for role, code in ROLES.items()},
        BIG=BIG, W=W, X1=X1, X2=X2, X3=X3, N1=N1, A=A, B=B, D=D, E=E, C=C,
        S=S, R1=R1, R2=R2, O1=O1, O2=O2, Q=Q, NOPOP=NOPOP,
        big2024=b.pop(BIG, 2024),
        files_table="\n".join(
            ["| path | what |", "| --- | --- |"] + [f"| {a} | {b} |" for a, b in FILES_TABLE]
        ),
        history_table=history_table({role: SPECIAL[code][0] for role, code in ROLES.items()}),
        plan="\n".join(
            f"| GM{c} {SPECIAL[c][0]} | {', '.join(map(str, v)) or 'never'} |"
            for c, v in Builder.PLAN.items()
        ),
    )  # fmt: skip
    (out / "README.md").write_text(readme, encoding="utf-8")


FILES_TABLE: tuple[tuple[str, str], ...] = (
    (
        "`survey/2019..2021/*.csv`",
        "Dutch-Excel CSV: `;`, decimal comma, thousands dots in some cells, Windows-1252, "
        "CRLF, quoted only when needed; amounts in euros",
    ),
    (
        "`survey/2022..2024/*.xlsx`",
        "survey-tool XLSX: sheet `toelichting` first, then `antwoorden` (row 1 codes, row 2 "
        "question text, data from row 3); all `kosten_*` and `begroting_lasten` in k€",
    ),
    ("`survey/<E>/export_<E>.*`", "main export of edition E (rows in submission order)"),
    (
        "`survey/2019/nalevering_2019.csv`, `survey/2023/nalevering_2023.xlsx`",
        "late submissions",
    ),
    (
        "`survey/2020/correctie_2020.csv`, `survey/2023/correctie_2023.xlsx`",
        "corrections (later `ingediend_op`)",
    ),
    ("`reference/gemeentelijke-indeling.csv`", "the division, CBS layout, UTF-8 **with BOM**, LF"),
    ("`reference/herindelingen.csv`", "mergers and splits (`datum;oude_code;nieuwe_code;aandeel`)"),
    (
        "`reference/population/cbs_03759ned_2018_2023.csv`, `cbs_03759ned_2024.csv`",
        "CBS StatLine 03759ned layout, every field quoted, CRLF; total rows for `NL01  `, all "
        "12 `PV..  ` provinces and every municipality; men (`3000`) / women (`4000`) rows for "
        "NL01, PV20, PV27 and three municipalities",
    ),
    ("`expected.json`", "what the warehouse should conclude (not part of the landing zone)"),
)


def history_table(nm: dict[str, str]) -> str:
    def g(role: str) -> str:
        return f"GM{ROLES[role]} {nm[role]}"

    rows = [
        (
            "2016-01-01",
            f"{g('O1')} + {g('O2')} → new {g('Q')} (history before the data; harmless)",
        ),
        (
            "2020-01-01",
            f"{g('A')} merged into {g('B')} (its name and code survive); first link of the chain",
        ),
        ("2021-01-01", f"plain merger: {g('X1')}, {g('X2')}, {g('X3')} → new {g('N1')}"),
        (
            "2022-01-01",
            f"split: {g('S')} divided over existing {g('R1')} (aandeel 0.6000) and "
            f"{g('R2')} (0.4000)",
        ),
        (
            "2022-03-24",
            f"mid-year merger: {g('W')} into {g('BIG')} (einddatum of GM{W} = 2022-03-24; "
            f"GM{W} is still valid for boekjaar 2022 = edition 2023)",
        ),
        ("2023-01-01", f"chain end: {g('B')}, {g('D')}, {g('E')} → new {g('C')}"),
    ]
    return "\n".join(["| date | change |", "| --- | --- |"] + [f"| {a} | {b} |" for a, b in rows])


README_TEMPLATE = """\
# Sample landing zone (fictitious)

Everything here is **generated** and **fictitious**: municipalities, provinces and
figures are invented; only the file layouts follow the survey tool and CBS (see
`../shared/spec/survey-format.md`). Do not edit by hand — regenerate:

```
.venv/bin/python scripts/generate_sample_data.py            # writes ./sample_data
.venv/bin/python scripts/generate_sample_data.py --out /tmp/x
```

The generator is deterministic (fixed seeds; XLSX files get fixed document
properties and zip timestamps): two runs give byte-identical files. It imports
nothing from `pipelines/` — it plays the outside world. `expected.json` holds the
same knowledge as this page in machine-readable form (every data row with its expected
status, the planted situations, counts per file), for tests.

## Files
{files_table}

Column order: canonical (spec table order) in 2019, 2020, 2022, `export_2023.xlsx` and
`nalevering_2023.xlsx`; **shuffled** in `export_2021.csv`, `correctie_2023.xlsx` and
`export_2024.xlsx`. `export_2024.xlsx` has one unknown extra column `opmerking`
(free-text remarks; reported, and each non-empty remark is a `rejected_rows` entry
(reason: unknown column) while the rest of its row loads — not blocking).

## Reference data: the fictitious country
About 160 municipalities in 12 provinces (codes 20–31, invented names). Population on
1 January 2018–2024 for every municipality existing on that date (growth ~0.5 %/yr).
The largest, GM{BIG} {nm[BIG]}, has {big2024:,} inhabitants on 1 January 2024.
Seven municipalities have 250,000 or more.

Boundary changes (all in `herindelingen.csv` and consistent with the validity dates in
`gemeentelijke-indeling.csv`):

{history_table}

**Choice: no survivor→itself row.** For a merger whose name survives (GM{A}→GM{B} in
2020, GM{W}→GM{BIG} in 2022) `herindelingen.csv` has only the absorbed municipality's row
(`GM{W};GM{BIG};1.0000`), as in the CBS/VNG-derived real file (Weesp → Amsterdam has
the single row `GM0457;GM0363`). The survivor's own continuity is implied by the division
file (its row has no einddatum).

`.` (unknown population): GM{NOPOP} {nm[NOPOP]} on 1 January 2021 (all its rows for
`2021JJ00`); GM{NOPOP} never takes part in the survey.

Participation of the municipalities in the boundary history (all others are drawn per
peer group; see `expected.json` → `loaded_municipalities`):

| municipality | editions it submits |
| --- | --- |
{plan}

So, for trends on the newest division (1 January 2023): GM{N1} is recomputed for 2020
and 2021 but not 2019 (GM{X3} absent) and, for the ICT-cost indicators, not 2020 either
(GM{X2} left `kosten_telecom` blank, planted #10); GM{C} is recomputed for 2020–2023 but
not 2019 (GM{D} absent); GM{R1} (with 0.6 × GM{S}) for 2019–2022; GM{R2} (with 0.4 ×
GM{S}) for 2021–2022 only; GM{BIG} (with GM{W}) for 2020–2023, not 2019 (GM{W} absent).

## Planted situations
Rows are numbered as a spreadsheet shows them: header = row 1; in CSV data starts at
row 2, in XLSX the question text is row 2 and data starts at row 3. `x` rows are valid
variants (no finding, must simply be read right); random "no answer" tokens
(empty, `n.v.t.`, `N.v.t.`, `onbekend`, `-`, `nb`, `NB`, ...) in ~3 % of the other rows'
optional numeric cells, and code variants (`363`, `0363`, ` gm0363 `, `gm0363`, and in
XLSX a numeric cell `363`) in ~14 % of ordinary rows, are not listed (see
`expected.json`, `code_raw`). In XLSX most `ingediend_op` are date cells, ~20 % text;
`pct_plaatsonafhankelijk` is a `0%`-formatted fraction in about half of the rows (a
`0%`-formatted `1` means 100 %); amounts that are whole k€ come back as integer cells.

{planted}

## Expected row accounting
Every data row ends up as exactly one of loaded / superseded / rejected / empty.
For the identical resubmission (#3) the generator counts the first row in (file, row)
order as loaded and the other as superseded (pointing to the first); the spec leaves this
tie open — the counts are fixed either way.

{accounting}

Expected `rejected_rows` entries (row-level and cell-level; nothing else should be
rejected):

{rejected}

Conflicting duplicates (#4) give one row-level entry per row.

## Loaded participants per peer group, and ICT cost per inhabitant
Peer group by CBS population on 1 January of the boekjaar. The ICT cost per inhabitant
columns are computed by the generator from the values as written (k€ × 1000 from 2022;
the planted k€/€ mix-up included as given; missing when any component is missing);
quantiles are linear (numpy default).

{peers}
"""


# --------------------------------------------------------------------------------------
# Scale runs: a country of N municipalities over a range of editions
# --------------------------------------------------------------------------------------
# `--municipalities N` and/or `--editions FIRST-LAST` write a different landing zone: no
# planted situations (only the valid variants of ordinary rows: code spellings, "no
# answer" tokens, Dutch notations, a few late submissions and corrections), every
# municipality taking part in every edition it exists in, realistic figures, and the
# data contracts of its editions in `<out>/contracts/` (ICTBENCH_CONTRACTS).

ALL_MUNICIPALITIES = 342  # the real division on 1 January 2023
DEFAULT_SCALE_MUNICIPALITIES = 160  # as many as the sample's fictitious country
MAX_MUNICIPALITIES = 5000  # codes are GM + 4 digits
REPO_CONTRACTS = Path(__file__).resolve().parents[1] / "data_contracts"

# Peer-group sizes of the real division (342 municipalities, 1 January 2023) and the
# population range per group on 1 January of the newest year; N scales the sizes.
SCALE_BANDS: tuple[tuple[str, int, int, int], ...] = (
    ("250k+", 255_000, 930_000, 4),
    ("100k-250k", 101_000, 240_000, 29),
    ("50k-100k", 51_000, 98_000, 56),
    ("20k-50k", 20_300, 49_500, 166),
    ("<20k", 4_500, 19_800, 87),
)
MERGERS_PER_MUNICIPALITY_YEAR = 0.012  # ~4 a year for 342: 431 in 2010, 342 in 2023
LATE_SHARE, CORRECTION_SHARE = 0.04, 0.02


def parse_editions(text: str) -> tuple[int, ...]:
    """`2010-2024` (or one edition, `2021`) → the editions, ascending."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected FIRST-LAST, e.g. 2010-2024, got {text!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 1950 <= first <= last <= 2099 or last - first >= 50:
        raise argparse.ArgumentTypeError(f"editions {text!r}: need 1950 <= FIRST <= LAST <= 2099")
    return tuple(range(first, last + 1))


def parse_municipalities(text: str) -> int:
    """`all` = 342 (the real division), or a number from 1 to MAX_MUNICIPALITIES."""
    if text.strip().lower() == "all":
        return ALL_MUNICIPALITIES
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'all', got {text!r}") from None
    if not 1 <= n <= MAX_MUNICIPALITIES:
        raise argparse.ArgumentTypeError(f"municipalities: 1..{MAX_MUNICIPALITIES}, got {n}")
    return n


def band_counts(n: int) -> list[int]:
    """SCALE_BANDS' sizes scaled to n municipalities (largest remainder)."""
    exact = [band[3] * n / ALL_MUNICIPALITIES for band in SCALE_BANDS]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts


Event = tuple[date, str, str, float]


def build_scale_country(
    n: int, editions: Sequence[int]
) -> tuple[dict[str, Municipality], list[Event]]:
    """n municipalities on the newest division (1 January of the last boekjaar); a few of
    them formed by a merger of 2 or 3 predecessors on 1 January of a year in the range.
    Own populations on 1 January from the first boekjaar to the last edition's year."""
    rng = random.Random(f"{SEED}:scale:{n}:{editions[0]}-{editions[-1]}")
    first_year, last_year = editions[0] - 1, editions[-1]
    merger_years = list(range(first_year + 1, last_year))  # 1 January of a boekjaar
    per_year = max(1, round(n * MERGERS_PER_MUNICIPALITY_YEAR)) if n >= 20 else 0
    top = 2000 if n + 3 * per_year * len(merger_years) <= 1900 else 10000
    spare = min(3 * per_year * len(merger_years), top - 3 - n)
    codes = rng.sample(range(3, top), n + spare)
    names = NameMaker(rng)
    first_day = date(first_year, 1, 1)
    begins = [min(d, first_day) for d in [date(1970, 1, 1)] * 14 + [date(2001, 1, 1)]]
    prov_codes = [p for p, _ in PROVINCES]
    munis: dict[str, Municipality] = {}
    years = range(first_year, last_year + 1)
    for (_band, lo, hi, _), count in zip(SCALE_BANDS, band_counts(n), strict=True):
        for _ in range(count):
            code = f"{codes.pop():04d}"
            prov = rng.choices(prov_codes, weights=PROVINCE_WEIGHTS)[0]
            m = Municipality(code, names.new(), prov, rng.choice(begins), None)
            m.own[last_year] = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            growth = clamp(rng.gauss(0.005, 0.0025), -0.002, 0.011)
            for y in reversed(years[:-1]):
                m.own[y] = m.own[y + 1] / (1 + growth + rng.gauss(0, 0.0007))
            munis[code] = m
    events: list[Event] = []
    # mergers form mid-sized municipalities (predecessors of a few thousand and more)
    candidates = sorted(c for c, m in munis.items() if 15_000 <= m.own[last_year] < 100_000)
    rng.shuffle(candidates)
    for year in merger_years:
        on = date(year, 1, 1)
        for _ in range(per_year):
            if not candidates or len(codes) < 3:
                break
            new = munis[candidates.pop()]
            new.begin = on
            parts = 2 if rng.random() < 0.6 else 3
            weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
            for w in weights:
                old = Municipality(
                    f"{codes.pop():04d}", names.new(), new.province, rng.choice(begins), on
                )
                share = w / sum(weights)
                old.own = {y: v * share for y, v in new.own.items() if y < year}
                munis[old.code] = old
                events.append((on, old.code, new.code, 1.0))
            new.own = {y: v for y, v in new.own.items() if y >= year}
    return munis, events


class NameMaker:
    """Invented, unique municipality names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        r = self.rng
        while True:
            name = r.choice(ROOTS) + r.choice(SUFFIXES)
            if r.random() < 0.12:
                name = r.choice(PREFIXES) + name
            if name not in self.used:
                self.used.add(name)
                return name


class ScaleBuilder(Builder):
    """Every municipality existing on 1 January of the boekjaar submits once in the main
    export; a few late (`nalevering_E`), a few corrected later (`correctie_E`)."""

    PLAN: dict[str, tuple[int, ...]] = {}  # noqa: RUF012 (no boundary-history roles)

    def __init__(self, munis: dict[str, Municipality], editions: Sequence[int]) -> None:
        self.munis = munis
        self.traits = build_traits(munis, base_year=editions[-1])
        self.rng = random.Random(f"{SEED}:scale:survey:{len(munis)}")
        self.rows = {e: {} for e in editions}
        self.columns = {e: {} for e in editions}
        self.planted = []
        self.participants = {}

    def pop(self, code: str, year: int) -> int:
        return round(self.munis[code].own[year])

    def build(self) -> None:
        for e in self.rows:
            codes = existing(self.munis, date(e - 1, 1, 1))
            self.participants[e] = codes
            ext = "csv" if is_csv_edition(e) else "xlsx"
            export, late_file, corr_file = (
                f"{kind}_{e}.{ext}" for kind in ("export", "nalevering", "correctie")
            )
            late = [c for c in codes if self.rng.random() < LATE_SHARE]
            main = self.main_rows(e, export, [c for c in codes if c not in late], self.MAIN)
            corrections = []
            for orig in main:
                if self.rng.random() >= CORRECTION_SHARE:
                    continue
                code = (orig.code or "")[2:]
                ans = true_answers(code, e, self.pop(code, e - 1), self.traits[code])
                changed = {
                    q: ans[q] * self.rng.uniform(0.85, 1.2)
                    for q in ("kosten_hardware", "kosten_overig")
                }
                ts = self.timestamp(e, *self.LATE)
                corrections.append(self.resubmission(orig, corr_file, ts, changed))
            files = {export: self.by_time(main)}
            if late:
                files[late_file] = self.by_time(self.main_rows(e, late_file, late, self.LATE))
            if corrections:
                files[corr_file] = self.by_time(corrections)
            self.rows[e] = files
            for file, rows in files.items():
                first = 2 if is_csv_edition(e) else 3
                for i, row in enumerate(rows):
                    row.source_row = first + i
                self.columns[e][file] = [q.code for q in questions_for(e)]
        self.resolve()


def contract_text(edition: int, source: Path = REPO_CONTRACTS) -> str:
    """The data contract of `edition`: the repository's own where it has one; otherwise
    that of its layout edition (2019 before, 2024 after), made this edition's."""
    own = source / f"edition_{edition}.yaml"
    if own.is_file():
        return own.read_text(encoding="utf-8")
    layout = layout_edition(edition)
    text = (source / f"edition_{layout}.yaml").read_text(encoding="utf-8")
    generated = f"generated for scale runs with the questions and file layout of {layout}"

    def sub(pattern: str, replacement: str, *, required: bool = True) -> None:
        nonlocal text
        text, count = re.subn(pattern, lambda _m: replacement, text, flags=re.MULTILINE)
        if count > 1 or (required and count != 1):
            raise SystemExit(f"{source}/edition_{layout}.yaml: {pattern!r} found {count}x")

    first_line = text.splitlines()[0]
    schema = first_line[first_line.index("Schema:") :] if "Schema:" in first_line else ""
    sub(
        r"^# Data contract for benchmark edition .*$",
        f"# Data contract for benchmark edition {edition} (boekjaar {edition - 1}), "
        f"{generated}. {schema}".rstrip(),
    )
    sub(r'^contract_version: "[^"]*"$', f'contract_version: "{edition}.1"')
    sub(r"^edition: \d{4}$", f"edition: {edition}")
    sub(r"^boekjaar: \d{4}$", f"boekjaar: {edition - 1}")
    described = re.search(r'^description: "([^"]*)"$', text, flags=re.MULTILINE)
    before = described.group(1) if described else ""
    sub(r'^description: "[^"]*"$', f'description: "{generated.capitalize()}. {before}"')
    if edition < layout:
        sub(
            r'^    note: "In 2019 this includes privacy \(not comparable with later editions\)\."$',
            '    note: "Up to 2019 this includes privacy (not comparable with editions from '
            '2020)."',
            required=False,
        )
    return text


def write_contracts(out: Path, editions: Iterable[int]) -> None:
    folder = out / "contracts"
    folder.mkdir(parents=True, exist_ok=True)
    for e in editions:
        (folder / f"edition_{e}.yaml").write_text(contract_text(e), encoding="utf-8")


def write_scale_reference(
    out: Path, munis: dict[str, Municipality], events: list[Event], years: Sequence[int]
) -> None:
    """Division, mergers and one CBS 03759ned export with every year's totals (NL01, the
    12 provinces, every municipality existing on 1 January; men/women for NL01 only)."""
    ref = out / "reference"
    (ref / "population").mkdir(parents=True, exist_ok=True)
    write_division(ref, munis)
    write_mergers(ref, events)
    rng = random.Random(f"{SEED}:scale:sexes")
    lines = [
        '"ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";"BevolkingOp1Januari_1"'
    ]

    def add(sex: str, region: str, year: int, value: int) -> None:
        lines.append(
            f'"{len(lines) - 1}";"{sex}";"10000";"T001019";"{region}  ";"{year}JJ00";"{value}"'
        )

    per_year = {
        y: {c: round(munis[c].own[y]) for c in existing(munis, date(y, 1, 1))} for y in years
    }
    for year in years:
        add("T001038", "NL01", year, sum(per_year[year].values()))
    for prov, _ in PROVINCES:
        for year in years:
            total = sum(v for c, v in per_year[year].items() if munis[c].province == prov)
            add("T001038", f"PV{prov}", year, total)
    for code in sorted(munis):
        for year in years:
            if code in per_year[year]:
                add("T001038", "GM" + code, year, per_year[year][code])
    for year in years:
        total = sum(per_year[year].values())
        men = round(total * rng.uniform(0.492, 0.503))
        add("3000", "NL01", year, men)
        add("4000", "NL01", year, total - men)
    name = f"cbs_03759ned_{years[0]}_{years[-1]}.csv"
    (ref / "population" / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())


def summarise_scale(b: ScaleBuilder, out: Path, n: int, events: list[Event]) -> None:
    """`expected.json` (row accounting and participants per edition) and a short README."""
    editions: dict[str, Any] = {}
    table = [
        "| edition | layout | files | rows | loaded | superseded | " + " | ".join(GROUPS) + " |",
        "| --- | --- | --- | ---: | ---: | ---: |" + " ---: |" * len(GROUPS),
    ]
    for e, files in b.rows.items():
        counts = {
            file: {"rows": len(rows)}
            | {s: sum(1 for r in rows if r.status == s) for s in ("loaded", "superseded")}
            for file, rows in sorted(files.items())
        }
        loaded = [r for rows in files.values() for r in rows if r.status == "loaded"]
        groups = {g: 0 for g in GROUPS}
        for r in loaded:
            groups[b.group((r.code or "")[2:], e)] += 1
        totals = {k: sum(c[k] for c in counts.values()) for k in ("rows", "loaded", "superseded")}
        editions[str(e)] = {
            "boekjaar": e - 1,
            "layout": layout_edition(e),
            "files": counts,
            "totals": totals,
            "loaded_per_peer_group": groups,
        }
        table.append(
            f"| {e} | {layout_edition(e)} | {len(files)} | {totals['rows']} | "
            f"{totals['loaded']} | {totals['superseded']} | "
            + " | ".join(str(groups[g]) for g in GROUPS)
            + " |"
        )
    expected = {
        "generator": "scripts/generate_sample_data.py",
        "seed": SEED,
        "kind": "scale",
        "municipalities": n,
        "editions": editions,
        "mergers": [
            {"date": d.isoformat(), "old": "GM" + o, "new": "GM" + w, "share": s}
            for d, o, w, s in sorted(events)
        ],
    }
    (out / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    first, last = min(b.rows), max(b.rows)
    readme = SCALE_README.format(
        n=n, first=first, last=last, mergers=len({(d, w) for d, _, w, _ in events}),
        table="\n".join(table),
    )  # fmt: skip
    (out / "README.md").write_text(readme, encoding="utf-8")


SCALE_README = """\
# Scale landing zone (fictitious, generated)

`scripts/generate_sample_data.py --municipalities {n} --editions {first}-{last}`: {n}
municipalities on the newest division, {mergers} of them formed by a merger within the
range (`reference/herindelingen.csv`); every municipality that exists on 1 January of an
edition's boekjaar submits in that edition. No planted errors: only valid variants
(code spellings, "no answer" tokens, Dutch notations), a few late submissions and
corrections. Editions before 2019 use the 2019 questions and CSV layout, editions after
2024 the 2024 ones, each under a contract of its own in `contracts/`:

```
ICTBENCH_CONTRACTS=<this folder>/contracts ICTBENCH_LANDING=<this folder> \\
    ICTBENCH_WAREHOUSE=/tmp/scalewh .venv/bin/ictbench refresh --no-pdf
```

{table}
"""


def write_sample(out: Path) -> None:
    """The bundled sample: the fictitious country, 2019-2024, with its planted situations."""
    munis = build_country(random.Random(f"{SEED}:country"))
    write_reference(out, munis)
    builder = Builder(munis)
    builder.build()
    write_survey(out, builder)
    summarise(builder, out)


def write_scale(out: Path, n: int, editions: Sequence[int]) -> None:
    munis, events = build_scale_country(n, editions)
    years = list(range(editions[0] - 1, editions[-1] + 1))
    write_scale_reference(out, munis, events, years)
    builder = ScaleBuilder(munis, editions)
    builder.build()
    write_survey(out, builder)
    write_contracts(out, editions)
    summarise_scale(builder, out, n, events)


def write_survey(out: Path, builder: Builder) -> None:
    for e, files in builder.rows.items():
        folder = out / "survey" / str(e)
        folder.mkdir(parents=True, exist_ok=True)
        for file, rows in files.items():
            cols = builder.columns[e][file]
            if is_csv_edition(e):
                write_csv(folder / file, cols, rows)
            else:
                write_xlsx(folder / file, e, cols, rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the sample landing zone.")
    parser.add_argument(
        "--out", type=Path, help="landing zone to write (default: sample_data; a scale run "
        "needs it)"
    )  # fmt: skip
    parser.add_argument(
        "--municipalities",
        type=parse_municipalities,
        metavar="N|all",
        help=f"a scale run: N municipalities ('all' = {ALL_MUNICIPALITIES}), each taking part "
        "in every edition, no planted situations",
    )
    parser.add_argument(
        "--editions",
        type=parse_editions,
        metavar="FIRST-LAST",
        help="editions, e.g. 2010-2024 (default 2019-2024); another range is a scale run "
        f"(of {DEFAULT_SCALE_MUNICIPALITIES} municipalities unless --municipalities says)",
    )
    args = parser.parse_args(argv)
    editions: tuple[int, ...] = args.editions or EDITIONS
    sample = args.municipalities is None and editions == EDITIONS
    if not sample and args.out is None:
        parser.error("a scale run (--municipalities, --editions) needs --out")
    out: Path = args.out or Path("sample_data")
    for sub in ("survey", "reference", "contracts"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)
    if sample:
        write_sample(out)
    else:
        write_scale(out, args.municipalities or DEFAULT_SCALE_MUNICIPALITIES, editions)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
