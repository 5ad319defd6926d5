"""What the private build holds, compared with the landing zone (content-addressed editions).

Each edition's built tables carry the fingerprint of what they were built from
(`audit.edition_builds`, see pipelines/warehouse/fingerprints.py). A refresh compares those with
the landing zone: it rebuilds each edition whose fingerprint differs, drops each edition
that is no longer there and always recomputes the release-wide models. `--edition` only
narrows what may be rebuilt; it never decides what is published. The audit before
publication checks the same comparison, so no route (CLI, UI, sensor, schedule) can
publish anything but a clean rebuild of the current landing zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.settings import Settings
from pipelines.warehouse.build_db import connect_build
from pipelines.warehouse.fingerprints import (
    EditionFingerprint,
    code_fingerprint,
    landing_fingerprints,
)
from pipelines.warehouse.raw_tables import AUDIT_SCHEMA, RAW_SCHEMA

# Schemas whose tables hold rows per edition (dbt's intermediate and marts included).
EDITION_SCHEMAS = (RAW_SCHEMA, AUDIT_SCHEMA, "intermediate", "marts")


@dataclass(frozen=True)
class BuiltEdition:
    fingerprint: EditionFingerprint
    modelled: bool


def record_reference(con: duckdb.DuckDBPyConnection, reference_sha256: str) -> None:
    con.execute(f"delete from {AUDIT_SCHEMA}.reference_build")
    con.execute(f"insert into {AUDIT_SCHEMA}.reference_build values (?)", [reference_sha256])


def loaded_reference(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the reference data in raw.cbs_* (None: never loaded)."""
    row = con.execute(f"select reference_sha256 from {AUDIT_SCHEMA}.reference_build").fetchone()
    return str(row[0]) if row else None


def unit_tests_key() -> str:
    """What dbt's unit tests depend on: the code (models, macros, the Python functions
    the SQL calls) and the engines that run it. Their inputs are fixtures in that code."""
    from importlib.metadata import version

    engines = f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, " + (
        f"duckdb {version('duckdb')}"
    )
    return hashlib.sha256(f"{code_fingerprint()}\n{engines}".encode()).hexdigest()


def unit_tests_passed(con: duckdb.DuckDBPyConnection, selection: str, key: str) -> bool:
    """Whether the unit tests of `selection` passed in this build for the code `key`."""
    row = con.execute(
        f"select count(*) from {AUDIT_SCHEMA}.unit_tests_passed "
        "where selection = ? and code_sha256 = ?",
        [selection, key],
    ).fetchone()
    return bool(row and row[0])


def record_unit_tests_passed(con: duckdb.DuckDBPyConnection, selection: str, key: str) -> None:
    con.execute(f"delete from {AUDIT_SCHEMA}.unit_tests_passed where selection = ?", [selection])
    con.execute(f"insert into {AUDIT_SCHEMA}.unit_tests_passed values (?, ?)", [selection, key])


def forget_build(con: duckdb.DuckDBPyConnection, edition: int) -> None:
    """An edition being rebuilt is not built until its models are (a crash leaves it stale)."""
    con.execute(f"delete from {AUDIT_SCHEMA}.edition_builds where edition = ?", [edition])


def record_ingested(
    con: duckdb.DuckDBPyConnection, edition: int, fingerprint: EditionFingerprint
) -> None:
    forget_build(con, edition)
    con.execute(
        f"insert into {AUDIT_SCHEMA}.edition_builds values (?, ?, ?, ?, ?, false)",
        [edition, fingerprint.files, fingerprint.contract, fingerprint.reference, fingerprint.code],
    )


def record_modelled(con: duckdb.DuckDBPyConnection, editions: Sequence[int]) -> None:
    """The dbt models of these editions were built from their recorded ingest."""
    for edition in editions:
        con.execute(
            f"update {AUDIT_SCHEMA}.edition_builds set modelled = true where edition = ?",
            [edition],
        )


