"""The whole graph on the hand-computed fixture landing zone (tests/fixtures/small_landing).

Every expected figure below was computed by hand; see the fixture's README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.db import query
from tests.graph_runner import published_fixture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import FIXTURES

    base = tmp_path_factory.mktemp("fixture_refresh")
    warehouse = published_fixture(base, FIXTURES / "small_landing", [2021])
    return warehouse / "published" / "ictbench.duckdb"


def value(db: Path, municipality: str, indicator: str) -> float | None:
    rows = query(
        db,
        "select value from marts.indicator_values where edition = 2021 "
        "and municipality_code = ? and indicator_code = ?",
        [municipality, indicator],
    )
    return None if not rows else float(rows[0][0])  # type: ignore[arg-type]


def test_every_input_row_is_accounted_for(published: Path) -> None:
    rows = dict(query(published, "select status, count(*) from marts.submissions group by 1"))
    assert rows == {"loaded": 7, "superseded": 1, "rejected": 1, "empty": 1}
    superseded = query(
        published,
        "select source_file, source_row, superseded_by from marts.submissions "
        "where status = 'superseded'",
    )
    assert superseded == [("export_2021.csv", 5, "correctie_2021.csv:2")]


def test_rejections_name_file_row_and_column(published: Path) -> None:
    rejected = query(
        published,
        "select source_file, source_row, column_name, raw_value from marts.rejected_rows "
        "order by source_row",
    )
    assert [(f, r, c) for f, r, c, _ in rejected] == [
        ("export_2021.csv", 4, "tevredenheid_ict"),
        ("export_2021.csv", 9, "gemeentecode"),
    ]
    assert rejected[0][3] == "7.5"


def test_ict_cost_per_inhabitant_uses_cbs_population_and_the_correction(
    published: Path,
) -> None:
    expected = {
        "GM0101": 80.0,  # 800,000 / 10,000 (self-reported 10.050 inhabitants is ignored)
        "GM0102": 90.0,
        "GM0103": 100.0,
        "GM0104": 110.0,  # the correction (kosten_overig 88.000) wins over 1.000.000
        "GM0105": 120.0,
        "GM0106": 100.0,
        "GM0107": 95.0,
    }
    for code, cost in expected.items():
        assert value(published, code, "ict_cost_per_inhabitant") == pytest.approx(cost)
    numerator, denominator = query(
        published,
        "select numerator, denominator from marts.indicator_values "
        "where municipality_code = 'GM0101' and indicator_code = 'ict_cost_per_inhabitant'",
    )[0]
    assert (numerator, denominator) == (800_000.0, 10_000.0)


def test_other_indicators_by_hand(published: Path) -> None:
    assert value(published, "GM0101", "security_fte_per_100k_inhabitants") == pytest.approx(2.0)
    assert value(published, "GM0101", "privacy_fte_per_100k_inhabitants") == pytest.approx(1.0)
    # Answered 0 data FTE: a value of 0, not a missing value.
    assert value(published, "GM0101", "data_fte_per_100k_inhabitants") == pytest.approx(0.0)
    # Own ICT FTE 1 + 1 + 1 + 0.5 + 0.2 + 0.1 + 0 + 0.2 = 4.0 of 70 FTE.
    assert value(published, "GM0101", "ict_fte_per_100_fte") == pytest.approx(400 / 70)
    assert value(published, "GM0102", "saas_pct_of_software_cost") == pytest.approx(40.0)
    assert value(published, "GM0102", "external_hire_pct_of_staff_cost") == pytest.approx(20.0)
    assert value(published, "GM0102", "outsourcing_pct_of_ict_cost") == pytest.approx(20.0)
    assert value(published, "GM0101", "ict_cost_pct_of_expenditure") == pytest.approx(
        800_000 / 28_000_000 * 100
    )
    assert value(published, "GM0101", "ict_cost_per_workplace") == pytest.approx(800_000 / 88)
    assert value(published, "GM0101", "applications_per_100_fte") == pytest.approx(150 / 70 * 100)
    assert value(published, "GM0107", "data_breaches_per_100k_inhabitants") == pytest.approx(30.0)
    # Percent answers: '85%' is 85, '0,9' is a fraction (90), 'n.v.t.' is no answer.
    assert value(published, "GM0102", "location_independent_pct") == pytest.approx(85.0)
    assert value(published, "GM0103", "location_independent_pct") == pytest.approx(90.0)
    assert value(published, "GM0106", "location_independent_pct") is None
    # '7,1' is 7.1; '7.5' was rejected, 'nb' is no answer: no row.
    assert value(published, "GM0101", "ict_satisfaction") == pytest.approx(7.1)
    assert value(published, "GM0103", "ict_satisfaction") is None
    assert value(published, "GM0107", "ict_satisfaction") is None


def test_peer_statistics_by_hand(published: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            published,
            "select peer_group, n_participants, p25, median, p75, mean, suppressed "
            "from marts.peer_benchmarks "
            "where edition = 2021 and indicator_code = 'ict_cost_per_inhabitant'",
        )
    }
    assert set(rows) == {"<20k", "20k-50k", "all"}  # only groups with participants
    assert rows["<20k"] == pytest.approx((5, 90.0, 100.0, 110.0, 100.0, False))
    assert rows["20k-50k"] == (2, None, None, None, None, True)
    n, p25, median, p75, mean, suppressed = rows["all"]
    assert (n, suppressed) == (7, False)
    assert (p25, median, p75, mean) == pytest.approx((92.5, 100.0, 105.0, 695 / 7))


def test_published_tables_and_columns(published: Path) -> None:
    tables = {
        r[0]
        for r in query(
            published,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert {
        "indicator_values",
        "peer_benchmarks",
        "indicators",
        "survey_responses",
        "rejected_rows",
        "submissions",
    } <= tables
    parquet = published.parent / "parquet"
    assert {p.stem for p in parquet.glob("*.parquet")} == tables
    assert query(published, "select count(*) from marts.indicators")[0][0] == 15
    no_min_max = query(
        published,
        "select count(*) from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'peer_benchmarks' "
        "and column_name in ('min', 'max', 'minimum', 'maximum')",
    )
    assert no_min_max[0][0] == 0


def test_survey_responses_are_in_euros(published: Path) -> None:
    rows = query(
        published,
        "select value, source_file, source_row from marts.survey_responses "
        "where municipality_code = 'GM0104' and question_code = 'kosten_overig'",
    )
    assert rows == [(88_000.0, "correctie_2021.csv", 2)]
