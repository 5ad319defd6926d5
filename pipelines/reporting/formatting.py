"""Dutch display formatting (reports round for display only) and spreadsheet-safe text."""

from __future__ import annotations

import math

PEER_GROUP_LABELS = {
    "<20k": "minder dan 20.000 inwoners",
    "20k-50k": "20.000 tot 50.000 inwoners",
    "50k-100k": "50.000 tot 100.000 inwoners",
    "100k-250k": "100.000 tot 250.000 inwoners",
    "250k+": "250.000 inwoners of meer",
    "all": "alle deelnemers",
}

SUPPRESSED_TEXT = "te weinig deelnemers"

# A spreadsheet program may run text starting with one of these as a formula.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def nl_number(value: float, decimals: int = 0) -> str:
    """1234567.891 -> '1.234.567,89' (Dutch separators; a real minus sign stays '-')."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _decimals(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 100:
        return 0
    if magnitude >= 10:
        return 1
    return 2


def format_indicator_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A value in an indicator's unit, rounded for display: '€ 1.234', '12,5 %', '7,1'
    (`decimals` overrides the default, e.g. for axis ticks)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit_lower = unit.lower()
    if unit_lower.startswith("eur"):
        default = 0 if abs(value) >= 100 else 2
        return "€ " + nl_number(value, default if decimals is None else decimals)
    if unit_lower == "percent":
        return nl_number(value, 1 if decimals is None else decimals) + " %"
    if unit_lower.startswith("score"):
        return nl_number(value, 1 if decimals is None else decimals)
    return nl_number(value, _decimals(value) if decimals is None else decimals)


def tick_decimals(step: float) -> int:
    """Decimals that tell axis ticks `step` apart."""
    if step >= 1:
        return 0
    if step >= 0.1:
        return 1
    return 2


def peer_group_label(peer_group: str | None) -> str:
    if peer_group is None:
        return "onbekend (geen CBS-inwonertal)"
    return PEER_GROUP_LABELS.get(peer_group, peer_group)


def spreadsheet_safe(text: str | None) -> str | None:
    """Neutralise formula injection: text starting with =, +, -, @, tab, CR or LF gets a
    leading apostrophe, so no spreadsheet program evaluates it (OWASP's advice)."""
    if text is None:
        return None
    if text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text
