"""The `ictbench` command line end to end on the bundled sample (real subprocesses)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_LANDING
from tests.test_cli import release_id, run_cli
from tests.test_reliability import assert_rebuilt_identically

pytestmark = pytest.mark.slow


def test_refresh_publishes_every_sample_edition(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    # --no-pdf: 441 PDFs would cost minutes of CI; tests/test_reports.py checks the PDFs
    result = run_cli(["refresh", "--no-pdf"], SAMPLE_LANDING, warehouse)
    assert result.returncode == 0, result.stderr
    db = warehouse / "published" / "ictbench.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        editions = [
            r[0]
            for r in con.execute(
                "select distinct edition from marts.indicator_values order by 1"
            ).fetchall()
        ]
        indicators = con.execute(
            "select count(distinct indicator_code) from marts.indicator_values"
        ).fetchone()
        loaded = con.execute(
            "select edition, count(*) from marts.submissions where status = 'loaded' "
            "group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert editions == [2019, 2020, 2021, 2022, 2023, 2024]
    # after publication: a report per participant and feedback files, per edition
    for edition, n in loaded:
        folder = warehouse / "reports" / str(edition)
        assert len(list(folder.glob("GM*.html"))) == n, edition
        assert (folder / "index.html").exists()
        assert not list(folder.glob("*.pdf"))  # --no-pdf
        assert (warehouse / "feedback" / str(edition) / "overzicht.xlsx").exists()
    assert indicators == (15,)
    assert all(40 <= n <= 120 for _, n in loaded)
    # The summary names where the release is and gives an example query.
    assert str(db) in result.stdout
    assert "select" in result.stdout
    # The runs are recorded in the Dagster instance under the warehouse.
    assert (warehouse / "dagster" / "dagster.yaml").exists()
    status = run_cli(["status"], SAMPLE_LANDING, warehouse)
    assert status.returncode == 0
    assert "2024" in status.stdout and release_id(warehouse) in status.stdout
    # Reruns are byte-identical: dbt on the same rows in another order, and each mart's
    # query on any number of threads, give exactly the published contents.
    assert_rebuilt_identically(warehouse, tmp_path / "reordered")
