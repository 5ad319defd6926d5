"""Write-audit-publish: turn the private build database into a published release.

A release is a directory `releases/<release_id>/` holding `ictbench.duckdb` (schema
`marts`), `parquet/<table>.parquet`, `excel/ictbench_<edition>.xlsx`, `docs/index.html`
(the data dictionary) and `release.json`. Every table keeps what its dbt contract declares
(types, NOT NULL, primary and unique keys) and its descriptions as comments; the Parquet
files carry the descriptions as Arrow field metadata and NOT NULL as required fields.

`published` is a symlink to the current release and is swapped with one `rename(2)`, so a
reader sees the old release or the new one and never a mix. Files of a release are
read-only (0444) and never written after the swap: a reader holding
`published/ictbench.duckdb` open keeps reading the file it opened, even after later
refreshes (on POSIX an unlinked file lives on while it is open).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from pipelines.settings import DB_FILE, PUBLISHED_LINK, RELEASES_FOLDER
from pipelines.warehouse.table_definitions import (
    TableDefinition,
    TableDescription,
    described,
    read_table_definitions,
    sql_identifier,
    sql_string,
)

PUBLISHED_SCHEMA = "marts"
RELEASE_MANIFEST = "release.json"
DATA_DICTIONARY = Path("docs") / "index.html"
READ_ONLY = 0o444
# The oldest DuckDB that reads a release (README, "Connect a tool"): DuckDB 1.1 reads the
# primary-key indexes; pinned so that a newer DuckDB here never raises it silently.
STORAGE_COMPATIBILITY = "v1.1.0"


# Writes files derived from the release's tables (`con`: the new release database, schema
# marts) into the folder it is given, e.g. the Excel workbooks (pipelines/reporting).
ReleaseWriter = Callable[[duckdb.DuckDBPyConnection, Path], object]


class PublishError(RuntimeError):
    """Publication refused; the previous release stays in place."""


@dataclass(frozen=True)
class TableSummary:
    rows: int
    content_sha256: str


@dataclass(frozen=True)
class Release:
    release_id: str
    path: Path
    tables: dict[str, TableSummary]
    editions: list[int]

    def manifest(self) -> dict[str, object]:
        return {
            "release_id": self.release_id,
            "editions": self.editions,
            "tables": {name: asdict(summary) for name, summary in self.tables.items()},
        }


def table_content_hash(con: duckdb.DuckDBPyConnection, qualified_table: str) -> TableSummary:
    """An order-independent fingerprint of a table's contents (rows as text, sorted)."""
    rows, digest = con.execute(
        f"""
        with row_hashes as (select sha256(cast(t as varchar)) as h from {qualified_table} as t)
        select count(*), coalesce(sha256(string_agg(h, '' order by h)), sha256(''))
        from row_hashes
        """
    ).fetchone() or (0, "")
    return TableSummary(rows=int(rows), content_sha256=str(digest))


