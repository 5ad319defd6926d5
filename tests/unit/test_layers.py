"""The layers of docs/architecture.md, as the imports say: no import runs back up."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"

# layer → the ictbench layers it may import (besides itself and `settings`)
ALLOWED = {
    "core": set(),
    "warehouse": {"core"},
    "reporting": {"core", "warehouse"},
    "orchestration": {"core", "warehouse", "reporting"},
    "cli": {"core", "warehouse", "reporting", "orchestration"},
}


def _imported_layers(path: Path) -> set[str]:
    layers: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "pipelines" and len(parts) > 1:
                layers.add(parts[1])
    return layers


def test_every_module_sits_in_a_layer_folder() -> None:
    loose = sorted(p.name for p in PIPELINES.glob("*.py") if p.name != "__init__.py")
    assert loose == ["settings.py"]
    assert {p.name for p in PIPELINES.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        ALLOWED
    )


def test_no_import_runs_back_up() -> None:
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((PIPELINES / layer).rglob("*.py")):
            for imported in _imported_layers(path) - allowed - {layer, "settings"}:
                wrong.append(f"{path.relative_to(PIPELINES)} imports pipelines.{imported}")
    assert not wrong
