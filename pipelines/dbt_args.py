"""dbt command lines, built in one place (pure, unit-tested).

Which models run is decided by the `@dbt_assets(select=...)` selectors below; dagster-dbt
adds the matching `--select` itself, so the arguments only carry the command and vars.
"""

from __future__ import annotations

import json

EDITION_SELECTOR = "tag:edition"
RELEASE_SELECTOR = "tag:release"


def dbt_build_args(edition: int | None) -> list[str]:
    """`dbt build` for one edition's models (`--vars {"edition": E}`) or the release models."""
    if edition is None:
        return ["build"]
    return ["build", "--vars", json.dumps({"edition": edition}, sort_keys=True)]
