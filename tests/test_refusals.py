"""Every refusal of `ictbench refresh` names its cause, and the previous release stays.

Run in-process through the CLI's `main` (the same code path as the command, without a
new interpreter per case); the warehouse, dbt and DuckDB are real. Full-disk and
read-only warehouses are real file systems (tmpfs, remounted read-only).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.cli.main import main
from tests.conftest import FIXTURES
from tests.db import query

pytestmark = pytest.mark.slow


def refresh(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    landing: Path,
    warehouse: Path,
    *args: str,
) -> tuple[int, str, str]:
    with monkeypatch.context() as env:
        env.setenv("ICTBENCH_LANDING", str(landing))
        env.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
        env.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        code = main(["refresh", "--no-pdf", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def release_id(warehouse: Path) -> str | None:
    manifest = warehouse / "published" / "release.json"
    return str(json.loads(manifest.read_text())["release_id"]) if manifest.exists() else None


def published_editions(warehouse: Path) -> list[int]:
    rows = query(
        warehouse / "published" / "ictbench.duckdb",
        "select distinct edition from marts.submissions order by 1",
    )
    return [int(str(r[0])) for r in rows]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The merger fixture (editions 2019-2021), refreshed once; tests work on copies."""
    base = tmp_path_factory.mktemp("built")
    landing = base / "landing"
    shutil.copytree(FIXTURES / "merger_landing", landing)
    warehouse = base / "warehouse"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ICTBENCH_LANDING", str(landing))
        monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
        monkeypatch.setenv("DAGSTER_HOME", str(warehouse / "dagster"))
        assert main(["refresh", "--no-pdf"]) == 0
    yield landing, warehouse


@pytest.fixture
def copy(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    landing, warehouse = built
    shutil.copytree(landing, tmp_path / "landing")
    shutil.copytree(warehouse, tmp_path / "warehouse", symlinks=True)
    return tmp_path / "landing", tmp_path / "warehouse"


def assert_no_trace(err: str) -> None:
    assert "Traceback" not in err
    assert "Error occurred while executing" not in err


# --------------------------------------------------------------------------- settings


def test_empty_landing_setting_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("ICTBENCH_LANDING", "")
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(tmp_path / "warehouse"))
    assert main(["refresh"]) == 2
    err = capsys.readouterr().err
    assert "ICTBENCH_LANDING is set but empty" in err
    assert not (tmp_path / "warehouse").exists()


# --------------------------------------------------------------------------- editions


def test_lost_build_and_a_one_edition_refresh_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    before = release_id(warehouse)
    shutil.rmtree(warehouse / "build")
    code, _, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2021")
    assert code == 1
    assert "edition 2019 is not built from the current landing zone (not built yet)" in err
    assert "edition 2020 is not built" in err
    assert "--edition 2019 --edition 2020" in err
    assert release_id(warehouse) == before
    assert_no_trace(err)


