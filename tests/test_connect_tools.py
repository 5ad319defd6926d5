"""The README's "Connect a tool", on a real release: SQLAlchemy (duckdb-engine) lists and
reflects every table the way BI tools do, and the doc's examples run as written.

The doc is what is tested. Its convention:
* every ```python block runs as written, each in a fresh interpreter whose working
  directory holds the release's `warehouse/`, and leaves its answer in `rows` (a list of
  tuples) and/or `df` (a pandas or polars DataFrame): the peer benchmark of ICT cost per
  inhabitant, `EXPECTED_SQL` below, with its columns when it has names;
* the ```text block that starts with `duckdb:////` is Superset's SQLAlchemy URI, the
  warehouse written as `DOC_WAREHOUSE`; the one ```json block is its engine parameters;
* a ```bash block that starts with `duckdb ` runs when the DuckDB CLI is on PATH;
* nothing else runs (the PostgreSQL settings need a served release).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from sqlalchemy.types import NullType

from tests.conftest import REPO_ROOT
from tests.shared_releases import small_release

pytestmark = [
    pytest.mark.slow,  # one refresh of the fixture per process
    # duckdb-engine: "doesn't yet support reflection on indices", "Did not recognize type 'list'"
    pytest.mark.filterwarnings("ignore::duckdb_engine.DuckDBEngineWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning"),
]

CONNECT_DOC = REPO_ROOT / "README.md"
CONNECT_SECTION = "## Connect a tool"
DOC_WAREHOUSE = "/srv/ictbench/warehouse"
SCHEMA = "marts"
EXPECTED_SQL = """
    select edition, peer_group, n_participants, median
    from marts.peer_benchmarks
    where indicator_code = 'ict_cost_per_inhabitant'
    order by edition, peer_group
"""
# Columns duckdb-engine 0.17 reflects without a type (a DuckDB list: `format_type` says
# 'list', which SQLAlchemy's PostgreSQL type names do not know); the README says so.
UNTYPED_IN_DUCKDB_ENGINE = {("indicators", "comparability_breaks")}


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # of the opening fence
    code: str


_FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")


def code_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text (fences at the start of a line)."""
    blocks: list[Block] = []
    open_at: int | None = None
    language = ""
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE.match(line)
        if open_at is None:
            if fence:
                open_at, language, lines = number, fence[1].lower(), []
        elif line.strip() == "```":
            blocks.append(Block(language, open_at, "\n".join(lines) + "\n"))
            open_at = None
        else:
            lines.append(line)
    assert open_at is None, f"{CONNECT_DOC.name}: the block opened on line {open_at} never closes"
    return blocks


def section(text: str, heading: str) -> str:
    """The Markdown section under `heading`, up to the next heading of its level."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ")[0]
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start : end if end >= 0 else len(text)]


BLOCKS = code_blocks(section(CONNECT_DOC.read_text(encoding="utf-8"), CONNECT_SECTION))
PYTHON_BLOCKS = [b for b in BLOCKS if b.language == "python"]


# Runs one block in a fresh interpreter, then prints what it left in `rows` / `df` as JSON.
HARNESS = r"""
import json, math, sys

path, label = sys.argv[1], sys.argv[2]
namespace = {"__name__": "__main__"}
with open(path, encoding="utf-8") as handle:
    exec(compile(handle.read(), label, "exec"), namespace)


def plain(value):
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def table(value):
    module = type(value).__module__.split(".")[0]
    if module == "polars":
        return module, list(value.columns), value.rows()
    if module == "pandas":
        return module, list(value.columns), value.astype(object).itertuples(index=False, name=None)
    return module, None, value


answers = {}
for name in ("rows", "df"):
    if name in namespace:
        module, columns, rows = table(namespace[name])
        rows = [[plain(v) for v in row] for row in rows]
        answers[name] = {"module": module, "columns": columns, "rows": rows}
