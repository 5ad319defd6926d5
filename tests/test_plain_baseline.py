"""The plain baseline of the benchmark (`benchmarks/plain_refresh.py`, issue 12) computes the
published indicator values and peer statistics of the fixture landing zone exactly as the
warehouse does, and its comparison notices a release that differs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from tests.conftest import FIXTURES, REPO_ROOT
from tests.shared_releases import small_release

pytestmark = pytest.mark.slow  # reads the published fixture release


def _plain_refresh() -> ModuleType:
    """The script as a module (benchmarks/ is no package; scripts/bench.py imports it too)."""
    path = REPO_ROOT / "benchmarks" / "plain_refresh.py"
    spec = importlib.util.spec_from_file_location("plain_refresh", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plain_refresh = _plain_refresh()


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_release(tmp_path_factory) / "published" / "ictbench.duckdb"


@pytest.fixture(scope="module")
def results() -> dict:
    return plain_refresh.compute(FIXTURES / "small_landing")


def test_plain_script_agrees_with_the_fixture_release(results: dict, release: Path) -> None:
    assert plain_refresh.compare(results, release) == []


def test_plain_script_computes_the_hand_computed_figures(results: dict) -> None:
    # tests/fixtures/small_landing/README.md
    values = results["indicator_values"]
    assert set(values["municipality_code"]) == {f"GM010{i}" for i in range(1, 8)}
    peers = results["peer_benchmarks"].set_index(["peer_group", "indicator_code"])
    cost = {group: peers.loc[(group, "ict_cost_per_inhabitant")] for group in ("<20k", "all")}
    assert (cost["<20k"]["n_participants"], cost["<20k"]["median"]) == (5, pytest.approx(100))
    assert cost["<20k"]["p25"] == pytest.approx(90) and cost["<20k"]["p75"] == pytest.approx(110)
    assert cost["all"]["p25"] == pytest.approx(92.5) and cost["all"]["p75"] == pytest.approx(105)
    assert cost["all"]["mean"] == pytest.approx(695 / 7)
    small = peers.loc[("20k-50k", "ict_cost_per_inhabitant")]
    assert small["n_participants"] == 2 and small["suppressed"]
    assert small[["p25", "median", "p75", "mean"]].isna().all()


def test_comparison_fails_when_the_release_differs(
    results: dict, release: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "ictbench.duckdb"
    shutil.copyfile(release, changed)  # the release itself is read-only
    with duckdb.connect(str(changed)) as con:
        con.execute(
            "update marts.indicator_values set value = value * (1 + 1e-6) "
            "where municipality_code = 'GM0103' and indicator_code = 'ict_cost_per_inhabitant'"
        )
        con.execute(
            "update marts.peer_benchmarks set suppressed = not suppressed "
            "where peer_group = 'all' and indicator_code = 'ict_satisfaction'"
        )
        con.execute(
            "delete from marts.indicator_values "
            "where municipality_code = 'GM0101' and indicator_code = 'ict_satisfaction'"
        )
    problems = plain_refresh.compare(results, changed)
    assert len(problems) == 3, problems
    assert any("GM0103 ict_cost_per_inhabitant: value" in p for p in problems)
    assert any("all ict_satisfaction: suppressed" in p for p in problems)
    assert any("GM0101 ict_satisfaction: only in the plain script" in p for p in problems)
