"""`ictbench publish-postgres`: send the current release to PostgreSQL again.

What a refresh's `postgres_release` step does, on its own: under the warehouse's lock
(a refresh running meanwhile is waited for by nobody: this refuses, exit 3), the release
`published/` points to is served as PostgreSQL's schema `marts`
(pipelines/warehouse/postgres.py). Exit 0 when PostgreSQL serves it, 2 when there is
nothing to send or nowhere to send it, 1 when PostgreSQL refused or was unreachable.
The URL's password is never printed.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.settings import POSTGRES_URL_VAR, Settings
from pipelines.warehouse.lock import RefreshLockedError, refresh_lock
from pipelines.warehouse.postgres import (
    NothingPublishedError,
    PostgresPublication,
    PostgresPublishError,
    parse_target,
    publish_to_postgres,
    published_release_files,
)

Say = Callable[[str], None]
NOT_UPDATED = "  (PostgreSQL was not updated; the DuckDB release is unchanged)"


def publish_postgres(settings: Settings, say: Say, err: Say) -> int:
    url = settings.postgres_url
    if not url:
        err(
            f"ictbench: PostgreSQL is not configured: set {POSTGRES_URL_VAR} "
            "(e.g. postgresql://user:password@host:5432/dbname)"
        )
        return 2
    try:
        target = parse_target(url)
        published_release_files(settings.warehouse)  # before the lock creates anything
    except PostgresPublishError as exc:
        err(f"ictbench: {exc}")
        return 2
    try:
        with refresh_lock(settings.lock_file, holder="ictbench publish-postgres"):
            release = published_release_files(settings.warehouse)
            say(f"ictbench publish-postgres: release {release.release_id} → PostgreSQL {target}")
            publication = publish_to_postgres(
                url, release.database, release.release_id, settings.postgres_reader_role
            )
    except RefreshLockedError as exc:
        err(f"ictbench: {exc}")
        err(NOT_UPDATED)
        return 3
    except NothingPublishedError as exc:
        err(f"ictbench: {exc}")
        return 2
    except PostgresPublishError as exc:
        err(f"ictbench: PostgreSQL was not updated: {exc}")
        return 1
    _report(publication, say, err)
    return 0


def _report(publication: PostgresPublication, say: Say, err: Say) -> None:
    for warning in publication.warnings:
        err(f"ictbench: warning: {warning}")
    say(
        f"  serves release {publication.release_id} in schema marts: "
        f"{len(publication.tables)} tables, {publication.rows} rows, "
        f"{publication.seconds:.1f} s"
    )
    created = " (created, NOLOGIN)" if publication.created_reader_role else ""
    say(f"  reader role {publication.reader_role}{created}: USAGE on marts, SELECT on its tables")
