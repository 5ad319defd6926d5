"""The indicator definitions, read from their single source: `vars.indicators` in
`dbt_project/dbt_project.yml` (the same YAML the dbt models are generated from)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import DBT_PROJECT_DIR


@dataclass(frozen=True)
class Indicator:
    code: str
    label_nl: str
    label_en: str
    unit: str
    unit_nl: str
    definition: str
    numerator: str
    denominator: str
    scale: float
    kind: str
    first_edition: int
    comparability_breaks: tuple[int, ...]
    comparability_note: str | None


@cache
def load_indicators(project_dir: Path = DBT_PROJECT_DIR) -> tuple[Indicator, ...]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return tuple(
        Indicator(
            code=str(item["code"]),
            label_nl=str(item["label_nl"]),
            label_en=str(item["label_en"]),
            unit=str(item["unit"]),
            unit_nl=str(item["unit_nl"]),
            definition=str(item["definition"]),
            numerator=str(item["numerator"]),
            denominator=str(item["denominator"]),
            scale=float(item["scale"]),
            kind=str(item["kind"]),
            first_edition=int(item["first_edition"]),
            comparability_breaks=tuple(int(e) for e in item.get("comparability_breaks") or ()),
            comparability_note=item.get("comparability_note"),
        )
        for item in project["vars"]["indicators"]
    )


def indicator(code: str) -> Indicator:
    for candidate in load_indicators():
        if candidate.code == code:
            return candidate
    raise KeyError(f"unknown indicator {code!r}")
