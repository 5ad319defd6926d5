"""Trends on the newest division, on the hand-computed fixture tests/fixtures/merger_landing
(see its README): a merger, a split by shares, a chain and a missing predecessor.

Every expected figure is computed by hand in the comments (ICT cost per inhabitant =
total ICT cost / CBS population on 1 January of the boekjaar).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.db import query
from tests.graph_runner import published_fixture

pytestmark = pytest.mark.slow

COST = "ict_cost_per_inhabitant"
SECURITY = "security_fte_per_100k_inhabitants"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("merger_refresh")
    warehouse = published_fixture(base, FIXTURES / "merger_landing", [2019, 2020, 2021])
    return warehouse / "published" / "ictbench.duckdb"


def trend(db: Path, code: str, indicator: str, edition: int) -> tuple[float, bool, int] | None:
    rows = query(
        db,
        "select value, recomputed, n_predecessors from marts.indicator_trends "
        "where municipality_code = ? and indicator_code = ? and edition = ?",
        [code, indicator, edition],
    )
    if not rows:
        return None
    value, recomputed, n = rows[0]
    return float(value), bool(recomputed), int(n)  # type: ignore[arg-type]


def test_merger_sums_numerators_and_denominators(published: Path) -> None:
    # 2019: GM0101 + GM0102 -> GM0110: (1,000,000 + 1,600,000) / (10,000 + 20,000) = 86.67
    # (the mean of 100 and 80 would be 90: a sum of ratios is wrong)
    assert trend(published, "GM0110", COST, 2019) == (pytest.approx(2_600_000 / 30_000), True, 2)
    # 2020 and 2021: GM0110 itself, not recomputed: 2,700,000 / 30,000 = 90; 2,850,000 / 30,000
    assert trend(published, "GM0110", COST, 2020) == (pytest.approx(90.0), False, 1)
    assert trend(published, "GM0110", COST, 2021) == (pytest.approx(95.0), False, 1)
    numerator, denominator = query(
        published,
        "select numerator, denominator from marts.indicator_trends "
        "where municipality_code = 'GM0110' and indicator_code = ? and edition = 2019",
        [COST],
    )[0]
    assert (numerator, denominator) == pytest.approx((2_600_000.0, 30_000.0))


def test_split_shares_numerator_and_denominator(published: Path) -> None:
    # GM0103 split 0.25 -> GM0104, 0.75 -> GM0105 on 2020-01-01.
    # 2019: GM0104 (1,080,000 + 0.25 x 960,000) / (12,000 + 0.25 x 8,000) = 1,320,000 / 14,000
    assert trend(published, "GM0104", COST, 2019) == (pytest.approx(1_320_000 / 14_000), True, 2)
    # 2019: GM0105 (3,000,000 + 0.75 x 960,000) / (30,000 + 0.75 x 8,000) = 3,720,000 / 36,000
    assert trend(published, "GM0105", COST, 2019) == (pytest.approx(3_720_000 / 36_000), True, 2)
    # 2020: GM0104 (1,200,000 + 250,000) / 14,000; GM0105 (3,300,000 + 750,000) / 36,000 = 112.5
    assert trend(published, "GM0104", COST, 2020) == (pytest.approx(1_450_000 / 14_000), True, 2)
    assert trend(published, "GM0105", COST, 2020) == (pytest.approx(112.5), True, 2)
    # 2021: on their own (1,540,000 / 14,000 = 110)
    assert trend(published, "GM0104", COST, 2021) == (pytest.approx(110.0), False, 1)
    # a wrong share would show: share 1 gives (1,080,000 + 960,000) / 20,000 = 102,
    # no share of GM0103 gives 90
    value = trend(published, "GM0104", COST, 2019)
    assert value is not None
    assert not math.isclose(value[0], 102.0) and not math.isclose(value[0], 90.0)
    shares = dict(
        query(
            published,
            "select successor_code, share from marts.municipality_successors "
            "where municipality_code = 'GM0103'",
        )
    )
    assert shares == pytest.approx({"GM0104": 0.25, "GM0105": 0.75})


def test_chain_resolves_to_the_end(published: Path) -> None:
    # 2019 (boekjaar 2018): GM0106 -> GM0107 (2019) -> GM0120 (2020), GM0107 and GM0108 -> GM0120:
    # (550,000 + 1,350,000 + 1,100,000) / (5,000 + 15,000 + 10,000) = 100
    # (a broken chain without GM0106 would give 2,450,000 / 25,000 = 98)
    assert trend(published, "GM0120", COST, 2019) == (pytest.approx(100.0), True, 3)
    assert query(
        published,
        "select successor_code, share, n_steps from marts.municipality_successors "
        "where municipality_code = 'GM0106'",
    ) == [("GM0120", 1.0, 2)]
    # 2021: GM0120 itself: 3,150,000 / 30,000 = 105
    assert trend(published, "GM0120", COST, 2021) == (pytest.approx(105.0), False, 1)


def test_missing_predecessor_gives_no_figure(published: Path) -> None:
    # 2020 (boekjaar 2019): GM0108 did not take part; GM0107 alone (2,000,000 / 20,000 = 100)
    # would be a partial sum: no figure at all.
    assert trend(published, "GM0120", COST, 2020) is None
    assert trend(published, "GM0120", SECURITY, 2020) is None
    # dissolved municipalities never appear: trends are on the newest division
    assert query(
        published,
        "select count(*) from marts.indicator_trends "
        "where municipality_code in ('GM0101', 'GM0102', 'GM0103', 'GM0106', 'GM0107', 'GM0108')",
    ) == [(0,)]


def test_answers_only_where_no_recompute_is_needed(published: Path) -> None:
    # satisfaction 7 everywhere, but a score cannot be summed: no row where recomputed
    assert trend(published, "GM0110", "ict_satisfaction", 2019) is None
    assert trend(published, "GM0110", "ict_satisfaction", 2020) == (pytest.approx(7.0), False, 1)
    assert trend(published, "GM0111", "ict_satisfaction", 2019) == (pytest.approx(7.0), False, 1)


def test_comparability_of_security_fte(published: Path) -> None:
    rows = query(
        published,
        "select edition, value, comparable_with_previous, trend_break_reason, "
        "change_vs_previous_pct from marts.indicator_trends "
        "where municipality_code = 'GM0111' and indicator_code = ? order by edition",
        [SECURITY],
    )
    # 2,2,4 FTE per 20,000 inhabitants = 10, 10, 20 per 100k
    assert [(e, round(float(v), 9), c) for e, v, c, _, _ in rows] == [  # type: ignore[arg-type]
        (2019, 10.0, False),
        (2020, 10.0, False),
        (2021, 20.0, True),
    ]
    assert "privacy" in str(rows[1][3])
    assert rows[1][4] is None  # not joined across the 2020 break
    assert rows[2][4] == pytest.approx(100.0)


def test_trend_monitor_medians_and_changes(published: Path) -> None:
    rows = query(
        published,
        "select edition, median, change_vs_previous_pct from marts.trend_monitor "
        "where trend_code = 5 and indicator_code = ? order by edition",
        [COST],
    )
    # 2019: 80 85 90 90 95 100 [100] 105 110 110 115 120 125 -> 100 (13 participants)
    # 2020: 90 90 100 100 [100 110] 110 120 125 130 -> 105 (+5 %)
    # 2021: 95 95 105 105 [110] 115 120 125 135 -> 110 (+4.76 %)
    assert rows[0] == (2019, pytest.approx(100.0), None)
    assert rows[1] == (2020, pytest.approx(105.0), pytest.approx(5.0))
    assert rows[2] == (2021, pytest.approx(110.0), pytest.approx((110 / 105 - 1) * 100))
    security = query(
        published,
        "select edition, median, change_vs_previous_pct, comparable_with_previous "
        "from marts.trend_monitor where trend_code = 1 and indicator_code = ? order by edition",
        [SECURITY],
    )
    assert security == [
        (2019, pytest.approx(10.0), None, False),
        (2020, pytest.approx(10.0), None, False),  # 2019 includes privacy: no change
        (2021, pytest.approx(20.0), pytest.approx(100.0), True),
    ]
    # information-management FTE: population / 10,000 FTE = 10 per 100k every edition
    info = query(
        published,
        "select edition, median, is_published_indicator from marts.trend_monitor "
        "where trend_code = 4 and indicator_code = "
        "'information_management_fte_per_100k_inhabitants' order by edition",
    )
    assert info == [(e, pytest.approx(10.0), False) for e in (2019, 2020, 2021)]
    # trends 2 and 3 have no data here (no fte_data, pct_plaatsonafhankelijk answers)
    codes = {r[0] for r in query(published, "select distinct trend_code from marts.trend_monitor")}
    assert codes == {1, 4, 5}


def test_trend_magnitudes(published: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            published,
            "select trend_code, article_richter, measured_richter, mean_abs_cagr_pct, "
            "editions_from, editions_to from marts.trend_magnitudes",
        )
    }
    # 1: security 10 -> 20 per 100k over 2020-2021 (the stretch after the break): +100 %/yr;
    #    5 x log10(101) = 10.02 -> capped at 10
    assert rows[1][0] == 9.0
    assert rows[1][1] == pytest.approx(10.0)
    assert rows[1][2] == pytest.approx(100.0)
    assert (rows[1][3], rows[1][4]) == (2020, 2021)
    # 5: mean absolute year-on-year change of the cost median: (5 + 4.7619) / 2
    m = (5.0 + (110 / 105 - 1) * 100) / 2
    assert rows[5][2] == pytest.approx(m)
    assert rows[5][1] == pytest.approx(5 * math.log10(1 + m))
    # 4: information-management FTE median flat (0 %/yr); hire and outsourcing medians are 0
    assert rows[4][1] == pytest.approx(0.0)
