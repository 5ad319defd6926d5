"""The audit of write-audit-publish: what must hold before a build may be published."""

from __future__ import annotations

import duckdb

from pipelines.warehouse.raw_tables import has_table


def audit_build(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return every reason the build must not be published (empty list: publishable)."""
    problems: list[str] = []
    editions = [
        int(r[0])
        for r in con.execute(
            "select distinct edition from raw.survey_source_files order by 1"
        ).fetchall()
    ]
    if not editions:
        return ["no survey edition has been loaded into the build"]

    for edition, check_name, detail in con.execute(
        """
        select edition, check_name, coalesce(detail, '')
        from audit.edition_checks where not passed order by edition, check_name
        """
    ).fetchall():
        problems.append(f"edition {edition}: blocking check {check_name} failed: {detail}")
    checked = {
        int(r[0])
        for r in con.execute("select distinct edition from audit.edition_checks").fetchall()
    }
    problems.extend(
        f"edition {e}: its blocking checks have not run" for e in editions if e not in checked
    )

    # Nothing is lost: every data row of every file is accounted for exactly once.
    problems.extend(
        f"edition {edition}: {source_file} has {n_rows} data rows but {accounted} are "
        "accounted for as loaded, superseded, rejected or empty"
        for edition, source_file, n_rows, accounted in unaccounted_rows(con)
    )

    built = (
        {
            int(r[0])
            for r in con.execute("select distinct edition from marts.submissions").fetchall()
        }
        if has_table(con, "marts", "submissions")
        else set()
    )
    problems.extend(
        f"edition {e}: the marts were not built for it" for e in editions if e not in built
    )
    return problems


def unaccounted_rows(
    con: duckdb.DuckDBPyConnection, edition: int | None = None
) -> list[tuple[int, str, int, int]]:
    """The one rule "rows add up": every data row of every file (usable or not) is in
    raw.survey_submissions exactly once, as loaded, superseded, rejected or empty.
    Returns (edition, file, data rows, rows accounted for) for each file where it fails."""
    rows = con.execute(
        """
        select f.edition, f.source_file, f.n_rows, count(s.source_row)
        from raw.survey_source_files as f
        left join raw.survey_submissions as s
            on s.edition = f.edition and s.source_file = f.source_file
        where ? is null or f.edition = ?
        group by all
        having f.n_rows <> count(s.source_row)
        order by 1, 2
        """,
        [edition, edition],
    ).fetchall()
    return [(int(e), str(f), int(n), int(a)) for e, f, n, a in rows]