print(json.dumps(answers))
"""


@dataclass(frozen=True)
class ReleaseFacts:
    """The release as DuckDB itself reports it (read before any SQLAlchemy engine opens
    the file: DuckDB opens a file once per configuration in a process)."""

    tables: list[str]
    columns: dict[str, list[str]]
    row_counts: dict[str, int]
    comments: dict[tuple[str, str], str | None]  # (table, column or "") -> comment
    expected_columns: list[str]
    expected_rows: list[list[object]]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_release(tmp_path_factory)


@pytest.fixture(scope="module")
def release_db(warehouse: Path) -> Path:
    return warehouse / "published" / "ictbench.duckdb"


@pytest.fixture(scope="module")
def facts(release_db: Path) -> ReleaseFacts:
    con = duckdb.connect(str(release_db), read_only=True)
    try:
        tables = [
            str(name)
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1",
                [SCHEMA],
            ).fetchall()
        ]
        columns: dict[str, list[str]] = {t: [] for t in tables}
        comments: dict[tuple[str, str], str | None] = {}
        for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = ? order by table_name, column_index",
            [SCHEMA],
        ).fetchall():
            columns[str(table)].append(str(column))
            comments[(str(table), str(column))] = comment
        for table, comment in con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ?", [SCHEMA]
        ).fetchall():
            comments[(str(table), "")] = comment
        row_counts: dict[str, int] = {}
        for table in tables:
            (count,) = con.execute(f'select count(*) from {SCHEMA}."{table}"').fetchall()[0]
            row_counts[table] = int(count)
        result = con.execute(EXPECTED_SQL)
        expected_columns = [d[0] for d in result.description]
        expected_rows = [list(row) for row in result.fetchall()]
    finally:
        con.close()
    return ReleaseFacts(tables, columns, row_counts, comments, expected_columns, expected_rows)


@pytest.fixture(scope="module")
def engine(release_db: Path, facts: ReleaseFacts) -> Iterator[sa.Engine]:
    """As the README's "Connect a tool" says: the file's path after `duckdb:///`, read-only."""
    engine = sa.create_engine(f"duckdb:///{release_db}", connect_args={"read_only": True})
    yield engine
    engine.dispose()


def test_the_release_and_the_expected_answer_are_not_trivial(
    warehouse: Path, facts: ReleaseFacts
) -> None:
    manifest = json.loads((warehouse / "published" / "release.json").read_text(encoding="utf-8"))
    assert facts.tables == sorted(manifest["tables"])
    assert {"indicator_values", "peer_benchmarks", "indicators", "peer_groups"} <= set(facts.tables)
    assert facts.expected_columns == ["edition", "peer_group", "n_participants", "median"]
    assert len(facts.expected_rows) >= 3
    # a suppressed statistic (NULL) is among them: NaN/None must round-trip in every tool
    assert any(row[3] is None for row in facts.expected_rows)


def test_bi_tools_list_every_table_of_the_release(engine: sa.Engine, facts: ReleaseFacts) -> None:
    inspector = sa.inspect(engine)
    assert sorted(inspector.get_table_names(schema=SCHEMA)) == facts.tables
    # A schema browser lists DuckDB's catalog-qualified name; it names the same tables.
    assert "ictbench.marts" in inspector.get_schema_names()
    assert sorted(inspector.get_table_names(schema="ictbench.marts")) == facts.tables


def test_every_column_is_reflected_with_a_type(engine: sa.Engine, facts: ReleaseFacts) -> None:
    inspector = sa.inspect(engine)
    untyped: set[tuple[str, str]] = set()
    for table in facts.tables:
        reflected = inspector.get_columns(table, schema=SCHEMA)
        assert [c["name"] for c in reflected] == facts.columns[table], table
        untyped |= {(table, c["name"]) for c in reflected if isinstance(c["type"], NullType)}
        autoloaded = sa.Table(table, sa.MetaData(), schema=SCHEMA, autoload_with=engine)
        assert [c.name for c in autoloaded.columns] == facts.columns[table], table
    # Exactly the known exception: a new untyped column fails here, and so does the fix
    # of the known one (then drop it from the set and from the README's "Connect a tool").
    assert untyped == UNTYPED_IN_DUCKDB_ENGINE


def test_bi_tools_see_the_descriptions(engine: sa.Engine, facts: ReleaseFacts) -> None:
    """The comments a BI tool shows are the release's own, table and column."""
    inspector = sa.inspect(engine)
    seen: dict[tuple[str, str], str | None] = {}
    for table in facts.tables:
        seen[(table, "")] = inspector.get_table_comment(table, schema=SCHEMA)["text"]
        for column in inspector.get_columns(table, schema=SCHEMA):
            seen[(table, column["name"])] = column["comment"]
    assert seen == facts.comments
    assert any(seen.values())  # the release has descriptions to pass on


