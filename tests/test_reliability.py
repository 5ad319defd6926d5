"""Crash safety, reproducibility and the locked-down analyst connection.

One warehouse goes through a life: a good refresh, three refreshes killed with SIGKILL
(during ingest, during dbt, during publication), then a good refresh again. The published
release must stay the previous one and open cleanly after every kill, and the last
refresh must publish exactly the same table contents as the first (same inputs).

A refresh whose own process alone is SIGKILLed while dbt runs leaves no dbt behind, and
the next refresh succeeds at once. A rebuild from the same rows in another order
publishes the same bits (floating-point sums are taken in a fixed order).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import duckdb
import pytest

from pipelines.orchestration.dbt_args import dbt_vars
from pipelines.warehouse.analyst import connect_published
from pipelines.warehouse.dbt_functions import register_functions
from pipelines.warehouse.release import list_tables, sql_identifier, table_content_hash
from tests.conftest import FIXTURES, REPO_ROOT, run_dbt
from tests.db import query

pytestmark = pytest.mark.slow


def start_refresh(landing: Path, warehouse: Path) -> subprocess.Popen[str]:
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL reaches dbt too
    )


def kill_when(process: subprocess.Popen[str], ready: Callable[[str], bool], timeout: float) -> str:
    """Follow the refresh's progress lines; SIGKILL its whole process group once `ready`."""
    assert process.stdout is not None
    lines: list[str] = []
    follower = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))
    follower.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen = "".join(lines)
            if ready(seen):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                return seen
            if process.poll() is not None:
                raise AssertionError(f"refresh ended before the kill point:\n{seen}")
            time.sleep(0.01)
        raise AssertionError(f"kill point not reached in {timeout} s:\n{''.join(lines)}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        follower.join(timeout=30)


def run_refresh(landing: Path, warehouse: Path) -> None:
    process = start_refresh(landing, warehouse)
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output


def manifest(warehouse: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((warehouse / "published" / "release.json").read_text())
    return data


def assert_release_intact(warehouse: Path, release_id: object) -> None:
    assert manifest(warehouse)["release_id"] == release_id
    con = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.submissions").fetchone() == (10,)
    finally:
        con.close()


def test_killed_refreshes_leave_the_release_and_reruns_reproduce_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "small_landing", landing)
    warehouse = tmp_path / "warehouse"
    run_refresh(landing, warehouse)
    first = manifest(warehouse)

    kill_points: dict[str, Callable[[str], bool]] = {
        "ingest": lambda out: "ingest …" in out,
        # dbt needs well over a second to start: two seconds in, it is mid-run.
        "dbt": lambda out: "edition models (dbt) …" in out and time.sleep(2) is None,
        # The half-written release directory exists only while it is being copied.
        "publish": lambda out: any((warehouse / "releases").glob(".*.partial")),
    }
    for stage, ready in kill_points.items():
        # An unchanged landing zone is up to date (no ingest, no dbt): with the build
        # directory lost, the refresh goes through every stage again.
        shutil.rmtree(warehouse / "build")
        process = start_refresh(landing, warehouse)
        kill_when(process, ready, timeout=600)
        assert process.returncode == -signal.SIGKILL, stage
        assert_release_intact(warehouse, first["release_id"])

    run_refresh(landing, warehouse)  # the next refresh completes
    last = manifest(warehouse)
    assert last["release_id"] != first["release_id"]
    # Reproducible: same inputs, identical published contents, table by table.
    assert last["tables"] == first["tables"]
    assert not list((warehouse / "releases").glob(".*.partial"))

    # The analyst's connection reads the release and cannot reach outside it.
    con = connect_published(warehouse / "published" / "ictbench.duckdb")
    try:
        assert con.execute("select count(*) from marts.indicators").fetchone() == (15,)
        with pytest.raises(duckdb.Error):
            con.execute(f"select * from read_csv('{landing}/reference/gemeentelijke-indeling.csv')")
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.x (i integer)")
    finally:
        con.close()


# --- a refresh killed during dbt leaves no dbt behind -------------------------------------


def ictbench_cli() -> Path:
    """The installed `ictbench` command (what an operator runs), not `python -m`."""
    return Path(sys.executable).parent / "ictbench"


def refresh_succeeds(env: dict[str, str], cwd: Path) -> None:
    """`ictbench refresh --no-pdf` as an operator runs it; it must exit 0."""
    result = subprocess.run(
        [ictbench_cli(), "refresh", "--no-pdf"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def proc_stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name (field 2) may contain spaces: split after its closing parenthesis
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], fields[19]


def running(process: tuple[int, str]) -> bool:
    """Whether (pid, start time) still runs: a zombie (dead, not yet reaped) holds nothing."""
    stat = proc_stat(process[0])
    return stat is not None and stat[2] == process[1] and stat[1] not in ("Z", "X")


def still_running(processes: set[tuple[int, str]], within: float) -> set[tuple[int, str]]:
    """Those of `processes` still running after waiting up to `within` seconds."""
    deadline = time.monotonic() + within
    alive = {p for p in processes if running(p)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = {p for p in alive if running(p)}
    return alive


def all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def descendants(root: int) -> set[tuple[int, str]]:
    """(pid, start time) of every live process below `root`."""
    children: dict[int, list[tuple[int, str]]] = {}
    for pid in all_pids():
        stat = proc_stat(pid)
        if stat is not None:
            children.setdefault(stat[0], []).append((pid, stat[2]))
    found: set[tuple[int, str]] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def is_dbt(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    return any(Path(os.fsdecode(arg)).name in ("dbt", "ictbench-dbt") for arg in argv[:2])


def open_files(pid: int) -> set[str]:
    files = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                files.add(os.readlink(fd))
    return files


def processes_of_warehouse(warehouse: Path) -> set[tuple[int, str]]:
    """Live processes whose environment names this warehouse (the refresh and all it ran)."""
    markers = {f"ICTBENCH_WAREHOUSE={path}".encode() for path in (warehouse, warehouse.resolve())}
    found = set()
    for pid in all_pids():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        stat = proc_stat(pid)
        if markers & set(environ) and stat is not None and running((pid, stat[2])):
            found.add((pid, stat[2]))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_refresh_killed_during_dbt_leaves_no_dbt_and_the_next_succeeds(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "small_landing", landing)
    warehouse = tmp_path / "warehouse"
    build_db = str(warehouse / "build" / "ictbench.duckdb")
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    log = tmp_path / "killed-refresh.txt"
    with log.open("w") as out:
        # its own session, only so that the clean-up below can reach whatever it leaves
        refresh = subprocess.Popen(
            [ictbench_cli(), "refresh", "--no-pdf"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # dbt is running once it holds the build database open
        dbt: set[tuple[int, str]] = set()
        deadline = time.monotonic() + 600
        while not dbt:
            assert refresh.poll() is None, f"refresh ended before dbt ran:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"dbt never ran:\n{log.read_text()}"
            dbt = {
                p for p in descendants(refresh.pid) if is_dbt(p[0]) and build_db in open_files(p[0])
            }
            time.sleep(0.02)
        # the refresh lock's descriptor is not inherited: dying, the refresh releases it
        for pid, _ in dbt:
            assert str(warehouse / ".refresh.lock") not in open_files(pid)
        dbt_and_children = dbt.union(*(descendants(pid) for pid, _ in dbt))

        os.kill(refresh.pid, signal.SIGKILL)  # the refresh alone, as the OOM killer would
        refresh.wait(timeout=30)
        assert not still_running(dbt_and_children, within=2), "dbt outlived the killed refresh"
        # nothing else it started lives on either (Dagster's compute-log tails stop within ~1 s)
        assert not still_running(processes_of_warehouse(warehouse), within=10)
    finally:
        if refresh.poll() is None:
            refresh.kill()
            refresh.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(refresh.pid, signal.SIGKILL)  # whatever outlived it

    # the next refresh succeeds at once
    refresh_succeeds(env, tmp_path)
    assert manifest(warehouse)["tables"]


# --- reruns are byte-identical -----------------------------------------------------------

# FTE of the three predecessors of GM0120 (a chain and a merger) in edition 2019. Their sum
# depends on its order: 0.1 + 0.2 + 0.3 = 0.6000000000000001, 0.3 + 0.2 + 0.1 = 0.6.
ORDER_SENSITIVE_FTE = {b"GM0106": b"0,1", b"GM0107": b"0,2", b"GM0108": b"0,3"}
FTE_COLUMNS = (b"fte_informatiemanagement", b"fte_informatiebeveiliging")


def merger_landing_with_order_sensitive_sums(target: Path) -> Path:
    shutil.copytree(FIXTURES / "merger_landing", target)
    export = target / "survey" / "2019" / "export_2019.csv"
    lines = export.read_bytes().split(b"\r\n")
    header = lines[0].split(b";")
    columns = [header.index(name) for name in FTE_COLUMNS]
    for i, line in enumerate(lines):
        fields = line.split(b";")
        if fields[0] in ORDER_SENSITIVE_FTE:
            for column in columns:
                fields[column] = ORDER_SENSITIVE_FTE[fields[0]]
            lines[i] = b";".join(fields)
    export.write_bytes(b"\r\n".join(lines))
    return target


def reverse_every_table(db: Path) -> None:
    """Store every table's rows in reverse order (same contents, other arrival order)."""
    con = duckdb.connect(str(db))
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() and not temporary"
        ).fetchall()
        for schema, table in tables:
            name = f"{sql_identifier(str(schema))}.{sql_identifier(str(table))}"
            con.execute(f"create temp table reversed_rows as from {name} order by rowid desc")
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name} from reversed_rows")
            con.execute("drop table reversed_rows")
    finally:
        con.close()


def mart_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What release.json records per table: rows and content hash (warehouse/release.py)."""
    catalog = str(con.execute("select current_database()").fetchone()[0])  # type: ignore[index]
    return {
        table: asdict(table_content_hash(con, f"marts.{sql_identifier(table)}"))
        for table in list_tables(con, catalog, "marts")
    }


def assert_rebuilt_identically(warehouse: Path, other: Path) -> None:
    """The release of `warehouse` is what dbt builds from the same rows in another order,
    and what each mart's query returns on every rerun, with any number of threads."""
    published = manifest(warehouse)["tables"]
    assert isinstance(published, dict) and "indicator_trends" in published
    # A second warehouse holding the same rows, every table stored in reverse order (raw
    # layer and models alike), rebuilt by dbt in one run of every model and edition.
    (other / "build").mkdir(parents=True)
    shutil.copy(warehouse / "build" / "ictbench.duckdb", other / "build" / "ictbench.duckdb")
    reverse_every_table(other / "build" / "ictbench.duckdb")
    # `run`: every model with the question list every dbt run gets (orchestration/dbt_args.py)
    target = run_dbt(other, ["run", "--vars", json.dumps(dbt_vars())], other)
    compiled = target / "compiled" / "ictbench" / "models" / "marts"
    con = duckdb.connect(str(other / "build" / "ictbench.duckdb"), read_only=True)
    register_functions(con)  # what dbt's connection has (dbt-duckdb plugin)
    try:
        assert mart_hashes(con) == published
        # DuckDB runs a query's pipelines on several threads, so rows reach an aggregate
        # in an order that varies from run to run: each mart's query again, 5 times with
        # each of 1, 2, 4 and 8 threads, yields the published contents every time.
        for table, summary in published.items():
            (sql,) = compiled.rglob(f"{table}.sql")
            for threads in (1, 2, 4, 8):
                con.execute(f"set threads = {threads}")
                for _ in range(5):
                    con.execute(f"create or replace temp table rerun as {sql.read_text()}")
                    assert asdict(table_content_hash(con, "rerun")) == summary, (table, threads)
    finally:
        con.close()


def test_a_rebuild_from_the_same_rows_in_another_order_is_identical(tmp_path: Path) -> None:
    landing = merger_landing_with_order_sensitive_sums(tmp_path / "landing")
    warehouse = tmp_path / "warehouse"
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    refresh_succeeds(env, tmp_path)
    assert_rebuilt_identically(warehouse, tmp_path / "reordered")

    # GM0120's predecessors are summed in code order, whatever order they arrive in
    numerator = query(
        warehouse / "published" / "ictbench.duckdb",
        "select numerator from marts.indicator_trends where municipality_code = 'GM0120' "
        "and edition = 2019 and indicator_code = 'security_fte_per_100k_inhabitants'",
    )
    assert numerator == [(0.1 + 0.2 + 0.3,)] != [(0.3 + 0.2 + 0.1,)]
