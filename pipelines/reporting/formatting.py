"""Dutch display formatting (reports round for display only) and spreadsheet-safe text.

Numbers become text through `nl_number` (`pipelines/core/dutch_format.py`), the one
implementation of the Dutch number rule, which the findings' messages use as well.
Peer group labels are the published release's (`marts.peer_groups`), passed in by the
caller; nothing here defines a peer group.

An amount is one word: '€', '%' and the number are joined by a no-break space
(U+00A0), so no line, table cell or printed page ever breaks '€ 16.832' in two.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from pipelines.core.dutch_format import nl_number

NBSP = "\u00a0"  # no-break space: inside an amount ('€ 1.234', '12,5 %')
SUPPRESSED_TEXT = "te weinig deelnemers"
# A participant without CBS population has no peer group (only `all`).
NO_PEER_GROUP_TEXT = "onbekend (geen CBS-inwonertal)"

# A spreadsheet program may run text starting with one of these as a formula.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _decimals(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 100:
        return 0
    if magnitude >= 10:
        return 1
    return 2


def format_indicator_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A value in an indicator's unit, rounded for display: '€ 1.234', '12,5 %', '7,1',
    the unit joined to the number by a no-break space (`decimals` overrides the default,
    e.g. for axis ticks)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit_lower = unit.lower()
    if unit_lower.startswith("eur"):
        default = 0 if abs(value) >= 100 else 2
        return "€" + NBSP + nl_number(value, default if decimals is None else decimals)
    if unit_lower == "percent":
        return nl_number(value, 1 if decimals is None else decimals) + NBSP + "%"
    if unit_lower.startswith("score"):
        return nl_number(value, 1 if decimals is None else decimals)
    return nl_number(value, _decimals(value) if decimals is None else decimals)


_AMOUNT_SPACES = re.compile(r"(?<=€) (?=[-\d])|(?<=\d) (?=%)")


def unbreakable_amounts(text: str) -> str:
    """Text (e.g. a finding's message) with each '€ 1.234' and '12,5 %' joined by a
    no-break space, as `format_indicator_value` writes them."""
    return _AMOUNT_SPACES.sub(NBSP, text)


def name_sort_key(name: str) -> tuple[str, str]:
    """How a Dutch reader looks a municipality up: without accents, case or a leading
    article ("'s-Gravendonk" under G, "Súdwâlde" as "Sudwalde")."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"^(?:'s|'t|’s|’t)[- ]", "", plain)
    return plain, name


def tick_decimals(step: float) -> int:
    """Decimals that tell axis ticks `step` apart."""
    if step >= 1:
        return 0
    if step >= 0.1:
        return 1
    return 2


def peer_group_label(peer_group: str | None, labels: Mapping[str, str]) -> str:
    """The Dutch label of a peer group code; `labels` are the published release's
    (`marts.peer_groups.label_nl` by code)."""
    if peer_group is None:
        return NO_PEER_GROUP_TEXT
    return labels.get(peer_group, peer_group)


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet program may run this text as a formula (OWASP's triggers)."""
    return text.startswith(_FORMULA_TRIGGERS)


def spreadsheet_safe(text: str | None) -> str | None:
    """Neutralise formula injection: text starting with =, +, -, @, tab, CR or LF gets a
    leading apostrophe, so no spreadsheet program evaluates it (OWASP's advice)."""
    if text is None:
        return None
    if starts_like_formula(text):
        return "'" + text
    return text
