"""Fixtures for the warehouse-free unit tests: the contracts and the real CBS reference
folder (tests using it are skipped where it is absent). File builders: ``survey_files``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.contracts import EditionContract, load_contract

REPO = Path(__file__).resolve().parents[2]


def shared_reference_dir() -> Path:
    configured = os.environ.get("ICTBENCH_SHARED_REFERENCE")
    return Path(configured) if configured else REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = shared_reference_dir()
    if not path.is_dir():
        pytest.skip(f"real CBS reference files not available at {path}")
    return path


@pytest.fixture(scope="session")
def contracts() -> dict[int, EditionContract]:
    return {edition: load_contract(edition) for edition in range(2019, 2025)}
