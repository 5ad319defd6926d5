"""dbt command lines, built in one place (pure, unit-tested)."""

from __future__ import annotations

import json

EDITION_SELECTOR = "tag:edition"
RELEASE_SELECTOR = "tag:release"


def dbt_build_args(edition: int | None) -> list[str]:
    """`dbt build` for one edition's models (with `--vars`) or for the release models."""
    if edition is None:
        return ["build", "--select", RELEASE_SELECTOR]
    return [
        "build",
        "--select",
        EDITION_SELECTOR,
        "--vars",
        json.dumps({"edition": edition}, sort_keys=True),
    ]
