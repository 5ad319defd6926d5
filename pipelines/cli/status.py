"""`ictbench status`: per edition what was loaded, rejected, flagged and published."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.survey_reader import Rejection
from pipelines.settings import Settings
from pipelines.warehouse.raw_tables import has_table
from pipelines.warehouse.release import current_release


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
    not_read: int = 0
    warnings: int = 0
    no_population: int = 0


def edition_status(published_db: Path) -> list[EditionStatus]:
    """Counts per edition from the published release (empty when nothing is published)."""
    if not published_db.exists():
        return []
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        # edition -> (findings, of which NO_POPULATION)
        findings: dict[int, tuple[int, int]] = {}
        has_findings = has_table(con, "marts", "plausibility_findings")
        if has_findings:
            findings = {
                int(e): (int(n), int(no_population))
                for e, n, no_population in con.execute(
                    "select edition, count(*), "
                    "count(*) filter (where finding_code = 'NO_POPULATION') "
                    "from marts.plausibility_findings group by 1"
                ).fetchall()
            }
        rejections = dict(
            con.execute("select edition, count(*) from marts.rejected_rows group by 1").fetchall()
        )
        notices: dict[tuple[int, str], int] = {}
        if has_table(con, "marts", "file_notices"):
            notices = {
                (int(e), str(k)): int(n)
                for e, k, n in con.execute(
                    "select edition, notice_kind, count(*) from marts.file_notices group by all"
                ).fetchall()
            }
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
            findings=findings.get(e, (0, 0))[0] if has_findings else None,
            not_read=notices.get((e, "not_read"), 0) + notices.get((e, "refused"), 0),
            warnings=notices.get((e, "warning"), 0),
            no_population=findings.get(e, (0, 0))[1],
        )
        for e, n, loaded, sup, rej, empty in rows
    ]


# Per edition, how many rejections the CLI lists one by one (the rest: marts.rejected_rows).
LISTED_REJECTIONS = 10


def notice_lines(
    con: duckdb.DuckDBPyConnection, *, release: bool, editions: Sequence[int] | None = None
) -> list[str]:
    """What was not read, refused, warned about or rejected, per edition, as lines.

    `release`: read the published marts; otherwise the build's raw tables (a blocked
    refresh shows what it found)."""
    notices_table = "marts.file_notices" if release else "raw.survey_file_notices"
    rejections_table = "marts.rejected_rows" if release else "raw.survey_rejections"
    lines: list[str] = []
    only = "($editions is null or list_contains($editions, edition))"
    chosen = {"editions": None if editions is None else [int(e) for e in editions]}
    try:
        notices = con.execute(
            f"select edition, source_file, notice_kind, message from {notices_table} "
            f"where {only} order by edition, source_file, message",
            chosen,
        ).fetchall()
        rejections = con.execute(
            f"""
            select edition, source_file, source_row, column_name, raw_value, reason,
                count(*) over (partition by edition) as n,
                row_number() over (
                    partition by edition order by source_file, source_row nulls first,
                    column_name, reason
                ) as i
            from {rejections_table}
            where {only}
            qualify i <= {LISTED_REJECTIONS}
            order by edition, i
            """,
            chosen,
        ).fetchall()
    except duckdb.CatalogException:
        return lines
    labels = {"not_read": "not read", "refused": "refused", "warning": "warning"}
    for edition, source_file, kind, message in notices:
        text = message if message.startswith(f"{source_file}:") else f"{source_file}: {message}"
        lines.append(f"edition {edition}: {labels.get(kind, kind)}: {text}")
    for edition, file, row, column, raw, reason, n, i in rejections:
        rejection = Rejection(file, row, column, raw, reason)
        lines.append(f"edition {edition}: rejected: {rejection.describe()}")
        if i == LISTED_REJECTIONS and n > LISTED_REJECTIONS:
            lines.append(
                f"edition {edition}: … and {n - LISTED_REJECTIONS} more rejections "
                f"(select * from {rejections_table} where edition = {edition})"
            )
    return lines


def release_lines(published_db: Path, rows: Sequence[EditionStatus] | None = None) -> list[str]:
    """Per edition of the release: a table of counts, then what was not read, refused,
    warned about or rejected (what `refresh` ends with and `status` shows)."""
    rows = edition_status(published_db) if rows is None else rows
    if not rows:
        return []
    lines = [
        "\nedition  rows in  loaded  superseded  rejected  empty  rejections  findings"
        "  no population  not read  warnings"
    ]
    for r in rows:
        findings = "-" if r.findings is None else str(r.findings)
        lines.append(
            f"{r.edition:>7}  {r.rows_in:>7}  {r.loaded:>6}  {r.superseded:>10}  "
            f"{r.rejected_rows:>8}  {r.empty:>5}  {r.rejections:>10}  {findings:>8}"
            f"  {r.no_population:>13}  {r.not_read:>8}  {r.warnings:>8}"
        )
    return lines + published_notice_lines(published_db)


def published_notice_lines(published_db: Path) -> list[str]:
    if not published_db.exists():
        return []
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        return notice_lines(con, release=True)
    finally:
        con.close()


def build_notice_lines(build_db: Path, editions: Sequence[int] | None = None) -> list[str]:
    """What the private build found (for a refresh that was blocked)."""
    if not build_db.exists():
        return []
    try:
        con = duckdb.connect(str(build_db), read_only=True)
    except duckdb.Error:
        return []
    try:
        return notice_lines(con, release=False, editions=editions)
    finally:
        con.close()


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
    for line in release_lines(settings.published_db, rows):
        say(line)
    for line in _build_only(settings, {r.edition for r in rows}):
        say(line)
    return 0