def test_a_withdrawn_edition_is_no_longer_published(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    shutil.rmtree(landing / "survey" / "2019")
    # A one-edition refresh of an up-to-date edition drops the withdrawn one as well.
    code, out, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2021")
    assert code == 0, err
    assert "edition 2019: no longer in the landing zone; it is dropped" in out
    assert "edition 2020: up to date" in out
    assert published_editions(warehouse) == [2020, 2021]


def test_an_unchanged_landing_zone_keeps_the_verdicts_of_its_checks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    code, out, err = refresh(monkeypatch, capsys, landing, warehouse)
    assert code == 0, err
    assert "edition 2021: up to date" in out
    # The edition models are current (no dbt): their checks keep their last verdict in
    # this run, so the blocking checks downstream steps wait for have a result (Dagster
    # warned once per check otherwise).
    assert "emitted no result" not in out + err
    repeated = last_run_check_metadata(warehouse, ("marts", "indicator_values"))
    assert str(repeated.get("assert_indicator_value_is_numerator_over_denominator")).startswith(
        "not run: "
    ), repeated


def last_run_check_metadata(warehouse: Path, asset: tuple[str, ...]) -> dict[str, str | None]:
    """The checks of `asset` evaluated in the warehouse's latest Dagster run (all passed)
    → their "dbt" metadata (None: dbt ran the test)."""
    from dagster import AssetKey, DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(warehouse / "dagster")) as instance:
        run_id = instance.get_run_records(limit=1)[0].dagster_run.run_id
        records = instance.get_records_for_run(
            run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        found: dict[str, str | None] = {}
        for record in records:
            evaluation = record.event_log_entry.asset_check_evaluation
            if evaluation is not None and evaluation.asset_key == AssetKey(list(asset)):
                assert evaluation.passed, evaluation.check_name
                dbt = evaluation.metadata.get("dbt")
                found[evaluation.check_name] = None if dbt is None else str(dbt.value)
        return found


def test_a_failed_edition_is_never_published_stale(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    before = release_id(warehouse)
    broken = landing / "survey" / "2020" / "kapot.csv"
    broken.write_bytes(b"gemeentecode;boekjaar\r\nGM0111;2019\r\n")
    code, _, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2020")
    assert code == 1
    assert "kapot.csv" in err and "missing required column" in err
    # Back to the files 2020 was last built from: its old tables are still in the build,
    # but its last build did not finish, so no later refresh may publish them.
    broken.unlink()
    code, _, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2021")
    assert code == 1
    assert "edition 2020 is not built from the current landing zone" in err
    assert "did not finish" in err
    assert release_id(warehouse) == before
    code, out, err = refresh(monkeypatch, capsys, landing, warehouse)
    assert code == 0, err
    assert "edition 2020: rebuild" in out and "edition 2019: up to date" in out


# --------------------------------------------------------------------------- causes


def test_reference_error_names_file_line_and_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    before = release_id(warehouse)
    mergers = landing / "reference" / "herindelingen.csv"
    mergers.write_text(mergers.read_text() + "2020-01-01;GM0999;GM0120;1.0000\n")
    code, _, err = refresh(monkeypatch, capsys, landing, warehouse)
    assert code == 1
    assert "herindelingen.csv:9" in err and "GM0999" in err
    assert release_id(warehouse) == before
    assert_no_trace(err)


def test_build_database_held_by_another_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    before = release_id(warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(120)",
            str(warehouse / "build" / "ictbench.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, err = refresh(monkeypatch, capsys, landing, warehouse)
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert "in use by another process" in err and f"PID {holder.pid}" in err
    assert release_id(warehouse) == before
    assert_no_trace(err)


def _mount_tmpfs(target: Path, size: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    _mount_tmpfs(mount, "4m")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_names_the_cause(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    built: tuple[Path, Path],
    small_disk: Path,
) -> None:
    landing, _ = built
    # Fill the disk almost completely: the refresh runs out of space while writing.
    filler = small_disk / "filler"
    with filler.open("wb") as handle:
        handle.write(b"\0" * (4 * 1024 * 1024 - 96 * 1024))
    code, _, err = refresh(monkeypatch, capsys, landing, small_disk / "warehouse")
    assert code != 0
    assert "No space left on device" in err or "disk is full" in err, err
    assert_no_trace(err)


def test_read_only_warehouse_names_the_cause(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    built: tuple[Path, Path],
    small_disk: Path,
) -> None:
    landing, _ = built
    target = small_disk / "warehouse"
    target.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, err = refresh(monkeypatch, capsys, landing, target)
    assert code != 0
    assert "Read-only file system" in err, err
    assert_no_trace(err)


def test_notices_reach_refresh_and_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], copy: tuple[Path, Path]
) -> None:
    landing, warehouse = copy
    edition_dir = landing / "survey" / "2021"
    (edition_dir / "oud.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (edition_dir / "archief").mkdir()
    (edition_dir / "archief" / "export_2020.csv").write_bytes(b"x")
    code, out, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2021")
    assert code == 0, err
    assert "edition 2021: not read: oud.xls" in out
    assert "edition 2021: not read: archief/" in out
    with monkeypatch.context() as env:
        env.setenv("ICTBENCH_LANDING", str(landing))
        env.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
        assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "edition 2021: not read: oud.xls" in status
    row_2021 = next(line for line in status.splitlines() if line.strip().startswith("2021 "))
    # columns …  no population  not read  warnings
    assert row_2021.split()[-3:-1] == ["0", "2"]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("leeg.csv", b"", "no header row"),
        ("alleen_kop.csv", None, "0 data rows"),
        # 2021's exports are CSV: an .xlsx (a zip bomb, or a renamed CSV) is not guessed at
        ("bom.xlsx", _zip_bomb(), "deliver it as .csv"),
        ("hernoemd.xlsx", None, "deliver it as .csv"),
    ],
    ids=["empty", "header-only", "zip-bomb", "csv-renamed-to-xlsx"],
)
def test_an_edition_without_answers_names_its_file_and_reason(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    copy: tuple[Path, Path],
    name: str,
    content: bytes | None,
    fragment: str,
) -> None:
    landing, warehouse = copy
    edition_dir = landing / "survey" / "2021"
    export = edition_dir / "export_2021.csv"
    if content is None:  # the real export: its header only, or all of it under .xlsx
        data = export.read_bytes()
        content = data.split(b"\r\n")[0] + b"\r\n" if name == "alleen_kop.csv" else data
    export.unlink()
    (edition_dir / name).write_bytes(content)
    before = release_id(warehouse)
    code, _, err = refresh(monkeypatch, capsys, landing, warehouse, "--edition", "2021")
    assert code == 1
    assert name in err and fragment in err, err
    assert_no_trace(err)
    assert release_id(warehouse) == before
