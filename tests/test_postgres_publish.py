"""The release served by PostgreSQL (pipelines/warehouse/postgres.py), on a real throw-away
server (tests/pg_cluster.py), after a real refresh of the small fixture landing zone:
tables, types, keys, rows and comments equal the DuckDB release; the reader role reads
and nothing else; readers during repeated publishes see one whole release; an unreachable
server leaves the DuckDB release published, fails the refresh clearly and never prints
the password; `ictbench publish-postgres` re-sends and refuses clearly."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg import sql

from pipelines.warehouse.lock import refresh_lock
from pipelines.warehouse.postgres import (
    PostgresPublishError,
    PublishedFiles,
    publish_current_release,
    publish_to_postgres,
    published_release_files,
    served_release,
)
from pipelines.warehouse.table_definitions import TableDefinition, read_table_definitions
from tests.conftest import FIXTURES, run_ictbench
from tests.graph_runner import published_fixture
from tests.pg_cluster import PgCluster, free_port

pytestmark = pytest.mark.slow

URL_VAR = "ICTBENCH_POSTGRES_URL"
READER_VAR = "ICTBENCH_POSTGRES_READER"
READER = "ictbench_reader"
PUBLISHER = "ictbench_publisher"

# How each DuckDB type of the release is served (a new type in the marts must be added).
EXPECTED_TYPES = {
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "INTEGER[]": "integer[]",
}


@dataclass
class Server:
    """The cluster, a non-superuser publisher (CREATEROLE, owner of its databases)."""

    cluster: PgCluster
    publisher_password: str

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.cluster.url(dbname=dbname), autocommit=True)

    def database(self, name: str) -> str:
        """A fresh database owned by the publisher; its URL (with the password)."""
        with self.admin() as admin:
            admin.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
            admin.execute(
                sql.SQL("create database {} owner {}").format(
                    sql.Identifier(name), sql.Identifier(PUBLISHER)
                )
            )
        return self.cluster.url(PUBLISHER, self.publisher_password, name)

    def login(self, role: str, dbname: str) -> tuple[str, str]:
        """Give `role` a login (as an admin would); its password and URL."""
        password = secrets.token_hex(12)
        with self.admin() as admin:
            admin.execute(
                sql.SQL("alter role {} login password {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        return password, self.cluster.url(role, password, dbname)


@dataclass
class Served:
    """One real refresh with ICTBENCH_POSTGRES_URL set."""

    landing: Path
    warehouse: Path
    release: PublishedFiles  # the DuckDB release it published
    url: str  # the database it served it into


@pytest.fixture(scope="module")
def server(postgres_cluster: PgCluster) -> Server:
    password = secrets.token_hex(12)
    with psycopg.connect(postgres_cluster.url(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login createrole password {}").format(
                sql.Identifier(PUBLISHER), sql.Literal(password)
            )
        )
    return Server(postgres_cluster, password)


@pytest.fixture(scope="module")
def served(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Served:
    base = tmp_path_factory.mktemp("served")
    url = server.database("refreshed")
    with pytest.MonkeyPatch.context() as env:
        env.setenv(URL_VAR, url)
        env.delenv(READER_VAR, raising=False)
        warehouse = published_fixture(base, FIXTURES / "small_landing")
    return Served(base / "landing", warehouse, published_release_files(warehouse), url)


@pytest.fixture(scope="module")
def reader_url(server: Server, served: Served) -> str:
    """The reader role the refresh created, given a login by an admin."""
    return server.login(READER, "refreshed")[1]


def release_definitions(database: Path) -> tuple[duckdb.DuckDBPyConnection, list[TableDefinition]]:
    duck = duckdb.connect(str(database), read_only=True)
    catalog = str((duck.execute("select current_database()").fetchone() or ("",))[0])
    return duck, read_table_definitions(duck, catalog, "marts")


def _normal(value: object) -> object:
    """One spelling per value on both sides; floats exactly (hex), NaN as one value."""
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value.hex())
    if isinstance(value, Decimal):
        return ("decimal", str(value.normalize()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_normal(v) for v in value))
    return (type(value).__name__, value)


def content_hash(rows: Iterable[Sequence[object]]) -> tuple[int, str]:
    """Row count and an order-independent sha256 of the rows."""
    keyed = sorted(repr(tuple(_normal(v) for v in row)) for row in rows)
    return len(keyed), hashlib.sha256("\n".join(keyed).encode()).hexdigest()


def binary(conn: psycopg.Connection[Any], query: str) -> list[tuple[Any, ...]]:
    """Rows as PostgreSQL stores them: in binary, a `real` arrives as its exact float32
    (in text, as its shortest decimal, read back as a different double)."""
    return conn.cursor(binary=True).execute(query.encode()).fetchall()


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_columns(conn: psycopg.Connection[Any], table: str) -> list[tuple[str, str, bool]]:
    rows = conn.execute(
        """
        select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
        from pg_attribute a where a.attrelid = %s::regclass and a.attnum > 0
          and not a.attisdropped
        order by a.attnum
        """,
        [f"marts.{quoted(table)}"],
    ).fetchall()
    return [(str(n), str(t), bool(nn)) for n, t, nn in rows]


def pg_keys(conn: psycopg.Connection[Any], table: str) -> list[tuple[str, tuple[str, ...]]]:
    rows = conn.execute(
        """
        select c.contype, array_agg(a.attname order by k.ord)
        from pg_constraint c
        cross join unnest(c.conkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        where c.conrelid = %s::regclass and c.contype in ('p', 'u')
        group by c.oid, c.contype order by c.contype, 2
        """,
        [f"marts.{quoted(table)}"],
    ).fetchall()
    return [(str(kind), tuple(columns)) for kind, columns in rows]


def test_a_refresh_serves_the_duckdb_release_in_postgres(served: Served) -> None:
    duck, definitions = release_definitions(served.release.database)
    with psycopg.connect(served.url) as conn:
        assert served_release(conn) == served.release.release_id
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'marts' order by 1"
        ).fetchall()
        assert [t for (t,) in tables] == [d.name for d in definitions]
        schemas = conn.execute("select nspname from pg_namespace where nspname like 'marts%'")
        assert schemas.fetchall() == [("marts",)]  # nothing left of the staging or swap
        comments = 0
        for table in definitions:
            assert pg_columns(conn, table.name) == [
                (c.name, EXPECTED_TYPES[c.data_type], not c.nullable) for c in table.columns
            ], table.name
            expected_keys = ([("p", table.primary_key)] if table.primary_key else []) + [
                ("u", key) for key in sorted(table.unique_keys)
            ]
            assert pg_keys(conn, table.name) == expected_keys, table.name

            columns = ", ".join(quoted(c) for c in table.column_names)
            source = duck.execute(f"select {columns} from marts.{quoted(table.name)}").fetchall()
            served_rows = binary(conn, f"select {columns} from marts.{quoted(table.name)}")
            assert content_hash(served_rows) == content_hash(source), table.name

            regclass = f"marts.{quoted(table.name)}"
            description = conn.execute(
                "select obj_description(%s::regclass, 'pg_class')", [regclass]
            ).fetchone()
            assert description == (table.description,), table.name
            column_comments = conn.execute(
                """
                select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a
                where a.attrelid = %s::regclass and a.attnum > 0 order by a.attnum
                """,
                [regclass],
            ).fetchall()
            assert column_comments == [(c.name, c.description) for c in table.columns]
            comments += sum(1 for _, text in column_comments if text) + bool(table.description)
    duck.close()
    assert len(definitions) >= 10
    assert comments > len(definitions)  # the descriptions did travel


def test_floats_round_trip_exactly(server: Server, tmp_path: Path) -> None:
    """Values a text round trip could bend: shortest-repr doubles, extremes, -0.0, NaN."""
    database = tmp_path / "floats.duckdb"
    doubles = [0.1, 1 / 3, 2 / 3 * 1e-300, 1.7976931348623157e308, 5e-324, -0.0, math.nan]
    singles = [0.1, 1 / 3, 1e-40, 3.4028234663852886e38, 1.401298464324817e-45, -0.0, math.inf]
    with duckdb.connect(str(database)) as duck:
        duck.execute("create schema marts")
        duck.execute("create table marts.f (i integer primary key, x double, y float)")
        duck.executemany(
            "insert into marts.f values (?, ?, ?)",
            [(i, x, y) for i, (x, y) in enumerate(zip(doubles, singles, strict=True))],
        )
        duck.execute("insert into marts.f values (99, null, null)")
        expected = duck.execute("select i, x, y from marts.f").fetchall()
    url = server.database("floats")
    publish_to_postgres(url, database, "floats", "ictbench_reader_floats")
    with psycopg.connect(url) as conn:
        served_rows = binary(conn, "select i, x, y from marts.f")
        assert pg_columns(conn, "f") == [
            ("i", "integer", True),
            ("x", "double precision", False),
            ("y", "real", False),
        ]
    assert content_hash(served_rows) == content_hash(expected)


def tiny_release(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as duck:
        duck.execute("create schema marts")
        duck.execute("create table marts.t (i integer primary key, s varchar)")
        duck.execute("insert into marts.t select i, 'row ' || i from range(?) r(i)", [rows])
    return path


def test_a_view_on_marts_stops_the_swap_and_the_old_release_stays(
    server: Server, tmp_path: Path
) -> None:
    """Someone's view on a served table is never dropped along: the publish fails with
    PostgreSQL's reason, and PostgreSQL serves the previous release, nothing left over."""
    url = server.database("viewed")
    publish_to_postgres(url, tiny_release(tmp_path / "one.duckdb", 1), "one", "ictbench_r_view")
    with server.admin("viewed") as admin:
        admin.execute("create view public.mine as select * from marts.t")
    with pytest.raises(PostgresPublishError) as refused:
        publish_to_postgres(url, tiny_release(tmp_path / "two.duckdb", 2), "two", "ictbench_r_view")
    message = str(refused.value)
    assert "serving release two failed: cannot drop table" in message
    assert "view mine depends on table" in message
    assert server.publisher_password not in message and "\n" not in message
    with server.admin("viewed") as conn:
        assert served_release(conn) == "one"
        assert conn.execute("select count(*) from public.mine").fetchone() == (1,)
        schemas = conn.execute("select nspname from pg_namespace where nspname like 'marts%'")
        assert schemas.fetchall() == [("marts",)]


FORBIDDEN = {
    "insert": "insert into marts.peer_groups (peer_group) values ('x')",
    "update": "update marts.peer_groups set label_nl = 'x'",
    "delete": "delete from marts.peer_groups",
    "truncate": "truncate marts.peer_groups",
    "create in marts": "create table marts.mine (a int)",
    "create in public": "create table public.mine (a int)",
    "create a view in marts": "create view marts.mine as select 1 as a",
    "create schema": "create schema mine",
    "drop table": "drop table marts.peer_groups",
    "drop schema": "drop schema marts cascade",
    "alter table": "alter table marts.peer_groups add column mine int",
    "comment": "comment on table marts.peer_groups is 'mine'",
}


def test_the_reader_role_reads_and_nothing_else(
    server: Server, served: Served, reader_url: str
) -> None:
    _, definitions = release_definitions(served.release.database)
    with psycopg.connect(reader_url, autocommit=True) as reader:
        assert reader.execute("select current_user").fetchone() == (READER,)
        for table in definitions:
            reader.execute(f"select count(*) from marts.{quoted(table.name)}").fetchone()
        assert served_release(reader) == served.release.release_id
        refused = {}
        for what, statement in FORBIDDEN.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
                reader.execute(statement)
            refused[what] = error.value.sqlstate
        assert set(refused.values()) == {"42501"}
        assert reader.execute("select count(*) from marts.peer_groups").fetchone() != (0,)

    # The documented way for a BI login: GRANT ictbench_reader TO bi_user.
    with server.admin() as admin:
        admin.execute("create role bi_user login password 'bi-user-pw'")
        admin.execute(sql.SQL("grant {} to bi_user").format(sql.Identifier(READER)))
    with psycopg.connect(server.cluster.url("bi_user", "bi-user-pw", "refreshed")) as bi:
        assert bi.execute("select count(*) from marts.indicators").fetchone() != (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("delete from marts.indicators")


def acl_snapshot(conn: psycopg.Connection[Any], role: str) -> dict[str, Any]:
    """What `role` may do in marts, as the catalog records it."""
    tables = conn.execute(
        """
        select c.relname, array_agg(g.privilege_type::text order by 1)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join information_schema.role_table_grants g
          on g.table_schema = n.nspname and g.table_name = c.relname and g.grantee = %s
        where n.nspname = 'marts' and c.relkind = 'r'
        group by c.relname order by 1
        """,
        [role],
    ).fetchall()
    schema = conn.execute(
        """
        select has_schema_privilege(%s, 'marts', 'USAGE'),
               has_schema_privilege(%s, 'marts', 'CREATE'),
               has_schema_privilege(%s, 'public', 'CREATE'),
               has_database_privilege(%s, current_database(), 'CREATE'),
               (select nspacl::text from pg_namespace where nspname = 'marts')
        """,
        [role, role, role, role],
    ).fetchone()
    login = conn.execute("select rolcanlogin from pg_roles where rolname = %s", [role])
    return {"tables": tables, "schema": schema, "login": login.fetchone()}


def test_grants_are_the_same_after_every_publish(server: Server, served: Served) -> None:
    role = "ictbench_reader_twice"
    url = server.database("twice")
    first = publish_current_release(url, served.warehouse, role)
    assert first.created_reader_role
    with psycopg.connect(url) as conn:
        after_first = acl_snapshot(conn, role)
    assert after_first["login"] == (False,)  # created NOLOGIN
    assert {tuple(p) for _, p in after_first["tables"]} == {("SELECT",)}
    assert after_first["schema"][:4] == (True, False, False, False)

    server.login(role, "twice")  # an admin's login survives later publishes
    second = publish_current_release(url, served.warehouse, role)
    assert not second.created_reader_role
    with psycopg.connect(url) as conn:
        after_second = acl_snapshot(conn, role)
    assert after_second == after_first | {"login": (True,)}


def shrunken_copy(release: Path, target: Path) -> Path:
    """A second, different release: every table loses a third of its rows."""
    shutil.copyfile(release, target)
    target.chmod(0o644)
    with duckdb.connect(str(target)) as duck:
        for (table,) in duck.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall():
            duck.execute(f"delete from marts.{quoted(table)} where rowid % 3 = 0")
    return target


def row_counts(database: Path, tables: Sequence[str]) -> tuple[int, ...]:
    with duckdb.connect(str(database), read_only=True) as duck:
        return tuple(
            int((duck.execute(f"select count(*) from marts.{quoted(t)}").fetchone() or (0,))[0])
            for t in tables
        )


def test_readers_see_one_whole_release_during_publishes(
    server: Server, served: Served, tmp_path: Path
) -> None:
    """Readers on their own connections, while two different releases are published in
    turn: every statement (release id, number of tables, row counts of every table) and
    every multi-statement transaction sees one whole release; nothing fails."""
    _, definitions = release_definitions(served.release.database)
    tables = [d.name for d in definitions]
    other = shrunken_copy(served.release.database, tmp_path / "other.duckdb")
    releases = {served.release.release_id: served.release.database, "shrunken": other}
    expected = {rid: row_counts(path, tables) for rid, path in releases.items()}
    assert len(set(expected.values())) == 2
    url = server.database("concurrent")
    publish_to_postgres(url, served.release.database, served.release.release_id, READER)
    _, reader_url = server.login(READER, "concurrent")

    counts = ", ".join(f"(select count(*) from marts.{quoted(t)})" for t in tables)
    statement = (
        "select obj_description(to_regnamespace('marts'), 'pg_namespace'), "
        f"(select count(*) from pg_tables where schemaname = 'marts'), {counts}"
    )
    seen: list[tuple[Any, ...]] = []
    in_transactions: list[tuple[int, ...]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def one_statement() -> None:
        with psycopg.connect(reader_url, autocommit=True) as conn:
            while not stop.is_set():
                seen.append(tuple(conn.execute(statement).fetchone() or ()))

    def slow_transactions() -> None:
        """Holds the tables it read while it reads the next ones, in the opposite order
        to the publisher's: the swap has to give way without a deadlock error."""
        with psycopg.connect(reader_url, autocommit=True) as conn:
            while not stop.is_set():
                with conn.transaction():
                    found = []
                    for table in reversed(tables):
                        row = conn.execute(f"select count(*) from marts.{quoted(table)}")
                        found.append(int((row.fetchone() or (0,))[0]))
                        time.sleep(0.005)
                in_transactions.append(tuple(reversed(found)))
                time.sleep(0.05)

    def guarded(work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # any reader error fails the test
                errors.append(exc)

        return run

    readers = [
        threading.Thread(target=guarded(one_statement)),
        threading.Thread(target=guarded(one_statement)),
        threading.Thread(target=guarded(slow_transactions)),
    ]
    for thread in readers:
        thread.start()
    try:
        for round_ in range(8):
            release_id = "shrunken" if round_ % 2 == 0 else served.release.release_id
            publish_to_postgres(url, releases[release_id], release_id, READER, swap_timeout=60)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    assert errors == []
    assert len(seen) > 16 and len(in_transactions) > 2
    mixed = [
        row
        for row in seen
        if (row[0] or "").removeprefix("ictbench release ") not in expected
        or row[1] != len(tables)
        or tuple(row[2:]) != expected[row[0].removeprefix("ictbench release ")]
    ]
    assert mixed == []
    assert {row[0] for row in seen} == {f"ictbench release {rid}" for rid in expected}
    assert set(in_transactions) <= set(expected.values())


def cli_env(served: Served, warehouse: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (URL_VAR, READER_VAR)}
    env |= {"ICTBENCH_LANDING": str(served.landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    return env | ({URL_VAR: url} if url else {})


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.fixture
def warehouse_copy(served: Served, tmp_path: Path) -> Path:
    """A private copy of the refreshed warehouse (its release link stays relative)."""
    target = tmp_path / "warehouse"
    shutil.copytree(served.warehouse, target, symlinks=True)
    return target


def test_an_unreachable_postgres_fails_the_refresh_but_not_the_release(
    served: Served, warehouse_copy: Path
) -> None:
    secret = secrets.token_hex(16)
    port = free_port()  # nothing listens there
    url = f"postgresql://ictbench:{secret}@127.0.0.1:{port}/ictbench"
    before = published_release_files(warehouse_copy).release_id

    result = run_ictbench(["refresh", "--no-pdf"], cli_env(served, warehouse_copy, url))

    assert result.returncode == 1, result.stderr
    after = published_release_files(warehouse_copy).release_id
    assert after != before  # the DuckDB release is published all the same
    assert "published in" in result.stdout
    assert "reports: ok" in result.stdout and "feedback files: ok" in result.stdout
    assert "PostgreSQL: FAILED" in result.stdout
    assert (
        f"the DuckDB release {after} is published; PostgreSQL was not updated: "
        f"cannot connect to PostgreSQL at ictbench@127.0.0.1:{port}/ictbench: "
    ) in result.stderr
    assert "Connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    assert secret not in result.stdout + result.stderr
    assert files_holding(warehouse_copy, secret) == []  # refresh log, Dagster's event log


def test_publish_postgres_resends_the_current_release(
    server: Server, served: Served, warehouse_copy: Path
) -> None:
    url = server.database("resent")
    result = run_ictbench(["publish-postgres"], cli_env(served, warehouse_copy, url))
    assert result.returncode == 0, result.stderr
    release_id = published_release_files(warehouse_copy).release_id
    assert f"release {release_id} → PostgreSQL {PUBLISHER}@127.0.0.1:" in result.stdout
    assert "serves release" in result.stdout and "reader role ictbench_reader" in result.stdout
    assert server.publisher_password not in result.stdout + result.stderr
    with psycopg.connect(url) as conn:
        assert served_release(conn) == release_id


@pytest.fixture
def cli(served: Served, warehouse_copy: Path) -> Iterator[Any]:
    def run(url: str | None, warehouse: Path = warehouse_copy) -> subprocess.CompletedProcess[str]:
        return run_ictbench(["publish-postgres"], cli_env(served, warehouse, url))

    yield run


def test_publish_postgres_refuses_clearly(
    server: Server, served: Served, warehouse_copy: Path, cli: Any, tmp_path: Path
) -> None:
    secret = secrets.token_hex(16)

    unset = cli(None)
    assert unset.returncode == 2
    assert "PostgreSQL is not configured: set ICTBENCH_POSTGRES_URL" in unset.stderr

    empty = tmp_path / "no_warehouse"
    nothing = cli(f"postgresql://u:{secret}@127.0.0.1:1/db", empty)
    assert nothing.returncode == 2
    assert "nothing is published" in nothing.stderr
    assert not empty.exists()

    port = free_port()
    unreachable = cli(f"postgresql://ictbench:{secret}@127.0.0.1:{port}/ictbench")
    assert unreachable.returncode == 1
    assert (
        f"PostgreSQL was not updated: cannot connect to PostgreSQL at "
        f"ictbench@127.0.0.1:{port}/ictbench: " in unreachable.stderr
    )

    wrong = cli(server.cluster.url(PUBLISHER, secret, "refreshed"))
    assert wrong.returncode == 1
    assert f'password authentication failed for user "{PUBLISHER}"' in wrong.stderr

    malformed = cli(f"postgresql://ictbench:{secret}%zz@127.0.0.1/ictbench")
    assert malformed.returncode == 2
    assert "ICTBENCH_POSTGRES_URL is not a valid PostgreSQL URL" in malformed.stderr

    with refresh_lock(warehouse_copy / ".refresh.lock", holder="a test"):
        locked = cli(server.database("locked"))
    assert locked.returncode == 3
    assert "another refresh of this warehouse is running" in locked.stderr
    assert "a test" in locked.stderr

    for result in (unset, nothing, unreachable, wrong, malformed, locked):
        assert secret not in result.stdout + result.stderr
        assert server.publisher_password not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
