"""PostgreSQL settings without a server: the password never shows (`redact_url`, `scrub`,
`parse_target`), and each DuckDB type maps to an exact PostgreSQL type or is refused."""

from __future__ import annotations

import pytest

from pipelines.warehouse.postgres import (
    PostgresPublishError,
    UnsupportedTypeError,
    parse_target,
    postgres_type,
    redact_url,
    scrub,
)

REDACTIONS = [
    "postgresql://bi:s3cret@db.example:5432/ictbench",
    "postgresql://bi:***@db.example:5432/ictbench",
    "postgres://bi:s3cret@db/ictbench?sslmode=require",
    "postgres://bi:***@db/ictbench?sslmode=require",
    # unencoded "@" and "/" in the password: the credentials end at the last "@"
    "postgresql://bi:p@ss/w0rd@db/ictbench",
    "postgresql://bi:***@db/ictbench",
    "postgresql://bi:p%40ss@h1:5432,h2:5433/ictbench",
    "postgresql://bi:***@h1:5432,h2:5433/ictbench",
    "postgresql://db/ictbench?user=bi&password=s3cret&sslmode=require",
    "postgresql://db/ictbench?user=bi&password=***&sslmode=require",
    "host=db user=bi password=s3cret dbname=ictbench",
    "host=db user=bi password=*** dbname=ictbench",
    "host=db password = 'two words' dbname=ictbench",
    "host=db password = *** dbname=ictbench",
    # nothing to hide
    "postgresql://bi@db/ictbench",
    "postgresql://bi@db/ictbench",
    "postgresql:///ictbench",
    "postgresql:///ictbench",
]


@pytest.mark.parametrize(("url", "redacted"), zip(REDACTIONS[::2], REDACTIONS[1::2], strict=True))
def test_redact_url_hides_every_password(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_scrub_removes_the_password_in_every_spelling() -> None:
    url = "postgresql://bi:p%40ss%2Fw0rd@db:5432/ictbench"
    text = f"failed for {url}: password p@ss/w0rd, encoded p%40ss%2Fw0rd"
    cleaned = scrub(text, url)
    assert "p@ss/w0rd" not in cleaned and "p%40ss%2Fw0rd" not in cleaned
    assert "postgresql://bi:***@db:5432/ictbench" in cleaned


def test_parse_target_names_where_and_who_but_not_the_password() -> None:
    target = parse_target("postgresql://bi:s3cret@db.example:6543/ictbench")
    assert str(target) == "bi@db.example:6543/ictbench"
    assert str(parse_target("postgresql:///ictbench")).endswith("localhost:5432/ictbench")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bi:s3cr%zzet@db/ictbench",  # invalid percent-encoding
        "postgresql://bi:s3cret@db/ictbench?nonsense=1",
        "host=db password=s3cret nonsense=1",
    ],
)
def test_a_malformed_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(PostgresPublishError) as refused:
        parse_target(url)
    message = str(refused.value)
    assert "not a valid PostgreSQL URL" in message
    assert "s3cr" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [
        ("BOOLEAN", "boolean"),
        ("INTEGER", "integer"),
        ("BIGINT", "bigint"),
        ("HUGEINT", "numeric(39,0)"),
        ("UBIGINT", "numeric(20,0)"),
        ("DOUBLE", "double precision"),
        ("FLOAT", "real"),
        ("DECIMAL(18,3)", "numeric(18,3)"),
        ("VARCHAR", "text"),
        ("ENUM('a', 'b')", "text"),
        ("DATE", "date"),
        ("TIMESTAMP", "timestamp"),
        ("TIMESTAMP WITH TIME ZONE", "timestamptz"),
        ("BLOB", "bytea"),
        ("UUID", "uuid"),
        ("INTEGER[]", "integer[]"),
        ("VARCHAR[3]", "text[]"),
    ],
)
def test_duckdb_types_map_to_exact_postgres_types(duckdb_type: str, expected: str) -> None:
    assert postgres_type(duckdb_type) == expected


@pytest.mark.parametrize(
    "duckdb_type",
    ["TIMESTAMP_NS", "INTERVAL", "STRUCT(x INTEGER)", "MAP(VARCHAR, INTEGER)", "VARCHAR[][]"],
)
def test_types_without_an_exact_counterpart_are_refused(duckdb_type: str) -> None:
    with pytest.raises(UnsupportedTypeError, match="no exact PostgreSQL counterpart"):
        postgres_type(duckdb_type)
