"""Serve a release to PostgreSQL for BI servers (`ICTBENCH_POSTGRES_URL`), with psycopg 3.

The DuckDB release is the one source: `table_definitions.read_table_definitions` gives the
tables, types, NOT NULLs, keys and comments; the rows go over with `COPY ... FROM STDIN`
(no SQL text is ever built from data; DDL quotes names with `psycopg.sql`).

One publish is one transaction:
1. build a fresh schema `marts_staging_<random>`: tables with mapped types and NOT NULLs,
   rows (`COPY ... FREEZE`), primary and unique keys, comments, `ANALYZE`, the reader
   role's grants and `COMMENT ON SCHEMA ... IS 'ictbench release <id>'`;
2. swap it in: lock every table of the served `marts` (ACCESS EXCLUSIVE), rename `marts`
   away, rename the new schema to `marts`, drop the old one, commit.

A BI query sees the old release or the new one, never a mix, an error or a partial
schema. A query that locked a table of the old `marts` keeps the swap waiting until its
transaction ends, so everything it reads is old (without the locks a transaction could
read one table before the swap and the next after it). A query that arrives during the
swap waits on the lock, then resolves `marts.x` anew (PostgreSQL looks a name up again
when the relation changed while it waited) and reads the new release. The publisher
waits for readers' locks for under half of `deadlock_timeout` per attempt, then gives way
(back to a savepoint, every lock released) and retries with back-off: a reader that
holds one table and waits for another the publisher took is never the deadlock victim,
and readers queue behind the publisher only that long. Nothing is left behind when a
publish fails (one transaction). The reader role (default `ictbench_reader`, NOLOGIN) is
created when missing and granted USAGE on the new schema and SELECT on its tables before
the swap; it owns nothing, so it cannot write, create in `marts` or drop.

A password in the URL never leaves this module: errors name host, port, database and
user, and every message from libpq or the server is scrubbed (`redact_url`, `scrub`).
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb
import psycopg
from psycopg import sql

from pipelines.settings import DB_FILE, PUBLISHED_LINK
from pipelines.warehouse.release import PUBLISHED_SCHEMA, RELEASE_MANIFEST
from pipelines.warehouse.table_definitions import (
    TableDefinition,
    read_table_definitions,
    sql_identifier,
)

STAGING_PREFIX = f"{PUBLISHED_SCHEMA}_staging_"
RETIRED_PREFIX = f"{PUBLISHED_SCHEMA}_retired_"
# `COMMENT ON SCHEMA marts`: which release PostgreSQL serves.
RELEASE_COMMENT_PREFIX = "ictbench release "
APPLICATION_NAME = "ictbench publish"
CONNECT_TIMEOUT_S = 10
COPY_BATCH_ROWS = 5000
# How long the swap may keep retrying while readers hold the served tables.
SWAP_TIMEOUT_S = 120.0
# The longest one swap attempt waits for readers' locks (less when deadlock_timeout is short).
MAX_LOCK_WAIT_MS = 500
REDACTED = "***"


class PostgresPublishError(RuntimeError):
    """PostgreSQL was not updated; the message is one line and holds no password."""


class NothingPublishedError(PostgresPublishError):
    """There is no DuckDB release to send."""


# --- the password stays secret ----------------------------------------------------------

_URL_PREFIX = re.compile(r"^([a-z][a-z0-9+.-]*://)(.*)$", re.IGNORECASE | re.DOTALL)
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The connection string with every password replaced by `***`: the URL's
    `user:password@`, a `?password=` parameter, or `password=...` of a key=value string."""
    match = _URL_PREFIX.match(url)
    if not match:
        return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + REDACTED, url)
    scheme, rest = match.groups()
    # The credentials end at the last "@" (a password may hold "@" or "/" unencoded).
    at = rest.rfind("@")
    if at >= 0:
        user, colon, _ = rest[:at].partition(":")
        if colon:
            rest = f"{user}:{REDACTED}{rest[at:]}"
    return scheme + _QUERY_PASSWORD.sub(lambda m: m.group(1) + REDACTED, rest)