def test_rows_come_through_sqlalchemy(engine: sa.Engine, facts: ReleaseFacts) -> None:
    metadata = sa.MetaData()
    with engine.connect() as conn:
        for table in facts.tables:
            reflected = sa.Table(table, metadata, schema=SCHEMA, autoload_with=conn)
            count = conn.execute(sa.select(sa.func.count()).select_from(reflected)).scalar_one()
            assert count == facts.row_counts[table], table
            sample = conn.execute(sa.select(reflected).limit(3)).fetchall()
            assert len(sample) == min(3, facts.row_counts[table]), table
        rows = conn.execute(sa.text(EXPECTED_SQL)).fetchall()
    assert [list(r) for r in rows] == facts.expected_rows


def test_the_doc_follows_its_convention() -> None:
    languages = {b.language for b in BLOCKS}
    assert {"python", "bash", "json", "text"} <= languages
    assert len(PYTHON_BLOCKS) >= 6  # duckdb, pandas ×2, polars ×2, SQLAlchemy
    code = "".join(b.code for b in PYTHON_BLOCKS)
    for needle in ("read_only=True", '"read_only": True', ".df()", "pl.read_parquet"):
        assert needle in code, needle
    assert "pl.read_database" in code and "pd.read_parquet" in code


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: f"line{b.line}")
def test_python_example_runs_as_written(
    block: Block, warehouse: Path, facts: ReleaseFacts, tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.code, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-c", HARNESS, str(script), f"{CONNECT_DOC.name}:{block.line}"],
        cwd=warehouse.parent,  # the examples' `warehouse/...`
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    answers = json.loads(completed.stdout.strip().splitlines()[-1])
    assert answers, f"line {block.line}: the example leaves no `rows` or `df`"
    for name, answer in answers.items():
        assert answer["rows"] == facts.expected_rows, (block.line, name)
        if answer["columns"] is not None:
            assert answer["columns"] == facts.expected_columns, (block.line, name)


def test_superset_settings_reflect_the_release(
    release_db: Path, facts: ReleaseFacts, engine: sa.Engine
) -> None:
    (uri,) = [
        line.strip()
        for b in BLOCKS
        if b.language == "text"
        for line in b.code.splitlines()
        if line.startswith("duckdb:////")
    ]
    (params,) = [json.loads(b.code) for b in BLOCKS if b.language == "json"]
    assert params == {"connect_args": {"read_only": True}}
    assert uri.startswith(f"duckdb:///{DOC_WAREHOUSE}/")
    published = release_db.parent.parent  # the warehouse, through the `published` link
    real_uri = uri.replace(DOC_WAREHOUSE, str(published), 1)
    engine.dispose()  # one configuration per file and process (as the doc says)
    superset = sa.create_engine(real_uri, **params)
    try:
        inspector = sa.inspect(superset)
        assert sorted(inspector.get_table_names(schema=SCHEMA)) == facts.tables
        assert [c["name"] for c in inspector.get_columns("peer_groups", schema=SCHEMA)] == (
            facts.columns["peer_groups"]
        )
    finally:
        superset.dispose()


# The dev dependency duckdb-cli installs it beside this interpreter.
DUCKDB_CLI = str(Path(sys.executable).parent / "duckdb")


def test_duckdb_cli_example_runs_as_written(warehouse: Path, facts: ReleaseFacts) -> None:
    commands = [b for b in BLOCKS if b.language == "bash" and b.code.startswith("duckdb ")]
    assert commands
    for block in commands:
        completed = subprocess.run(
            ["bash", "-c", block.code.replace("duckdb ", f"{DUCKDB_CLI} -csv ", 1)],
            cwd=warehouse.parent,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        lines = completed.stdout.strip().splitlines()
        assert lines[0].split(",") == facts.expected_columns
        assert len(lines) - 1 == len(facts.expected_rows)
