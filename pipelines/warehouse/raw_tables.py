"""The raw layer of the build database: DDL and per-edition replacement.

These tables are the interface between the Python ingest and dbt (documented in
docs/architecture.md); dbt reads them only through its `stg_` models.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

RAW_SCHEMA = "raw"
AUDIT_SCHEMA = "audit"

RAW_TABLES: Mapping[str, str] = {
    "survey_source_files": """
        edition integer not null, source_file varchar not null, source_sha256 varchar not null,
        contract_version varchar not null, n_rows integer not null, status varchar not null,
        reason varchar""",
    "survey_submissions": """
        edition integer not null, boekjaar integer, source_file varchar not null,
        source_sha256 varchar not null, source_row integer not null,
        municipality_code varchar, municipality_name varchar, ingediend_op timestamp,
        status varchar not null, superseded_by varchar""",
    "survey_answers": """
        edition integer not null, municipality_code varchar not null,
        question_code varchar not null, value double, raw_value varchar,
        source_file varchar not null, source_row integer not null""",
    "survey_rejections": """
        edition integer not null, source_file varchar not null, source_row integer,
        column_name varchar, raw_value varchar, reason varchar not null""",
    "survey_edition_questions": """
        edition integer not null, question_code varchar not null, kind varchar not null,
        unit varchar, required boolean not null, question_text varchar,
        plausible_min double, plausible_max double""",
    # What a reader should know that is neither a loaded value nor a rejected cell: a
    # file or folder of the edition that was not read, a reader warning (an unknown
    # column, hidden rows, an encoding guess). notice_kind: not_read | refused | warning.
    "survey_file_notices": """
        edition integer not null, source_file varchar not null, notice_kind varchar not null,
        message varchar not null""",
    "cbs_municipalities": """
        municipality_code varchar not null, municipality_name varchar not null,
        province_code varchar, province_name varchar, valid_from date not null, valid_to date""",
    "cbs_population": """
        municipality_code varchar not null, reference_date date not null, population bigint""",
    "cbs_mergers": """
        merger_date date not null, old_code varchar not null, new_code varchar not null,
        share double not null""",
}

EDITION_TABLES = (
    "survey_source_files",
    "survey_submissions",
    "survey_answers",
    "survey_rejections",
    "survey_edition_questions",
    "survey_file_notices",
)

AUDIT_TABLES: Mapping[str, str] = {
    # Outcome of each blocking check per edition; publication requires all passed.
    "edition_checks": """
        edition integer not null, check_name varchar not null, passed boolean not null,
        detail varchar""",
    # What each edition's tables were built from (pipelines/warehouse/fingerprints.py); `modelled`
    # once its dbt models were built from exactly that ingest.
    "edition_builds": """
        edition integer not null, files_sha256 varchar not null,
        contract_sha256 varchar not null, reference_sha256 varchar not null,
        code_sha256 varchar not null, modelled boolean not null""",
    # The fingerprint of the reference data loaded into raw.cbs_* (one row).
    "reference_build": "reference_sha256 varchar not null",
    # dbt's unit tests (formulas on fixed inputs) that passed in this build, per model
    # selection, for the code they tested (`build_state.unit_tests_key`).
    "unit_tests_passed": "selection varchar not null, code_sha256 varchar not null",
}


def declared_columns(columns: str) -> list[tuple[str, str]]:
    """`name type [not null]` pairs of a table's column list above (types without commas)."""
    pairs = []
    for part in columns.split(","):
        name, column_type = part.split(maxsplit=1)
        pairs.append((name, column_type.removesuffix(" not null").strip()))
    return pairs


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit tables; add columns a newer ictbench declares to a build
    database made by an older one (as nullable: the next ingest of an edition fills them)."""
    for schema, tables in ((RAW_SCHEMA, RAW_TABLES), (AUDIT_SCHEMA, AUDIT_TABLES)):
        con.execute(f"create schema if not exists {schema}")
        for name, columns in tables.items():
            con.execute(f"create table if not exists {schema}.{name} ({columns})")
            present = set(table_columns(con, schema, name))
            for column, column_type in declared_columns(columns):
                if column not in present:
                    con.execute(f"alter table {schema}.{name} add column {column} {column_type}")


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the database ``con`` is connected to."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _insert(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    columns = table_columns(con, schema, table)
    missing = set(columns) - set(frame.columns)
    if missing:
        raise ValueError(f"{schema}.{table}: frame lacks columns {sorted(missing)}")
    con.register("_incoming", frame[columns])
    try:
        column_list = ", ".join(columns)
        con.execute(
            f"insert into {schema}.{table} ({column_list}) select {column_list} from _incoming"
        )
    finally:
        con.unregister("_incoming")


def replace_edition(
    con: duckdb.DuckDBPyConnection, edition: int, frames: Mapping[str, pd.DataFrame]
) -> None:
    """Replace every raw table's rows of one edition in a single transaction."""
    unknown = set(frames) - set(EDITION_TABLES)
    if unknown:
        raise ValueError(f"not per-edition raw tables: {sorted(unknown)}")
    con.execute("begin transaction")
    try:
        for table in EDITION_TABLES:
            con.execute(f"delete from {RAW_SCHEMA}.{table} where edition = ?", [edition])
            if table in frames:
                _insert(con, RAW_SCHEMA, table, frames[table])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Replace a whole (reference) table in a single transaction."""
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {RAW_SCHEMA}.{table}")
        _insert(con, RAW_SCHEMA, table, frame)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def record_checks(
    con: duckdb.DuckDBPyConnection, edition: int, results: Mapping[str, tuple[bool, str]]
) -> None:
    """Store the outcome of this edition's blocking checks (replacing earlier ones)."""
    con.execute("begin transaction")
    try:
        for name, (passed, detail) in results.items():
            con.execute(
                f"delete from {AUDIT_SCHEMA}.edition_checks where edition = ? and check_name = ?",
                [edition, name],
            )
            con.execute(
                f"insert into {AUDIT_SCHEMA}.edition_checks values (?, ?, ?, ?)",
                [edition, name, passed, detail],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