def unmodelled_editions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Editions ingested whose checks and models have not finished: what a run rebuilds."""
    rows = con.execute(
        f"select edition from {AUDIT_SCHEMA}.edition_builds where not modelled order by 1"
    ).fetchall()
    return [int(r[0]) for r in rows]


def built_editions(con: duckdb.DuckDBPyConnection) -> dict[int, BuiltEdition]:
    rows = con.execute(
        f"""
        select edition, files_sha256, contract_sha256, reference_sha256, code_sha256, modelled
        from {AUDIT_SCHEMA}.edition_builds
        """
    ).fetchall()
    return {
        int(edition): BuiltEdition(EditionFingerprint(files, contract, ref, code), bool(done))
        for edition, files, contract, ref, code, done in rows
    }


def _edition_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    placeholders = ", ".join("?" for _ in EDITION_SCHEMAS)
    rows = con.execute(
        f"""
        select t.table_schema, t.table_name
        from information_schema.tables as t
        inner join information_schema.columns as c
            on c.table_schema = t.table_schema and c.table_name = t.table_name
        where t.table_type = 'BASE TABLE' and c.column_name = 'edition'
            and t.table_schema in ({placeholders})
        order by 1, 2
        """,
        list(EDITION_SCHEMAS),
    ).fetchall()
    return [f'"{schema}"."{table}"' for schema, table in rows]


def editions_in_build(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Every edition any table of the build still holds rows of."""
    editions: set[int] = set()
    for table in _edition_tables(con):
        editions.update(
            int(r[0])
            for r in con.execute(f"select distinct edition from {table}").fetchall()
            if r[0] is not None
        )
    return editions


def drop_editions(con: duckdb.DuckDBPyConnection, editions: Sequence[int]) -> None:
    """Remove every row of these editions from every table of the build (one transaction)."""
    if not editions:
        return
    tables = _edition_tables(con)
    placeholders = ", ".join("?" for _ in editions)
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(f"delete from {table} where edition in ({placeholders})", list(editions))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


@dataclass
class RefreshPlan:
    """What a refresh will do, decided from the landing zone and the build alone."""

    landing: dict[int, EditionFingerprint]
    rebuild: list[int] = field(default_factory=list)
    up_to_date: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    # Editions that differ from their build but may not be rebuilt (outside --edition).
    refused: dict[int, str] = field(default_factory=dict)
    why: dict[int, str] = field(default_factory=dict)

    @property
    def publishable(self) -> list[int]:
        return sorted(self.landing)


def _stale_reason(
    current: EditionFingerprint, built: BuiltEdition | None, reference_loaded: str | None
) -> str | None:
    """Why an edition's build is not a build of the current landing zone (None: it is)."""
    if built is None:
        return "not built yet"
    if not built.modelled:
        return "its last build did not finish (ingest, checks or models failed or were stopped)"
    differences = current.differences(built.fingerprint)
    if not differences and reference_loaded != current.reference:
        differences = ["the reference data changed"]
    return "; ".join(differences) or None


def open_build_read_only(build_db: Path) -> duckdb.DuckDBPyConnection | None:
    if not build_db.exists():
        return None
    return connect_build(build_db, read_only=True)


def build_snapshot(
    build_db: Path,
) -> tuple[dict[int, BuiltEdition], set[int], str | None]:
    """(built editions, editions with rows in the build, loaded reference fingerprint)."""
    con = open_build_read_only(build_db)
    if con is None:
        return {}, set(), None
    try:
        try:
            return built_editions(con), editions_in_build(con), loaded_reference(con)
        except duckdb.CatalogException:
            # A build made by an older ictbench: nothing in it counts as built.
            return {}, editions_in_build(con), None
    finally:
        con.close()


def plan_refresh(settings: Settings, requested: Sequence[int] | None) -> RefreshPlan:
    """Which editions to rebuild, which are current, which were withdrawn, which refuse."""
    plan = RefreshPlan(landing=landing_fingerprints(settings))
    built, present, reference_loaded = build_snapshot(settings.build_db)
    allowed = set(plan.landing) if requested is None else set(requested)
    for edition, current in sorted(plan.landing.items()):
        reason = _stale_reason(current, built.get(edition), reference_loaded)
        if edition in allowed and (requested is not None or reason is not None):
            plan.rebuild.append(edition)
            plan.why[edition] = reason or "asked for (--edition)"
        elif reason is None:
            plan.up_to_date.append(edition)
        else:
            plan.refused[edition] = reason
    plan.withdrawn = sorted((present | set(built)) - set(plan.landing))
    return plan


def publication_problems(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """Every way the build differs from a clean rebuild of the current landing zone."""
    landing = landing_fingerprints(settings)
    built = built_editions(con)
    reference_loaded = loaded_reference(con)
    problems: list[str] = []
    if not landing:
        problems.append(f"the landing zone {settings.survey_dir} holds no publishable edition")
    for edition, current in sorted(landing.items()):
        reason = _stale_reason(current, built.get(edition), reference_loaded)
        if reason is not None:
            problems.append(
                f"edition {edition} is not built from the current landing zone ({reason}); "
                f"run `ictbench refresh` or `ictbench refresh --edition {edition}`"
            )
    extra = sorted(editions_in_build(con) - set(landing))
    if extra:
        problems.append(
            "the build still holds edition(s) "
            + ", ".join(map(str, extra))
            + " that are no longer in the landing zone"
        )
    return problems
