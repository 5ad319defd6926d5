"""The peer groups have one definition, the dbt seed `peer_group_definitions`: the
assignment (macro `peer_group`), the dbt tests, the published `marts.peer_groups` and
the reports' labels all derive from it (checked on the findings fixture's release)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from dagster import AssetKey

from pipelines.settings import DBT_PROJECT_DIR
from tests.conftest import REPO_ROOT
from tests.db import query
from tests.test_findings import findings_release

EXPECTED = [
    ("<20k", "minder dan 20.000 inwoners", 0, 20_000, 1),
    ("20k-50k", "20.000 tot 50.000 inwoners", 20_000, 50_000, 2),
    ("50k-100k", "50.000 tot 100.000 inwoners", 50_000, 100_000, 3),
    ("100k-250k", "100.000 tot 250.000 inwoners", 100_000, 250_000, 4),
    ("250k+", "250.000 inwoners of meer", 250_000, None, 5),
    ("all", "alle deelnemers", None, None, 6),
]
OUTPUTS_SPEC = REPO_ROOT.parent / "shared/spec/outputs.md"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return findings_release(tmp_path_factory)


@pytest.fixture(scope="module")
def published(warehouse: Path) -> Path:
    return warehouse / "published" / "ictbench.duckdb"


@pytest.mark.slow
def test_published_peer_groups(published: Path) -> None:
    rows = query(
        published,
        "select peer_group, label_nl, min_inhabitants, max_inhabitants, sort_order "
        "from marts.peer_groups order by sort_order",
    )
    assert rows == EXPECTED
    types = dict(
        query(
            published,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'peer_groups'",
        )
    )
    assert types == {
        "peer_group": "VARCHAR",
        "label_nl": "VARCHAR",
        "min_inhabitants": "BIGINT",
        "max_inhabitants": "BIGINT",
        "sort_order": "INTEGER",
    }
    # the model documents the table and every column (dbt's manifest, as `make setup`
    # parsed it; the release carries what dbt persists)
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    node = manifest["nodes"]["model.ictbench.peer_groups"]
    assert node["description"] and node["config"]["contract"]["enforced"]
    assert set(node["columns"]) == set(types)
    assert all(column["description"] for column in node["columns"].values())
    parquet = pd.read_parquet(published.parent / "parquet" / "peer_groups.parquet")
    assert sorted(parquet["peer_group"]) == sorted(code for code, *_ in EXPECTED)


@pytest.mark.slow
def test_the_public_codes_are_the_published_ones(published: Path) -> None:
    if not OUTPUTS_SPEC.exists():
        pytest.skip("../shared/spec/outputs.md is absent")
    spec = OUTPUTS_SPEC.read_text(encoding="utf-8").split("`peer_group` values:")[1]
    codes = re.findall(r"`([^`]+)`", spec.split("\n")[0])
    published_codes = [
        str(code)
        for (code,) in query(published, "select peer_group from marts.peer_groups order by 1")
    ]
    assert sorted(codes) == published_codes


@pytest.mark.slow
def test_every_peer_group_follows_the_published_bounds(published: Path) -> None:
    # the assignment (macro peer_group over the seed) and the published bounds agree
    outside = query(
        published,
        """
        select v.edition, v.municipality_code, v.population, v.peer_group
        from marts.indicator_values as v
        left join marts.peer_groups as g on v.peer_group = g.peer_group
        where
            (v.population is null) <> (v.peer_group is null)
            or g.peer_group is null and v.peer_group is not null
            or v.population < g.min_inhabitants
            or v.population >= g.max_inhabitants
            or g.min_inhabitants is null and v.peer_group is not null
        """,
    )
    assert outside == []
    used = {
        str(group)
        for (group,) in query(published, "select distinct peer_group from marts.indicator_values")
        if group is not None
    }
    assert used == {"<20k", "20k-50k"}  # the fixture's two size classes (its README)
    codes = {code for code, *_ in EXPECTED}
    for table in ("peer_benchmarks", "plausibility_findings"):
        in_table = {
            str(group)
            for (group,) in query(published, f"select distinct peer_group from marts.{table}")
            if group is not None
        }
        assert in_table <= codes, table
    assert "all" in {
        str(g) for (g,) in query(published, "select distinct peer_group from marts.peer_benchmarks")
    }


@pytest.mark.slow
def test_reports_name_each_participants_group_by_its_published_label(warehouse: Path) -> None:
    groups = query(
        warehouse / "published" / "ictbench.duckdb",
        """
        select distinct v.municipality_code, g.label_nl
        from marts.indicator_values as v
        join marts.peer_groups as g on v.peer_group = g.peer_group
        where v.edition = 2021
        """,
    )
    assert len(groups) == 9
    for code, label in groups:
        html = (warehouse / "reports" / "2021" / f"{code}.html").read_text(encoding="utf-8")
        assert f"vergelijkingsgroep: gemeenten met {label}</div>" in html, code


def test_the_seed_is_built_with_every_edition_and_the_mart_with_the_release() -> None:
    """The edition models read the seed, so every edition run builds it (also on a fresh
    build database); marts.peer_groups is a release model and is published."""
    from pipelines.orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    seed = graph.get(AssetKey(["seeds", "peer_group_definitions"]))
    mart = graph.get(AssetKey(["marts", "peer_groups"]))
    assert seed.partitions_def is not None  # an edition asset (tag edition)
    assert AssetKey(["intermediate", "int_municipality_measures_derived"]) in seed.child_keys
    assert mart.partitions_def is None  # a release asset (tag release)
    assert mart.parent_keys == {seed.key}
    assert mart.key in graph.get(AssetKey("published_release")).parent_keys
