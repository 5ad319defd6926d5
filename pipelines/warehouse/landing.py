"""Finding things in the landing zone (never reading them: that is the readers' job).

An edition folder ``<landing>/survey/<edition>/`` holds survey exports (``.csv`` and
``.xlsx``, any case). Everything else in it is *not read* and is listed by
:func:`unread_entries` with the reason, so that nothing is skipped without a word: other
suffixes (``.xls``, ``.csv.txt``), sub-folders, hidden files, Office lock files. A symbolic
link that leads outside the landing zone is *refused*: :func:`edition_files` never returns
it, so nothing outside the landing zone is ever opened. A link that stays inside the landing
zone is followed like a file.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.contracts import SURVEY_SUFFIXES

_EDITION_DIR = re.compile(r"^\d{4}$")

NOT_A_SURVEY_FILE = "not a .csv or .xlsx file; not read"
OLD_EXCEL_FILE = "an old Excel .xls file, not a .csv or .xlsx file; not read (save it as .xlsx)"
SUB_FOLDER = "a sub-folder; not read"
LOCK_FILE = "an Office lock file (the workbook is open in Excel); not read"
HIDDEN_FILE = "a hidden file; not read"
NOT_A_REGULAR_FILE = "not a regular file; not read"
BROKEN_LINK = "a symbolic link whose target does not exist; not read"
UNRESOLVABLE_LINK = "a symbolic link that cannot be resolved (a loop of links?); not read"
LINK_OUTSIDE = "a symbolic link pointing outside the landing zone; refused"
THROUGH_LINK_OUTSIDE = "lies outside the landing zone (reached through a symbolic link); refused"


@dataclass(frozen=True)
class UnreadEntry:
    """An entry of an edition folder that is not read. ``name`` is the entry's name, with a
    trailing ``/`` for a sub-folder; ``refused`` is true for what must not be read at all
    (a symbolic link leading outside the landing zone)."""

    name: str
    reason: str
    refused: bool = False


@dataclass(frozen=True)
class EditionFolder:
    """One look at an edition folder: the survey exports that are read, in a stable order
    (by name), and every other entry with the reason it is not read."""

    files: list[Path]
    unread: list[UnreadEntry]

    @property
    def has_entries_to_show(self) -> bool:
        """Survey files, or a refused entry (the edition is there; its refusal is shown)."""
        return bool(self.files) or any(e.refused for e in self.unread)


def scan_edition(edition_dir: Path, landing_zone: Path | None = None) -> EditionFolder:
    """Classify every entry of ``<landing>/survey/<edition>/`` once. ``landing_zone``
    defaults to the folder two levels up."""
    root = _landing_root(edition_dir, landing_zone)
    files: list[Path] = []
    unread: list[UnreadEntry] = []
    for path in _entries(edition_dir):
        entry = _classify(path, root)
        if entry is None:
            files.append(path)
        else:
            unread.append(entry)
    return EditionFolder(files, unread)


def editions_in_landing(survey_dir: Path) -> list[int]:
    """Editions that have a folder `<landing>/survey/<YYYY>/` with at least one survey file
    (or a refused entry: the edition is there, and its refusal must be shown)."""
    if not survey_dir.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in survey_dir.iterdir()
        if p.is_dir() and _EDITION_DIR.match(p.name) and scan_edition(p).has_entries_to_show
    )


def edition_files(edition_dir: Path, landing_zone: Path | None = None) -> list[Path]:
    """The survey exports of one edition (regular `.csv`/`.xlsx`, any case), by name."""
    return scan_edition(edition_dir, landing_zone).files


def unread_entries(edition_dir: Path, landing_zone: Path | None = None) -> list[UnreadEntry]:
    """Every entry of an edition folder that is not read, with the reason, by name."""
    return scan_edition(edition_dir, landing_zone).unread


def unread_reason(path: Path, landing_zone: Path | None = None) -> UnreadEntry | None:
    """Why ``path`` (an entry of an edition folder) would not be read; ``None`` when it
    would be read as a survey export."""
    return _classify(path, _landing_root(path.parent, landing_zone))


@dataclass(frozen=True)
class SurveyFilePlace:
    """Where a file lies when it is in a landing zone: ``<landing>/survey/<edition>/<file>``."""

    landing: Path
    edition: int


def survey_file_place(path: Path) -> SurveyFilePlace | None:
    """The landing zone and edition of a file in ``<landing>/survey/<YYYY>/``, else ``None``
    (the path as given, made absolute; the file itself may be a link)."""
    absolute = Path(os.path.abspath(path))
    folder = absolute.parent
    if folder.parent.name == "survey" and _EDITION_DIR.match(folder.name):
        return SurveyFilePlace(folder.parent.parent, int(folder.name))
    return None


def _entries(edition_dir: Path) -> list[Path]:
    if not edition_dir.is_dir():
        return []
    return sorted(edition_dir.iterdir(), key=lambda p: p.name)


def _landing_root(edition_dir: Path, landing_zone: Path | None) -> Path:
    """The landing zone, resolved (symbolic links in its own path are fine)."""
    if landing_zone is None:
        landing_zone = Path(os.path.abspath(edition_dir)).parent.parent
    return landing_zone.resolve()


def _classify(path: Path, root: Path) -> UnreadEntry | None:
    name = path.name
    try:
        mode = path.lstat().st_mode
    except OSError:  # vanished while we looked
        return UnreadEntry(name, NOT_A_REGULAR_FILE)
    is_link = stat.S_ISLNK(mode)
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return UnreadEntry(name, UNRESOLVABLE_LINK)
    if not target.is_relative_to(root):
        shown = f"{name}/" if target.is_dir() else name
        return UnreadEntry(shown, LINK_OUTSIDE if is_link else THROUGH_LINK_OUTSIDE, refused=True)
    try:
        mode = path.stat().st_mode  # follows a link (inside the landing zone)
    except OSError:
        return UnreadEntry(name, BROKEN_LINK if is_link else NOT_A_REGULAR_FILE)
    if stat.S_ISDIR(mode):
        return UnreadEntry(f"{name}/", SUB_FOLDER)
    if not stat.S_ISREG(mode):
        return UnreadEntry(name, NOT_A_REGULAR_FILE)
    if name.startswith("~$"):
        return UnreadEntry(name, LOCK_FILE)
    if name.startswith("."):
        return UnreadEntry(name, HIDDEN_FILE)
    if path.suffix.lower() == ".xls":
        return UnreadEntry(name, OLD_EXCEL_FILE)
    if path.suffix.lower() not in SURVEY_SUFFIXES:
        return UnreadEntry(name, NOT_A_SURVEY_FILE)
    return None
