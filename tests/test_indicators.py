"""The Python side reads the same indicator definitions as dbt (one source of truth)."""

import re

from pipelines.core.indicators import indicator, load_indicators
from tests.conftest import REPO_ROOT

PUBLIC_CODES = (
    set(
        re.findall(
            r"`([a-z0-9_]+)`",
            (REPO_ROOT.parent / "shared/spec/outputs.md")
            .read_text()
            .split("`indicator_code` values:")[1]
            .split("`peer_group` values")[0],
        )
    )
    if (REPO_ROOT.parent / "shared/spec/outputs.md").exists()
    else set()
)


def test_fifteen_indicators_with_the_public_codes() -> None:
    codes = {i.code for i in load_indicators()}
    assert len(load_indicators()) == 15
    if PUBLIC_CODES:
        assert codes == PUBLIC_CODES


def test_definitions_carry_what_the_spec_fixes() -> None:
    security = indicator("security_fte_per_100k_inhabitants")
    assert (security.scale, security.denominator) == (100_000.0, "population")
    assert 2020 in security.comparability_breaks  # 2019 includes privacy
    assert indicator("saas_pct_of_software_cost").first_edition == 2021
    assert indicator("privacy_fte_per_100k_inhabitants").first_edition == 2020
    assert indicator("location_independent_pct").kind == "answer"
    assert indicator("ict_satisfaction").denominator == "1"
