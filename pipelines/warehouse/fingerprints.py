"""Content fingerprints: what one edition's built tables were made from.

An edition's fingerprint covers exactly what its tables depend on: the names and bytes
of its survey files (and the names of what in its folder is not read), its data
contract, the reference data, and the code that reads and models it. Two builds with
the same fingerprint are the same build; any difference means the edition must be
rebuilt before it may be published. Pure functions over files (no warehouse).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.contracts import available_editions, contract_path
from pipelines.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from pipelines.warehouse.landing import editions_in_landing, scan_edition

# The code an edition's tables depend on: the Python that reads, checks and loads it,
# and the dbt project that models it (documentation included: it is persisted with the
# tables). Reporting, the CLI and the release mechanics do not shape an edition's rows.
_CODE_GLOBS: tuple[tuple[Path, str], ...] = (
    (REPO_ROOT / "pipelines" / "core", "**/*.py"),
    (REPO_ROOT / "pipelines" / "warehouse", "ingest_frames.py"),
    (REPO_ROOT / "pipelines" / "warehouse", "raw_tables.py"),
    (REPO_ROOT / "pipelines" / "warehouse", "landing.py"),
    (REPO_ROOT / "pipelines" / "warehouse", "dbt_functions.py"),
    (REPO_ROOT / "pipelines" / "orchestration" / "assets", "ingest.py"),
    (REPO_ROOT / "pipelines" / "orchestration" / "assets", "validate.py"),
    (DBT_PROJECT_DIR / "models", "**/*"),
    (DBT_PROJECT_DIR / "macros", "**/*"),
    (DBT_PROJECT_DIR / "seeds", "**/*"),
    (DBT_PROJECT_DIR, "dbt_project.yml"),
)


@dataclass(frozen=True)
class EditionFingerprint:
    """The parts of an edition's fingerprint, so a difference can be explained."""

    files: str
    contract: str
    reference: str
    code: str

    @property
    def digest(self) -> str:
        return _sha256_text("\n".join((self.files, self.contract, self.reference, self.code)))

    def differences(self, other: EditionFingerprint) -> list[str]:
        """Plain words for what differs between two fingerprints (self is the current one)."""
        labels = {
            "files": "its survey files changed",
            "contract": "its data contract changed",
            "reference": "the reference data changed",
            "code": "ictbench's code or dbt models changed",
        }
        return [
            text for part, text in labels.items() if getattr(self, part) != getattr(other, part)
        ]


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _digest_files(paths: Iterable[tuple[str, Path]]) -> str:
    """sha256 over (name, sha256 of bytes) pairs, in the given order."""
    digest = hashlib.sha256()
    for name, path in paths:
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def files_fingerprint(edition_dir: Path) -> str:
    """The survey files that are read (names and bytes) and the names of what is not."""
    folder = scan_edition(edition_dir)
    digest = hashlib.sha256(_digest_files((p.name, p) for p in folder.files).encode())
    for entry in folder.unread:
        digest.update(f"{entry.name}\0{entry.reason}\0".encode())
    return digest.hexdigest()


def reference_fingerprint(reference_dir: Path) -> str:
    """Every regular file under `<landing>/reference` (relative names and bytes)."""
    if not reference_dir.is_dir():
        return _sha256_text("no reference directory")
    files = sorted(
        (str(p.relative_to(reference_dir)), p) for p in reference_dir.rglob("*") if p.is_file()
    )
    return _digest_files(files)


def code_fingerprint() -> str:
    files: set[tuple[str, Path]] = set()
    for root, pattern in _CODE_GLOBS:
        for path in root.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                files.add((str(path.relative_to(REPO_ROOT)), path))
    return _digest_files(sorted(files))


def edition_fingerprint(
    settings: Settings, edition: int, *, reference: str | None = None, code: str | None = None
) -> EditionFingerprint:
    """The fingerprint of one edition as the landing zone holds it now."""
    return EditionFingerprint(
        files=files_fingerprint(settings.survey_dir / str(edition)),
        contract=_digest_files([(f"edition_{edition}", contract_path(edition))]),
        reference=reference or reference_fingerprint(settings.reference_dir),
        code=code or code_fingerprint(),
    )


def publishable_editions(settings: Settings) -> list[int]:
    """The editions of the landing zone that a release holds: files and a contract."""
    contracts = set(available_editions())
    return [e for e in editions_in_landing(settings.survey_dir) if e in contracts]


def landing_fingerprints(settings: Settings) -> dict[int, EditionFingerprint]:
    """Every publishable edition of the landing zone → its fingerprint."""
    reference = reference_fingerprint(settings.reference_dir)
    code = code_fingerprint()
    return {
        edition: edition_fingerprint(settings, edition, reference=reference, code=code)
        for edition in publishable_editions(settings)
    }
