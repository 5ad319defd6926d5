"""dbt command lines, built in one place (pure, unit-tested).

Which models run is decided by the `@dbt_assets(select=...)` selectors below; dagster-dbt
adds the matching `--select` itself, so the arguments only carry the command and vars.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

EDITION_SELECTOR = "tag:edition"
RELEASE_SELECTOR = "tag:release"


def dbt_build_args(editions: Sequence[int] | None) -> list[str]:
    """`dbt build` for some editions' models (`--vars {"editions": [...]}`) or, with
    None, for the release models (which read every edition)."""
    if editions is None:
        return ["build"]
    if not editions:
        raise ValueError("no edition to build")
    chosen = sorted({int(e) for e in editions})
    return ["build", "--vars", json.dumps({"editions": chosen})]
