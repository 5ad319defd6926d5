"""`ictbench status`: per edition what was loaded, rejected, flagged and published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.release import current_release
from pipelines.settings import Settings


@dataclass(frozen=True)
class EditionStatus:
    edition: int
    rows_in: int
    loaded: int
    superseded: int
    rejected_rows: int
    empty: int
    rejections: int
    findings: int | None


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = ?",
        [table],
    ).fetchone()
    return bool(row and row[0])


def edition_status(published_db: Path) -> list[EditionStatus]:
    """Counts per edition from the published release (empty when nothing is published)."""
    if not published_db.exists():
        return []
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        findings: dict[int, int] = {}
        has_findings = _has_table(con, "plausibility_findings")
        if has_findings:
            findings = dict(
                con.execute(
                    "select edition, count(*) from marts.plausibility_findings group by 1"
                ).fetchall()
            )
        rejections = dict(
            con.execute("select edition, count(*) from marts.rejected_rows group by 1").fetchall()
        )
        rows = con.execute(
            """
            select edition, count(*),
                count(*) filter (where status = 'loaded'),
                count(*) filter (where status = 'superseded'),
                count(*) filter (where status = 'rejected'),
                count(*) filter (where status = 'empty')
            from marts.submissions group by 1 order by 1
            """
        ).fetchall()
    finally:
        con.close()
    return [
        EditionStatus(
            edition=int(e),
            rows_in=int(n),
            loaded=int(loaded),
            superseded=int(sup),
            rejected_rows=int(rej),
            empty=int(empty),
            rejections=int(rejections.get(e, 0)),
            findings=int(findings.get(e, 0)) if has_findings else None,
        )
        for e, n, loaded, sup, rej, empty in rows
    ]


def _build_only(settings: Settings, published: set[int]) -> list[str]:
    """Editions in the private build that are not in the published release, and why."""
    if not settings.build_db.exists():
        return []
    try:
        con = duckdb.connect(str(settings.build_db), read_only=True)
    except duckdb.IOException:
        return ["(the build database is in use: a refresh is running)"]
    try:
        editions = [
            int(r[0])
            for r in con.execute(
                "select distinct edition from raw.survey_source_files order by 1"
            ).fetchall()
        ]
        failed = con.execute(
            "select edition, check_name, detail from audit.edition_checks where not passed"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    lines = []
    for edition in editions:
        if edition in published:
            continue
        reasons = [f"{name}: {detail}" for e, name, detail in failed if e == edition]
        why = "; ".join(reasons) if reasons else "built, not yet published"
        lines.append(f"edition {edition}: not published ({why})")
    return lines


def print_status(settings: Settings, say: Callable[[str], None]) -> int:
    release = current_release(settings.warehouse)
    if release is None:
        say(f"nothing published yet under {settings.published_dir}")
    else:
        say(f"published release {release['release_id']} at {settings.published_db}")
        say(f"  created {release.get('created_at', '?')}")
    rows = edition_status(settings.published_db)
    if rows:
        say("\nedition  rows in  loaded  superseded  rejected  empty  rejections  findings")
        for r in rows:
            findings = "-" if r.findings is None else str(r.findings)
            say(
                f"{r.edition:>7}  {r.rows_in:>7}  {r.loaded:>6}  {r.superseded:>10}  "
                f"{r.rejected_rows:>8}  {r.empty:>5}  {r.rejections:>10}  {findings:>8}"
            )
    for line in _build_only(settings, {r.edition for r in rows}):
        say(line)
    return 0
