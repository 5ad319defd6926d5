"""`ictbench status`'s counts per edition (pipelines/cli/status.py) on a hand-made release."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.cli.status import EditionStatus, edition_status


def _release(path: Path, *, findings: bool) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.submissions as select * from (values (2020, 'loaded'), "
            "(2020, 'empty'), (2020, 'superseded'), (2021, 'loaded'), (2022, 'rejected')) "
            "as t(edition, status)"
        )
        con.execute(
            "create table marts.rejected_rows as select * from (values (2020, 'x'), "
            "(2022, 'y'), (2022, 'z')) as t(edition, reason)"
        )
        con.execute(
            "create table marts.file_notices as select * from (values (2020, 'not_read'), "
            "(2020, 'refused'), (2021, 'warning')) as t(edition, notice_kind)"
        )
        if findings:
            con.execute(
                "create table marts.plausibility_findings as select * from (values "
                "(2020, 'NO_POPULATION'), (2020, 'OUTLIER'), (2020, 'NO_POPULATION'), "
                "(2021, 'OUTLIER')) as t(edition, finding_code)"
            )
    finally:
        con.close()
    return path


@pytest.mark.parametrize("findings", [True, False])
def test_edition_status_counts(tmp_path: Path, findings: bool) -> None:
    rows = edition_status(_release(tmp_path / "ictbench.duckdb", findings=findings))
    # edition -> (findings, of which NO_POPULATION); no findings table: "-" and 0
    flagged = {2020: (3, 2), 2021: (1, 0), 2022: (0, 0)} if findings else {}
    expected = [
        EditionStatus(
            edition=edition,
            rows_in=rows_in,
            loaded=loaded,
            superseded=superseded,
            rejected_rows=rejected,
            empty=empty,
            rejections=rejections,
            findings=flagged[edition][0] if findings else None,
            not_read=unread,
            warnings=warned,
            no_population=flagged[edition][1] if findings else 0,
        )
        for edition, rows_in, loaded, superseded, rejected, empty, rejections, unread, warned in (
            (2020, 3, 1, 1, 0, 1, 1, 2, 0),
            (2021, 1, 1, 0, 0, 0, 0, 0, 1),
            (2022, 1, 0, 0, 1, 0, 2, 0, 0),
        )
    ]
    assert rows == expected


def test_edition_status_without_a_release(tmp_path: Path) -> None:
    assert edition_status(tmp_path / "missing.duckdb") == []
