"""What a format reader hands over, and the limits every reader enforces.

``RawTable`` is one survey file as read (header cells and data rows with their spreadsheet
row numbers, plus the reader's warnings), before it is interpreted against the contract
(``survey_rows.py``). A format reader (``survey_csv.py``, ``survey_xlsx.py``) raises
``Unusable`` to refuse a file with its reason. The limits bound what a survey file may be
(hostile input); ``survey_reader.py`` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from pipelines.core.cell_values import RawCell


class Unusable(Exception):
    """Raised by a format reader: the file cannot be used, for ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class RawTable:
    """Header cells and data rows (with their spreadsheet row numbers) of one file.

    ``header_text`` holds the header cells as written (trimmed), ``header`` the same cells
    as codes are mapped (lower-case; derived). ``hidden_rows``/``hidden_columns`` (XLSX,
    1-based) are read like visible ones; they are only reported."""

    header_text: list[str]
    rows: list[tuple[int, list[RawCell]]]
    warnings: list[str]
    pre_data_rows: list[tuple[int, list[RawCell]]] = field(default_factory=list)
    unusable_reason: str | None = None
    check_row_width: bool = False
    header_unreadable: bool = False  # the header cannot be mapped at all (wrong separator)
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    header: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.header = [text.lower() for text in self.header_text]


# --------------------------------------------------------------------------- limits

# A survey export is a few hundred rows by a few dozen columns. Anything far larger is not
# a survey export; it is refused (file unusable, with the reason) before it can cost much
# time or memory.
MAX_FILE_BYTES: Final = 200 * 1024 * 1024  # refused before reading
MAX_DATA_ROWS: Final = 50_000  # data rows up to the last non-empty one
MAX_COLUMNS: Final = 1_000  # fields of a CSV record / last used column of an XLSX row
MAX_CELLS: Final = 2_000_000  # cells held in memory for one file
MAX_CSV_LINE_CHARS: Final = 1_000_000  # one physical CSV line
# XLSX is a zip of XML parts; these are checked on the zip directory before any part is
# inflated (zipfile never inflates an entry beyond its declared size).
MAX_XLSX_ENTRIES: Final = 1_000
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 100 * 1024 * 1024  # sum of declared sizes
MAX_XLSX_COMPRESSION_RATIO: Final = 100  # per entry of at least XLSX_RATIO_MIN_BYTES
XLSX_RATIO_MIN_BYTES: Final = 1024 * 1024
XML_PRESCAN_BYTES: Final = 64 * 1024  # head of each XML part searched for a DTD
