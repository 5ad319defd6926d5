"""The raw tables' DDL: created once, and completed when a newer ictbench declares more columns."""

from __future__ import annotations

import duckdb

from pipelines.warehouse.raw_tables import (
    RAW_TABLES,
    declared_columns,
    ensure_schema,
    table_columns,
)


def test_declared_columns_are_name_and_type() -> None:
    assert declared_columns("edition integer not null, plausible_min double") == [
        ("edition", "integer"),
        ("plausible_min", "double"),
    ]


def test_ensure_schema_adds_columns_missing_from_an_older_build_database() -> None:
    con = duckdb.connect()
    con.execute("create schema raw")
    # survey_edition_questions as an older ictbench made it, with one edition's rows
    con.execute(
        "create table raw.survey_edition_questions (edition integer not null, "
        "question_code varchar not null, kind varchar not null, unit varchar, "
        "required boolean not null)"
    )
    con.execute(
        "insert into raw.survey_edition_questions values (2021, 'inwoners', 'count', null, true)"
    )
    ensure_schema(con)
    expected = [name for name, _ in declared_columns(RAW_TABLES["survey_edition_questions"])]
    assert table_columns(con, "raw", "survey_edition_questions") == expected
    assert con.execute(
        "select edition, question_text, plausible_min from raw.survey_edition_questions"
    ).fetchall() == [(2021, None, None)]
    ensure_schema(con)  # a second time changes nothing
    assert table_columns(con, "raw", "survey_edition_questions") == expected
