"""Finding things in the landing zone (never reading them: that is the readers' job)."""

from __future__ import annotations

import re
from pathlib import Path

SURVEY_SUFFIXES = (".csv", ".xlsx")
_EDITION_DIR = re.compile(r"^\d{4}$")


def editions_in_landing(survey_dir: Path) -> list[int]:
    """Editions that have a folder `<landing>/survey/<YYYY>/` with at least one survey file."""
    if not survey_dir.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in survey_dir.iterdir()
        if p.is_dir() and _EDITION_DIR.match(p.name) and edition_files(p)
    )


def edition_files(edition_dir: Path) -> list[Path]:
    """The survey exports of one edition, in a stable order (by file name).

    Office lock files (`~$…`) and hidden files are not exports and are left alone.
    """
    if not edition_dir.is_dir():
        return []
    return sorted(
        (
            p
            for p in edition_dir.iterdir()
            if p.is_file()
            and p.suffix.lower() in SURVEY_SUFFIXES
            and not p.name.startswith(("~$", "."))
        ),
        key=lambda p: p.name,
    )


def ignored_files(edition_dir: Path) -> list[Path]:
    """Files in an edition folder that are not survey exports (reported, not read)."""
    if not edition_dir.is_dir():
        return []
    keep = set(edition_files(edition_dir))
    return sorted(p for p in edition_dir.iterdir() if p.is_file() and p not in keep)