def _secrets(url: str) -> list[str]:
    """Every spelling of the URL's password(s) that a message might echo."""
    found: list[str] = []
    match = _URL_PREFIX.match(url)
    if match:
        rest = match.group(2)
        at = rest.rfind("@")
        if at >= 0 and ":" in rest[:at]:
            found.append(rest[:at].partition(":")[2])
        found.extend(m.group(2) for m in _QUERY_PASSWORD.finditer(rest))
    else:
        found.extend(m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(url))
    with_decoded = found + [unquote(s) for s in found]
    return sorted({s for s in with_decoded if s}, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """`text` without the URL's password in any spelling (and the URL itself redacted)."""
    text = text.replace(url, redact_url(url))
    for secret in _secrets(url):
        text = text.replace(secret, REDACTED)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reason(error: psycopg.Error, url: str) -> str:
    """A one-line, password-free reason: the server's message and detail, or libpq's."""
    diag = error.diag
    if diag.message_primary:
        text = diag.message_primary + (f" ({diag.message_detail})" if diag.message_detail else "")
    else:
        text = str(error)
    return _one_line(scrub(text, url))


@dataclass(frozen=True)
class Target:
    """Where a URL points, without its password: `user@host:port/dbname`."""

    host: str
    port: str
    dbname: str
    user: str

    def __str__(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port}/{self.dbname}"


def parse_target(url: str) -> Target:
    """The host, port, database and user of a PostgreSQL URL or key=value string (libpq's
    defaults where it names none); a malformed one is refused without echoing secrets."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        visible = redact_url(url)
        # Echo only the quoted values libpq complains about that the redacted URL shows too.
        message = re.sub(
            r'"([^"]*)"',
            lambda m: m.group(0) if m.group(1) in visible else '"…"',
            str(exc),
        )
        raise PostgresPublishError(
            f"ICTBENCH_POSTGRES_URL is not a valid PostgreSQL URL ({visible}): "
            f"{_one_line(scrub(message, url))}"
        ) from None
    return Target(
        host=str(params.get("host") or params.get("hostaddr") or "localhost"),
        port=str(params.get("port") or "5432"),
        dbname=str(params.get("dbname") or params.get("user") or ""),
        user=str(params.get("user") or ""),
    )


# --- DuckDB types → PostgreSQL types ----------------------------------------------------

# Exact counterparts only: every value must come back as it went in.
_SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "BLOB": "bytea",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp(0)",
    "TIMESTAMP_MS": "timestamp(3)",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UUID": "uuid",
    "JSON": "json",
}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_LIST = re.compile(r"^(.*)\[\d*\]$")


class UnsupportedTypeError(PostgresPublishError):
    """A DuckDB type without an exact PostgreSQL counterpart."""


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type that holds every value of `duckdb_type` exactly."""
    spelled = duckdb_type.strip().upper()
    if spelled in _SCALAR_TYPES:
        return _SCALAR_TYPES[spelled]
    if decimal := _DECIMAL.match(spelled):
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    if spelled.startswith("ENUM("):
        return "text"
    if (element := _LIST.match(spelled)) and not _LIST.match(element.group(1)):
        # PostgreSQL arrays of arrays must be rectangular: only one level is mapped.
        return postgres_type(element.group(1)) + "[]"
    raise UnsupportedTypeError(f"DuckDB type {duckdb_type} has no exact PostgreSQL counterpart")


def check_types(definitions: Sequence[TableDefinition]) -> None:
    """Refuse before connecting when a column has no PostgreSQL type."""
    for table in definitions:
        for column in table.columns:
            try:
                postgres_type(column.data_type)
            except UnsupportedTypeError as exc:
                raise UnsupportedTypeError(f"{table.name}.{column.name}: {exc}") from None


# --- the release to send ----------------------------------------------------------------


@dataclass(frozen=True)
class PublishedFiles:
    release_id: str
    database: Path


def published_release_files(warehouse: Path) -> PublishedFiles:
    """The current DuckDB release of a warehouse: the directory `published` points to now,
    its id and its database file."""
    release_dir = (warehouse / PUBLISHED_LINK).resolve()
    manifest = release_dir / RELEASE_MANIFEST
    database = release_dir / DB_FILE
    if not manifest.is_file() or not database.is_file():
        raise NothingPublishedError(
            f"nothing is published in {warehouse} yet (run `ictbench refresh` first)"
        )
    release_id = str(json.loads(manifest.read_text())["release_id"])
    return PublishedFiles(release_id, database)


@dataclass(frozen=True)
class PostgresPublication:
    """What a publish to PostgreSQL did."""

    release_id: str
    target: str  # user@host:port/dbname, no password
    reader_role: str
    tables: dict[str, int]  # table → rows
    seconds: float
    created_reader_role: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# --- publishing -------------------------------------------------------------------------


@contextmanager
def _step(url: str, target: Target, doing: str) -> Iterator[None]:
    """Turn any database error of one step into a one-line, password-free reason."""
    try:
        yield
    except PostgresPublishError:
        raise
    except psycopg.Error as exc:
        raise PostgresPublishError(
            f"PostgreSQL at {target}: {doing} failed: {_reason(exc, url)}"
        ) from None
    except duckdb.Error as exc:
        raise PostgresPublishError(
            f"reading the DuckDB release for PostgreSQL failed: {_one_line(str(exc))}"
        ) from None


def connect(url: str, target: Target | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection (libpq's own connect timeout and application name unless
    the URL sets them); refused with a one-line, password-free reason."""
    target = target or parse_target(url)
    params = psycopg.conninfo.conninfo_to_dict(url)
    extra: dict[str, Any] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = CONNECT_TIMEOUT_S
    if "application_name" not in params:
        extra["application_name"] = APPLICATION_NAME
    try:
        return psycopg.connect(url, autocommit=True, **extra)
    except psycopg.Error as exc:
        raise PostgresPublishError(
            f"cannot connect to PostgreSQL at {target}: {_reason(exc, url)}"
        ) from None


def _ensure_reader_role(conn: psycopg.Connection[Any], role: str) -> tuple[bool, list[str]]:
    """Create the reader role when missing (NOLOGIN: an admin gives it a login or grants
    it to BI users); refuse a role that would own or write what it reads."""
    created = False
    exists = conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
    if not exists:
        try:
            conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
            created = True
        except psycopg.errors.DuplicateObject:
            pass  # created meanwhile by another publisher
        except psycopg.errors.InsufficientPrivilege:
            raise PostgresPublishError(
                f"the reader role {role} does not exist and this user may not create roles; "
                f"an admin can create it once: CREATE ROLE {role} NOLOGIN"
            ) from None
    row = conn.execute(
        """
        select r.rolsuper, pg_has_role(%s, current_user, 'MEMBER'),
               exists(select from pg_namespace n where n.nspname = 'public'
                      and has_schema_privilege(%s, n.oid, 'CREATE'))
        from pg_roles r where r.rolname = %s
        """,
        [role, role, role],
    ).fetchone()
    powerful, owns_our_tables, creates_in_public = row or (False, False, False)
    if powerful or owns_our_tables:
        raise PostgresPublishError(
            f"the reader role {role} is a superuser or a member of the publishing user: it "
            "could change the release; set ICTBENCH_POSTGRES_READER to a role of its own"
        )
    warnings = []
    if creates_in_public:
        warnings.append(
            f"the reader role {role} may create tables in schema public (PUBLIC may, the "
            "default before PostgreSQL 15); an admin can stop that with: "
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
        )
    return created, warnings


def _qualified(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def _create_table(conn: psycopg.Connection[Any], schema: str, table: TableDefinition) -> None:
    columns = [
        sql.SQL("{} {}{}").format(
            sql.Identifier(c.name),
            sql.SQL(postgres_type(c.data_type)),
            sql.SQL("" if c.nullable else " not null"),
        )
        for c in table.columns
    ]
    conn.execute(
        sql.SQL("create table {} ({})").format(
            _qualified(schema, table.name), sql.SQL(", ").join(columns)
        )
    )


def _copy_rows(
    conn: psycopg.Connection[Any],
    duck: duckdb.DuckDBPyConnection,
    schema: str,
    table: TableDefinition,
) -> int:
    """Stream the table's rows from DuckDB into PostgreSQL with COPY (FREEZE: the table
    is new in this transaction, so its rows need no later visibility work)."""
    names = sql.SQL(", ").join(map(sql.Identifier, table.column_names))
    copy_statement = sql.SQL("copy {} ({}) from stdin (freeze)").format(
        _qualified(schema, table.name), names
    )
    select_columns = ", ".join(map(sql_identifier, table.column_names))
    source = duck.execute(
        f"select {select_columns} from {PUBLISHED_SCHEMA}.{sql_identifier(table.name)}"
    )
    rows = 0
    with conn.cursor() as cursor, cursor.copy(copy_statement) as copy:
        while batch := source.fetchmany(COPY_BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    return rows


def _add_keys(conn: psycopg.Connection[Any], schema: str, table: TableDefinition) -> None:
    """Primary and unique keys, added after the load (one index build each)."""
    target = _qualified(schema, table.name)
    keys = [("primary key", table.primary_key)] if table.primary_key else []
    keys += [("unique", key) for key in table.unique_keys]
    for kind, columns in keys:
        conn.execute(
            sql.SQL("alter table {} add {} ({})").format(
                target, sql.SQL(kind), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
        )


def _comment(conn: psycopg.Connection[Any], schema: str, table: TableDefinition) -> None:
    target = _qualified(schema, table.name)
    if table.description:
        conn.execute(
            sql.SQL("comment on table {} is {}").format(target, sql.Literal(table.description))
        )
    for column in table.columns:
        if column.description:
            conn.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target, sql.Identifier(column.name), sql.Literal(column.description)
                )
            )


def _grant_reader(conn: psycopg.Connection[Any], schema: str, role: str) -> None:
    """USAGE on the schema and SELECT on its tables, nothing else (a new schema has no
    other grants, so this is the role's whole access, however often it runs)."""
    conn.execute(
        sql.SQL("grant usage on schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(role)
        )
    )
    conn.execute(
        sql.SQL("grant select on all tables in schema {} to {}").format(
            sql.Identifier(schema), sql.Identifier(role)
        )
    )


def release_comment(release_id: str) -> str:
    return RELEASE_COMMENT_PREFIX + release_id


def _build_schema(
    conn: psycopg.Connection[Any],
    duck: duckdb.DuckDBPyConnection,
    schema: str,
    definitions: Sequence[TableDefinition],
    release_id: str,
    reader_role: str,
) -> dict[str, int]:
    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
    rows: dict[str, int] = {}
    for table in definitions:
        _create_table(conn, schema, table)
        rows[table.name] = _copy_rows(conn, duck, schema, table)
        _add_keys(conn, schema, table)
        _comment(conn, schema, table)
        conn.execute(sql.SQL("analyze {}").format(_qualified(schema, table.name)))
    _grant_reader(conn, schema, reader_role)
    conn.execute(
        sql.SQL("comment on schema {} is {}").format(
            sql.Identifier(schema), sql.Literal(release_comment(release_id))
        )
    )
    return rows


def _served_tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = %s and c.relkind in ('r', 'p', 'f', 'v', 'm')
        order by c.relname
        """,
        [PUBLISHED_SCHEMA],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    found = conn.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
    return found is not None


def _lock_wait_ms(conn: psycopg.Connection[Any]) -> int:
    """How long the swap may wait for the served tables in one attempt: under half the
    server's deadlock_timeout, so that when a reader waits on the publisher's lock while
    holding one the publisher wants, the publisher gives up before the reader's deadlock
    check could pick the reader as the victim."""
    row = conn.execute("select setting::int from pg_settings where name = 'deadlock_timeout'")
    deadlock_ms = int((row.fetchone() or (1000,))[0])
    return max(20, min(MAX_LOCK_WAIT_MS, deadlock_ms // 2))


def _swap_once(
    conn: psycopg.Connection[Any], staging: str, retired: str, lock_wait_ms: int
) -> None:
    """Within a savepoint: lock every served table (waiting at most `lock_wait_ms` in
    all), rename the served schema away, rename the new one in, drop the old one."""
    wait = sql.Literal(f"{lock_wait_ms}ms")
    conn.execute(sql.SQL("set local lock_timeout = {}").format(wait))
    served = _served_tables(conn)
    if served:
        conn.execute(sql.SQL("set local statement_timeout = {}").format(wait))
        conn.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(_qualified(PUBLISHED_SCHEMA, t) for t in served)
            )
        )
        conn.execute("set local statement_timeout = 0")
    has_old = _schema_exists(conn, PUBLISHED_SCHEMA)
    if has_old:
        conn.execute(
            sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(PUBLISHED_SCHEMA), sql.Identifier(retired)
            )
        )
    conn.execute(
        sql.SQL("alter schema {} rename to {}").format(
            sql.Identifier(staging), sql.Identifier(PUBLISHED_SCHEMA)
        )
    )
    if has_old:
        # RESTRICT: a view or foreign key of someone else's on the old tables stops the
        # swap with PostgreSQL's own reason, instead of being dropped along.
        if served:
            conn.execute(
                sql.SQL("drop table {}").format(
                    sql.SQL(", ").join(_qualified(retired, t) for t in served)
                )
            )
        conn.execute(sql.SQL("drop schema {}").format(sql.Identifier(retired)))


def _swap(conn: psycopg.Connection[Any], staging: str, retired: str, timeout: float) -> None:
    """Swap the new schema in; while readers hold the served tables, give way (release
    every lock) and try again after a pause, until `timeout`."""
    deadline = time.monotonic() + timeout
    lock_wait_ms = _lock_wait_ms(conn)
    pause = 0.02
    while True:
        try:
            with conn.transaction(savepoint_name="ictbench_swap"):
                _swap_once(conn, staging, retired, lock_wait_ms)
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled):
            if time.monotonic() + pause > deadline:
                raise PostgresPublishError(
                    f"readers held the tables of schema {PUBLISHED_SCHEMA} for {timeout:.0f} s "
                    "without a pause long enough to swap in the new release"
                ) from None
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 1.0)


def _open_release(release_db: Path) -> duckdb.DuckDBPyConnection:
    if not release_db.exists():
        raise NothingPublishedError(f"the release database {release_db} does not exist")
    try:
        return duckdb.connect(str(release_db), read_only=True)
    except duckdb.Error as exc:
        raise PostgresPublishError(
            f"cannot open the release {release_db}: {_one_line(str(exc))}"
        ) from None


def _release_definitions(duck: duckdb.DuckDBPyConnection, release_id: str) -> list[TableDefinition]:
    catalog = str((duck.execute("select current_database()").fetchone() or ("",))[0])
    definitions = read_table_definitions(duck, catalog, PUBLISHED_SCHEMA)
    if not definitions:
        raise PostgresPublishError(f"the release {release_id} has no tables in schema marts")
    check_types(definitions)
    return definitions


def _build_and_swap(
    conn: psycopg.Connection[Any],
    duck: duckdb.DuckDBPyConnection,
    definitions: Sequence[TableDefinition],
    release_id: str,
    reader_role: str,
    swap_timeout: float,
) -> dict[str, int]:
    """In the caller's transaction: the new schema, complete, then the swap."""
    # Never wait on a lock for long; no server-side timeout cuts the load short.
    conn.execute("set local lock_timeout = '5s'")
    conn.execute("set local statement_timeout = 0")
    conn.execute("set local idle_in_transaction_session_timeout = 0")
    suffix = uuid.uuid4().hex[:12]
    staging, retired = STAGING_PREFIX + suffix, RETIRED_PREFIX + suffix
    tables = _build_schema(conn, duck, staging, definitions, release_id, reader_role)
    _swap(conn, staging, retired, swap_timeout)
    return tables


def publish_to_postgres(
    url: str,
    release_db: Path,
    release_id: str,
    reader_role: str,
    *,
    swap_timeout: float = SWAP_TIMEOUT_S,
) -> PostgresPublication:
    """Serve the DuckDB release `release_db` (schema marts) as PostgreSQL's schema `marts`,
    atomically; see the module docstring. Raises PostgresPublishError (one line, no
    password) and leaves PostgreSQL as it was when anything fails."""
    started = time.monotonic()
    target = parse_target(url)
    duck = _open_release(release_db)
    try:
        with _step(url, target, "reading the release"):
            definitions = _release_definitions(duck, release_id)
        with connect(url, target) as conn:
            with _step(url, target, f"preparing the reader role {reader_role}"):
                created, warnings = _ensure_reader_role(conn, reader_role)
            with _step(url, target, f"serving release {release_id}"), conn.transaction():
                tables = _build_and_swap(
                    conn, duck, definitions, release_id, reader_role, swap_timeout
                )
    finally:
        duck.close()
    return PostgresPublication(
        release_id=release_id,
        target=str(target),
        reader_role=reader_role,
        tables=tables,
        seconds=time.monotonic() - started,
        created_reader_role=created,
        warnings=warnings,
    )


def publish_current_release(url: str, warehouse: Path, reader_role: str) -> PostgresPublication:
    """Send the warehouse's published DuckDB release to PostgreSQL."""
    files = published_release_files(warehouse)
    return publish_to_postgres(url, files.database, files.release_id, reader_role)


def served_release(conn: psycopg.Connection[Any]) -> str | None:
    """The id of the release PostgreSQL serves in `marts` (None: none yet)."""
    row = conn.execute(
        "select obj_description(to_regnamespace(%s), 'pg_namespace')", [PUBLISHED_SCHEMA]
    ).fetchone()
    comment = row[0] if row else None
    if not comment or not str(comment).startswith(RELEASE_COMMENT_PREFIX):
        return None
    return str(comment).removeprefix(RELEASE_COMMENT_PREFIX)
