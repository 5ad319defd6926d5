"""What a published table is, read from a DuckDB catalog: columns, types, keys, comments.

The dbt contracts (`models/marts/*.yml`: data types, `not_null` and `primary_key`
constraints, descriptions) are the one source. dbt builds the types and constraints into
the build database; the descriptions come from dbt's manifest (`descriptions_from_manifest`).
The release creates its tables from both, with the descriptions as comments, and every
served copy (Parquet, PostgreSQL, Excel) reads them from the release through this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb


def sql_string(value: str) -> str:
    """Quote a value as a SQL string literal (for statements that take no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def sql_identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@dataclass(frozen=True)
class ColumnDefinition:
    name: str
    data_type: str  # as DuckDB spells it: INTEGER, VARCHAR, DOUBLE, DATE, BOOLEAN, ...
    nullable: bool
    description: str | None


@dataclass(frozen=True)
class TableDefinition:
    schema: str
    name: str
    description: str | None
    columns: tuple[ColumnDefinition, ...]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnDefinition:
        return next(c for c in self.columns if c.name == name)

    def create_statement(self, qualified_name: str) -> str:
        """DuckDB `CREATE TABLE` with the types, NOT NULLs and keys of this definition."""
        parts = [
            f"{sql_identifier(c.name)} {c.data_type}{'' if c.nullable else ' NOT NULL'}"
            for c in self.columns
        ]
        if self.primary_key:
            parts.append(f"PRIMARY KEY ({', '.join(map(sql_identifier, self.primary_key))})")
        parts.extend(f"UNIQUE ({', '.join(map(sql_identifier, key))})" for key in self.unique_keys)
        return f"CREATE TABLE {qualified_name} (\n  " + ",\n  ".join(parts) + "\n)"

    def comment_statements(self, qualified_name: str) -> list[str]:
        """DuckDB/PostgreSQL `COMMENT ON` statements carrying the descriptions."""
        statements = []
        if self.description:
            statements.append(
                f"COMMENT ON TABLE {qualified_name} IS {sql_string(self.description)}"
            )
        statements.extend(
            f"COMMENT ON COLUMN {qualified_name}.{sql_identifier(c.name)} "
            f"IS {sql_string(c.description)}"
            for c in self.columns
            if c.description
        )
        return statements


def read_table_definitions(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str
) -> list[TableDefinition]:
    """Every base table of `catalog.schema`, by name, as its catalog describes it."""
    tables = con.execute(
        """
        select table_name, comment from duckdb_tables()
        where database_name = ? and schema_name = ? and not temporary
        order by table_name
        """,
        [catalog, schema],
    ).fetchall()
    definitions = []
    for table, table_comment in tables:
        columns = tuple(
            ColumnDefinition(str(name), str(data_type), bool(nullable), comment or None)
            for name, data_type, nullable, comment in con.execute(
                """
                select column_name, data_type, is_nullable, comment from duckdb_columns()
                where database_name = ? and schema_name = ? and table_name = ?
                order by column_index
                """,
                [catalog, schema, table],
            ).fetchall()
        )
        keys = con.execute(
            """
            select constraint_type, constraint_column_names from duckdb_constraints()
            where database_name = ? and schema_name = ? and table_name = ?
              and constraint_type in ('PRIMARY KEY', 'UNIQUE')
            order by constraint_index
            """,
            [catalog, schema, table],
        ).fetchall()
        primary = [tuple(cols) for kind, cols in keys if kind == "PRIMARY KEY"]
        definitions.append(
            TableDefinition(
                schema=schema,
                name=str(table),
                description=table_comment or None,
                columns=columns,
                primary_key=primary[0] if primary else (),
                unique_keys=tuple(tuple(cols) for kind, cols in keys if kind == "UNIQUE"),
            )
        )
    return definitions


@dataclass(frozen=True)
class TableDescription:
    description: str | None
    columns: Mapping[str, str]


def descriptions_from_manifest(manifest: Path, schema: str) -> dict[str, TableDescription]:
    """The descriptions dbt holds for the models built into `schema`, by table name."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return {
        node["name"]: TableDescription(
            node.get("description") or None,
            {
                name: column["description"]
                for name, column in node.get("columns", {}).items()
                if column.get("description")
            },
        )
        for node in nodes
        if node.get("resource_type") == "model" and node.get("schema") == schema
    }


def described(definition: TableDefinition, description: TableDescription) -> TableDefinition:
    """The definition with dbt's descriptions (where dbt has one) as its comments."""
    columns = tuple(
        replace(c, description=description.columns.get(c.name, c.description))
        for c in definition.columns
    )
    return replace(
        definition, description=description.description or definition.description, columns=columns
    )
