"""The release is a function of the landing zone (issue 8's invariant).

A seeded generator runs random sequences of what a bureau does to a warehouse over a
year — full and one-edition refreshes, correction files, edited files, withdrawn and
restored editions, changed reference data, a broken file and its fix, a lost build
directory, files that are not read — on the merger fixture. After every refresh:

* if it exits 0, the published release equals, table by table, what a refresh of the
  same landing zone into an empty warehouse publishes;
* if it refuses, the previous release is untouched;
* and it refuses exactly when it must: a broken edition in a full refresh, or a
  one-edition refresh while another edition is not built from the current files.

`ICTBENCH_INVARIANT_SEED` / `ICTBENCH_INVARIANT_STEPS` run other sequences.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.cli.main import main
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("ICTBENCH_INVARIANT_SEED", "20261130"))
STEPS = int(os.environ.get("ICTBENCH_INVARIANT_STEPS", "9"))
ENCODING = "cp1252"


def landing_digest(landing: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in landing.rglob("*")):
        digest.update(str(path.relative_to(landing)).encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def release_tables(warehouse: Path) -> dict[str, object] | None:
    manifest = warehouse / "published" / "release.json"
    if not manifest.exists():
        return None
    data = json.loads(manifest.read_text())
    return {"editions": data["editions"], "tables": data["tables"], "id": data["release_id"]}


def refresh(monkeypatch: pytest.MonkeyPatch, landing: Path, warehouse: Path, *args: str) -> int:
    with monkeypatch.context() as env:
        env.setenv("ICTBENCH_LANDING", str(landing))
        env.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
        env.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        return main(["refresh", "--no-pdf", *args])


def rewrite_row(path: Path, *, submitted: str | None, cost_delta: int, new_name: Path) -> None:
    """Write `new_name`: `path`'s header and first data row, its cost changed (and its
    submission time, for a correction)."""
    lines = path.read_bytes().decode(ENCODING).split("\r\n")
    header = lines[0].split(";")
    row = lines[1].split(";")
    cost = header.index("kosten_personeel")
    row[cost] = str(int(row[cost]) + cost_delta)
    if submitted is not None:
        row[header.index("ingediend_op")] = submitted
    rows = (
        [lines[0], ";".join(row)]
        if submitted is not None
        else [lines[0], ";".join(row), *lines[2:]]
    )
    new_name.write_bytes("\r\n".join(rows).rstrip("\r\n").encode(ENCODING) + b"\r\n")


@dataclass
class World:
    """The landing zone and a model of what each refresh must do."""

    landing: Path
    stash: Path
    rng: random.Random
    dirty: set[int] = field(default_factory=set)
    broken: set[int] = field(default_factory=set)
    # withdrawn edition -> whether it comes back different from its build
    stashed_dirty: dict[int, bool] = field(default_factory=dict)
    counter: int = 0

    def refreshed(self) -> None:
        """A refresh succeeded: everything is built; withdrawn editions left the build."""
        self.dirty.clear()
        self.stashed_dirty = dict.fromkeys(self.stashed_dirty, True)

    def editions(self) -> list[int]:
        return sorted(int(p.name) for p in (self.landing / "survey").iterdir() if p.is_dir())

    def withdrawn(self) -> list[int]:
        return sorted(int(p.name) for p in self.stash.iterdir())

    def pick(self) -> int:
        return self.rng.choice(self.editions())

    def export(self, edition: int) -> Path:
        return self.landing / "survey" / str(edition) / f"export_{edition}.csv"

    # ---------------------------------------------------------------- operations
    def correct(self) -> str:
        edition = self.pick()
        self.counter += 1
        target = self.export(edition).with_name(f"correctie_{self.counter}.csv")
        rewrite_row(
            self.export(edition),
            submitted=f"{edition}-06-{self.counter % 28 + 1:02d} 10:00",
            cost_delta=1000 * self.counter,
            new_name=target,
        )
        self.dirty.add(edition)
        return f"correction file for {edition}"

    def edit(self) -> str:
        edition = self.pick()
        self.counter += 1
        rewrite_row(
            self.export(edition), submitted=None, cost_delta=7, new_name=self.export(edition)
        )
        self.dirty.add(edition)
        return f"edit a value in {edition}"

    def withdraw(self) -> str:
        if len(self.editions()) < 2:
            return self.correct()
        edition = self.pick()
        shutil.move(self.landing / "survey" / str(edition), self.stash / str(edition))
        self.stashed_dirty[edition] = edition in self.dirty
        self.dirty.discard(edition)
        self.broken.discard(edition)  # its broken file leaves with it …
        return f"withdraw {edition}"

    def restore(self) -> str:
        if not self.withdrawn():
            return self.edit()
        edition = self.rng.choice(self.withdrawn())
        shutil.move(self.stash / str(edition), self.landing / "survey" / str(edition))
        if self.stashed_dirty.pop(edition):
            self.dirty.add(edition)
        if (self.landing / "survey" / str(edition) / "kapot.csv").exists():
            self.broken.add(edition)  # … and comes back with it
        return f"restore {edition}"

    def change_reference(self) -> str:
        population = next((self.landing / "reference" / "population").glob("*.csv"))
        lines = population.read_text(encoding="utf-8").splitlines()
        index = self.rng.randrange(1, len(lines))
        fields = lines[index].split(";")
        figure = fields[-1].strip('"')
        if figure.isdigit():
            fields[-1] = f'"{int(figure) + 10}"'
        lines[index] = ";".join(fields)
        population.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.dirty.update(self.editions())
        self.stashed_dirty = dict.fromkeys(self.stashed_dirty, True)
        return "change a population figure"

    def break_file(self) -> str:
        edition = self.pick()
        (self.landing / "survey" / str(edition) / "kapot.csv").write_bytes(
            b"gemeentecode;boekjaar\r\nGM0111;2020\r\n"
        )
        self.dirty.add(edition)
        self.broken.add(edition)
        return f"add an unusable file to {edition}"

    def fix_file(self) -> str:
        if not self.broken:
            return self.break_file()
        edition = self.rng.choice(sorted(self.broken))
        (self.landing / "survey" / str(edition) / "kapot.csv").unlink()
        self.broken.discard(edition)
        self.dirty.add(edition)
        return f"remove the unusable file of {edition}"

    def add_unread(self) -> str:
        edition = self.pick()
        self.counter += 1
        (self.landing / "survey" / str(edition) / f"notities_{self.counter}.xls").write_bytes(b"x")
        self.dirty.add(edition)
        return f"add a file that is not read to {edition}"

    def lose_build(self, warehouse: Path) -> str:
        shutil.rmtree(warehouse / "build", ignore_errors=True)
        self.dirty.update(self.editions())
        self.stashed_dirty = dict.fromkeys(self.stashed_dirty, True)
        return "lose the build directory"


def test_release_always_equals_a_clean_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "merger_landing", landing)
    stash = tmp_path / "withdrawn"
    stash.mkdir()
    warehouse = tmp_path / "warehouse"
    rng = random.Random(SEED)
    world = World(landing, stash, rng)
    clean: dict[str, dict[str, object] | None] = {}

    def clean_rebuild() -> dict[str, object] | None:
        key = landing_digest(landing)
        if key not in clean:
            fresh = tmp_path / f"clean-{len(clean)}"
            code = refresh(monkeypatch, landing, fresh)
            clean[key] = release_tables(fresh) if code == 0 else None
            shutil.rmtree(fresh)
        return clean[key]

    def check(label: str, code: int, must_succeed: bool, before: dict[str, object] | None) -> None:
        out = capsys.readouterr()
        after = release_tables(warehouse)
        history.append(f"{label} -> exit {code}")
        context = "\n".join(history) + "\n" + out.out[-3000:] + out.err[-3000:]
        assert (code == 0) == must_succeed, context
        if code == 0:
            expected = clean_rebuild()
            assert expected is not None, context
            assert after is not None
            assert {k: after[k] for k in ("editions", "tables")} == {
                k: expected[k] for k in ("editions", "tables")
            }, context
        else:
            assert after == before, context

    history: list[str] = [f"seed {SEED}"]
    check("full refresh", refresh(monkeypatch, landing, warehouse), True, None)
    # dbt's unit tests ran in the first refresh, and are not run again for the same code
    assert unit_tests_run(warehouse) == {"edition_models": True, "release_models": True}
    operations: list[Callable[[], str]] = [
        world.correct,
        world.edit,
        world.withdraw,
        world.restore,
        world.change_reference,
        world.break_file,
        world.fix_file,
        world.add_unread,
        lambda: world.lose_build(warehouse),
    ]
    for _ in range(STEPS):
        history.append(rng.choice(operations)())
        before = release_tables(warehouse)
        if rng.random() < 0.5:
            edition = world.pick()
            allowed = world.dirty <= {edition} and edition not in world.broken
            code = refresh(monkeypatch, landing, warehouse, "--edition", str(edition))
            check(f"refresh --edition {edition}", code, allowed, before)
            if code == 0:
                world.refreshed()
        else:
            code = refresh(monkeypatch, landing, warehouse)
            check("full refresh", code, not world.broken, before)
            if code == 0:
                world.refreshed()
    # However it got here, a final full refresh (once nothing is broken) is a clean rebuild.
    while world.broken:
        history.append(world.fix_file())
    before = release_tables(warehouse)
    check("final full refresh", refresh(monkeypatch, landing, warehouse), True, before)
    assert unit_tests_run(warehouse) == {"edition_models": False, "release_models": False}


def unit_tests_run(warehouse: Path) -> dict[str, bool]:
    """Per dbt step of the last refresh: whether its dbt build ran unit tests."""
    ran = {}
    for step in ("edition_models", "release_models"):
        results = json.loads((warehouse / "dbt" / step / "run_results.json").read_text())
        ran[step] = any(r["unique_id"].startswith("unit_test.") for r in results["results"])
    return ran
