"""Every corpus file's outcome fits the raw tables: no value overflows a column (before the
fix, boekjaar 99999999999 overflowed the INTEGER column and blocked the whole edition) and
no amount is stored as infinity."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest

from pipelines.core.contracts import load_contract
from pipelines.core.submissions import resolve_submissions
from pipelines.warehouse.ingest_frames import edition_frames
from pipelines.warehouse.raw_tables import ensure_schema, replace_edition
from tests.bad_inputs.test_corpus import ENTRIES, by_id, read


@by_id(ENTRIES)
def test_outcome_fits_the_raw_tables(entry: dict[str, Any]) -> None:
    contract = load_contract(entry["edition"])
    result = read(entry["file"])
    resolved = resolve_submissions([result])
    frames = edition_frames(contract, [result], resolved)
    con = duckdb.connect(":memory:")
    try:
        ensure_schema(con)
        replace_edition(con, contract.edition, frames)
        (rows,) = con.execute(
            "select count(*) from raw.survey_submissions where edition = ?", [contract.edition]
        ).fetchone() or (0,)
        assert rows == result.n_rows
        values = con.execute("select value from raw.survey_answers").fetchall()
        assert all(v is None or (math.isfinite(v) and abs(v) <= 1e15) for (v,) in values)
        boekjaren = con.execute("select boekjaar from raw.survey_submissions").fetchall()
        assert all(b is None or 1900 <= b <= 2100 for (b,) in boekjaren)
    finally:
        con.close()


def test_the_overflowing_boekjaar_is_in_the_corpus() -> None:
    files = {e["file"] for e in ENTRIES}
    assert {
        "2021/32_values_that_cannot_be_true.csv",
        "2022/22_values_that_cannot_be_true.xlsx",
    } <= files
    with pytest.raises(duckdb.Error):  # what the raw table would have said
        duckdb.connect(":memory:").execute("select cast(99999999999 as integer)").fetchall()
