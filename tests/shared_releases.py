"""Releases built once per test process and shared by the test modules that only read them."""

from __future__ import annotations

from pathlib import Path

import pytest

_RELEASES: dict[str, Path] = {}


def small_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of one refresh of the hand-computed fixture landing zone
    (tests/fixtures/small_landing): its release, reports and data dictionary. Read it
    only; a test that changes a warehouse works on a copy."""
    if "small" not in _RELEASES:
        from tests.conftest import FIXTURES
        from tests.graph_runner import published_fixture

        base = tmp_path_factory.mktemp("small_release")
        _RELEASES["small"] = published_fixture(base, FIXTURES / "small_landing")
    return _RELEASES["small"]