def list_tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    rows = con.execute(
        """
        select table_name from information_schema.tables
        where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [catalog, schema],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _copy_table(con: duckdb.DuckDBPyConnection, definition: TableDefinition) -> str:
    """Create the table as its contract declares it, fill it in a fixed order (the file
    is then reproducible, not only its contents) and carry its descriptions along."""
    target = f"{PUBLISHED_SCHEMA}.{sql_identifier(definition.name)}"
    con.execute(definition.create_statement(target))
    columns = ", ".join(map(sql_identifier, definition.column_names))
    con.execute(
        f"insert into {target} ({columns}) select {columns} from build.{target} order by all"
    )
    for statement in definition.comment_statements(target):
        con.execute(statement)
    return target


def arrow_schema(definition: TableDefinition, schema: pa.Schema) -> pa.Schema:
    """The Arrow schema of a table's rows with its descriptions (field and schema
    metadata `description`) and its NOT NULLs (required fields)."""
    fields = []
    for field in schema:
        column = definition.column(field.name)
        metadata = {"description": column.description} if column.description else None
        fields.append(pa.field(field.name, field.type, column.nullable, metadata))
    table_metadata = {"description": definition.description} if definition.description else None
    return pa.schema(fields, metadata=table_metadata)


def write_parquet(
    con: duckdb.DuckDBPyConnection, definition: TableDefinition, target: str, path: Path
) -> None:
    rows = con.execute(f"select * from {target} order by all").fetch_arrow_table()
    rows = rows.cast(arrow_schema(definition, rows.schema))
    pq.write_table(rows, path, compression="zstd")


def _new_release_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


def build_release(
    build_db: Path,
    releases_dir: Path,
    data_dictionary: Path | None = None,
    writers: Mapping[str, ReleaseWriter] | None = None,
    descriptions: Mapping[str, TableDescription] | None = None,
) -> Release:
    """Copy every table of the build's `marts` schema into a new, complete release dir,
    with its Parquet copies, the data dictionary (dbt docs' static page) and what each
    writer makes of the tables in a folder of its own (`writers`: folder name → writer).
    `descriptions` (dbt's, by table) become the tables' and columns' comments; without
    them the build's own comments are carried over."""
    release_id = _new_release_id()
    partial = releases_dir / f".{release_id}.partial"
    partial.mkdir(parents=True)
    (partial / "parquet").mkdir()
    con = duckdb.connect(
        str(partial / DB_FILE), config={"storage_compatibility_version": STORAGE_COMPATIBILITY}
    )
    try:
        con.execute(f"attach {sql_string(str(build_db))} as build (read_only)")
        definitions = [
            described(d, descriptions[d.name]) if descriptions and d.name in descriptions else d
            for d in read_table_definitions(con, "build", PUBLISHED_SCHEMA)
        ]
        if not definitions:
            raise PublishError(f"the build database {build_db} has no tables in schema marts")
        con.execute(f"create schema {PUBLISHED_SCHEMA}")
        summaries: dict[str, TableSummary] = {}
        for definition in definitions:
            target = _copy_table(con, definition)
            write_parquet(
                con, definition, target, partial / "parquet" / f"{definition.name}.parquet"
            )
            summaries[definition.name] = table_content_hash(con, target)
        tables = list(summaries)
        editions: list[int] = []
        if "indicator_values" in tables:
            editions = [
                int(r[0])
                for r in con.execute(
                    f"select distinct edition from {PUBLISHED_SCHEMA}.indicator_values order by 1"
                ).fetchall()
            ]
        con.execute("detach build")
        con.execute("checkpoint")
        for folder, write in (writers or {}).items():
            write(con, partial / folder)
    except Exception:
        con.close()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    con.close()
    release = Release(release_id, releases_dir / release_id, summaries, editions)
    manifest = release.manifest() | {"created_at": datetime.now(UTC).isoformat()}
    (partial / RELEASE_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    if data_dictionary is not None:
        (partial / DATA_DICTIONARY).parent.mkdir()
        shutil.copyfile(data_dictionary, partial / DATA_DICTIONARY)
    _seal_tree(partial)
    os.rename(partial, release.path)
    return release


def _seal_tree(directory: Path) -> None:
    """Make every file read-only (a BI tool opening the DuckDB file read-write cannot
    change or lock the release) and durable before the release becomes visible."""
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            path.chmod(READ_ONLY)
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def activate_release(warehouse: Path, release: Release) -> None:
    """Point `published` at the release in one atomic rename."""
    published = warehouse / PUBLISHED_LINK
    if published.exists() and not published.is_symlink():
        # A plain directory (e.g. made by hand) cannot be swapped atomically: keep it aside.
        published.rename(warehouse / RELEASES_FOLDER / f"legacy-{_new_release_id()}")
    link = warehouse / f".published-{release.release_id}"
    os.symlink(Path(RELEASES_FOLDER) / release.release_id, link)
    os.replace(link, published)
    directory_fd = os.open(warehouse, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def current_release(warehouse: Path) -> dict[str, object] | None:
    manifest = warehouse / PUBLISHED_LINK / RELEASE_MANIFEST
    if not manifest.exists():
        return None
    data: dict[str, object] = json.loads(manifest.read_text())
    return data


def prune_releases(warehouse: Path, keep: int = 3) -> list[Path]:
    """Delete old releases, always keeping the published one and the newest `keep`."""
    releases_dir = warehouse / RELEASES_FOLDER
    published = (warehouse / PUBLISHED_LINK).resolve()
    candidates = sorted(
        (p for p in releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    removed: list[Path] = []
    for path in candidates[:-keep] if keep else candidates:
        if path.resolve() != published:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    # Leftovers of a publication that crashed half-way are never visible: clean them up.
    for partial in releases_dir.glob(".*.partial"):
        shutil.rmtree(partial, ignore_errors=True)
    for link in warehouse.glob(".published-*"):
        link.unlink(missing_ok=True)
    return removed


def publish(
    build_db: Path,
    warehouse: Path,
    keep: int = 3,
    data_dictionary: Path | None = None,
    writers: Mapping[str, ReleaseWriter] | None = None,
    descriptions: Mapping[str, TableDescription] | None = None,
) -> Release:
    """Build a complete release from the build database, then make it the published one."""
    releases_dir = warehouse / RELEASES_FOLDER
    releases_dir.mkdir(parents=True, exist_ok=True)
    release = build_release(build_db, releases_dir, data_dictionary, writers, descriptions)
    activate_release(warehouse, release)
    prune_releases(warehouse, keep=keep)
    return release
