"""Benchmarks: where ictbench's time goes, against its targets (issues 11 and 12).

Not a test: nothing here fails a build. It prints figures and whether they meet the
targets (exit code 0 either way, unless a run itself fails). Run with `make bench`
(every section) or `python scripts/bench.py --section ratio --section floor`.

* **demo**: the wall time of `make demo` (set-up already done, so install excluded) into
  a new, empty warehouse: a refresh of every edition of the bundled sample, PDFs
  included, then `ictbench status`. Target: 90 s on the 2-core machine. Its split by
  stage (the Dagster run's step statistics), the reports written (HTML, PDF, seconds),
  and the peak memory of the largest process.
* **ratio**: `ictbench refresh --no-pdf` into a new warehouse against the plain
  pandas + DuckDB script `benchmarks/plain_refresh.py` on the same landing zone, whole
  processes, measured alternately, median of 3; first the plain script's results are
  compared with the release (they must agree). Target: at most 8x.
* **floor**: what this stack costs before any work: the imports of Dagster (with
  dagster-dbt), dbt and Great Expectations, and one dbt invocation that selects nothing;
  and how far a refresh is above it.
* **incremental**: one correction file added to one edition of a built warehouse, then
  `refresh --no-pdf --edition E`; its time as a fraction of a full refresh (target: at
  most 1/3), and the release afterwards compared with a clean rebuild (table contents).
* **scale**: the generator with all 342 municipalities at 6 editions (2019-2024) and 15
  (2019-2033, later editions in the 2024 layout under contracts of their own), a full
  refresh of each: wall time and peak memory of the largest process (targets: at most
  linear in editions, peak memory at most 1 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_TARGET_SECONDS = 90.0

# Checked in this order: a check's step key contains its asset's name too.
STAGES = {
    "files_usable": "validation",
    "rows_accounted_for": "validation",
    "contract_expectations": "validation",
    "population_available": "validation",
    "cbs_reference": "ingest",
    "survey_submissions": "ingest",
    "edition_models": "dbt",
    "release_models": "dbt",
    "data_dictionary": "dbt docs",
    "published_release": "publish",
    "postgres_release": "publish",
    "feedback_files": "reports",
    "benchmark_reports": "reports",
}


def stage_of(step_key: str) -> str:
    for prefix, stage in STAGES.items():
        if prefix in step_key:
            return stage
    return "other"


def run_demo(warehouse: Path) -> tuple[float, str]:
    """`make demo` into `warehouse`; its wall time and output. `/usr/bin/time -v` reports
    the peak memory of the largest process (CLI, dbt or a PDF worker)."""
    env = os.environ | {"ICTBENCH_WAREHOUSE": str(warehouse)}
    env.pop("ICTBENCH_POSTGRES_URL", None)  # the demo serves no PostgreSQL
    command = ["make", "--no-print-directory", "-C", str(REPO), "demo"]
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", *command]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"make demo failed with exit code {done.returncode}")
    return wall, done.stdout + done.stderr


def run_statistics(warehouse: Path) -> tuple[dict[str, float], dict[str, object]]:
    """Seconds per stage of the demo's refresh run, and the reports' metadata."""
    os.environ["DAGSTER_HOME"] = str(warehouse / "dagster")
    from dagster import AssetKey, DagsterInstance

    instance = DagsterInstance.get()
    per_stage: dict[str, float] = defaultdict(float)
    for record in instance.get_run_records():
        for step in instance.get_run_step_stats(record.dagster_run.run_id):
            if step.start_time and step.end_time:
                per_stage[stage_of(step.step_key)] += step.end_time - step.start_time
    reports: dict[str, object] = {}
    latest = instance.fetch_materializations(AssetKey("benchmark_reports"), limit=1).records
    if latest and latest[0].asset_materialization is not None:
        reports = {k: v.value for k, v in latest[0].asset_materialization.metadata.items()}
    return dict(per_stage), reports


def print_demo() -> None:
    with tempfile.TemporaryDirectory(prefix="ictbench-bench-") as tmp:
        warehouse = Path(tmp) / "warehouse"
        wall, output = run_demo(warehouse)
        per_stage, reports = run_statistics(warehouse)
        peak = peak_mb(output)

    verdict = "meets" if wall <= DEMO_TARGET_SECONDS else "MISSES"
    print(f"\n== make demo on a fresh warehouse ({os.cpu_count()} cores) ==")
    target = f"{verdict} the target of {DEMO_TARGET_SECONDS:.0f} s"
    print(f"make demo wall time  {wall:8.1f} s   {target}")
    for stage in ("ingest", "validation", "dbt", "dbt docs", "publish", "reports", "other"):
        if stage in per_stage:
            print(f"  {stage:<18} {per_stage[stage]:8.1f} s")
    overhead = wall - sum(per_stage.values())
    print(f"  {'outside the steps':<18} {overhead:8.1f} s  (imports, start-up, run bookkeeping)")
    if reports:
        counts: dict[str, int] = dict(reports.get("reports") or {})  # type: ignore[call-overload]
        html = sum(counts.values())
        pdfs = int(str(reports.get("pdf_rendered", 0)))
        seconds_pdf = float(str(reports.get("seconds_pdf", 0.0)))
        seconds_html = float(str(reports.get("seconds_html", 0.0)))
        print(f"reports              {html:8d} HTML in {seconds_html:.1f} s")
        per_pdf = f"{seconds_pdf / pdfs:.2f} s a PDF wall on {os.cpu_count()} cores" if pdfs else ""
        print(f"PDFs                 {pdfs:8d} PDF in {seconds_pdf:.1f} s   ({per_pdf})")
    if peak is not None:
        print(f"peak memory          {peak:8.0f} MB  (largest single process)")


# --- whole processes, timed ----------------------------------------------------------------

ICTBENCH = REPO / ".venv" / "bin" / "ictbench"
PYTHON = REPO / ".venv" / "bin" / "python"
PLAIN_SCRIPT = REPO / "benchmarks" / "plain_refresh.py"
GENERATOR = REPO / "scripts" / "generate_sample_data.py"
RATIO_TARGET = 8.0
INCREMENTAL_TARGET = 1 / 3
MEMORY_TARGET_MB = 1024.0


@dataclass
class Timed:
    seconds: float
    peak_mb: float | None  # the largest single process (`/usr/bin/time -v`)
    output: str
    tree_peak_mb: float | None = None  # the whole process tree at once (sampled PSS)


def peak_mb(output: str) -> float | None:
    """The peak resident memory `/usr/bin/time -v` reports (the largest single process of
    the tree it waited for), in MB."""
    found = re.findall(r"Maximum resident set size \(kbytes\): (\d+)", output)
    return int(found[-1]) / 1024 if found else None


def tree_pss_kb(pid: int) -> int:
    """The proportional set size of `pid` and all its descendants now (Linux /proc), in
    kB: memory shared between them (libraries, fork) is counted once."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)[1])  # type: ignore[index]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, TypeError):
            continue  # exited meanwhile
    return total


class TreeMemory:
    """Samples the process tree's PSS every 0.2 s while a command runs; its peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb = pid, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, tree_pss_kb(self.pid))

    def done(self) -> float | None:
        self.stop.set()
        self.thread.join()
        return self.peak_kb / 1024 if self.peak_kb else None


def timed(command: list[str], env: dict[str, str] | None = None) -> Timed:
    """Run `command` to its end; its wall time and peak memory (largest process, and the
    whole tree at once). A failure stops the bench."""
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", *command]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env or os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = TreeMemory(process.pid) if Path("/proc/self/smaps_rollup").exists() else None
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    tree_peak = memory.done() if memory is not None else None
    output = stdout + stderr
    if process.returncode != 0:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    return Timed(seconds, peak_mb(output), output, tree_peak)


def refresh_env(landing: Path, warehouse: Path, contracts: Path | None = None) -> dict[str, str]:
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    env.pop("ICTBENCH_POSTGRES_URL", None)
    if contracts is not None:
        env["ICTBENCH_CONTRACTS"] = str(contracts)
    return env


def refresh(landing: Path, warehouse: Path, *args: str, contracts: Path | None = None) -> Timed:
    """`ictbench refresh --no-pdf [args]` as an operator runs it."""
    return timed(
        [str(ICTBENCH), "refresh", "--no-pdf", *args], refresh_env(landing, warehouse, contracts)
    )


def fresh_refresh(landing: Path, contracts: Path | None = None) -> tuple[Timed, Path]:
    """A full refresh into a new, empty warehouse (kept until the bench ends)."""
    warehouse = Path(tempfile.mkdtemp(prefix="ictbench-bench-wh-"))
    return refresh(landing, warehouse, contracts=contracts), warehouse


def stage_seconds(output: str) -> dict[str, float]:
    """The CLI's own stage lines: "  <stage>: ok in 1.2 s"."""
    return {
        m[1]: float(m[2]) for m in re.finditer(r"^  (\S[^\n]*?): ok in ([\d.]+) s$", output, re.M)
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_ratio(landing: Path = REPO / "sample_data", rounds: int = 3) -> None:
    print("\n== refresh --no-pdf against a plain pandas + DuckDB script (same landing zone) ==")
    sys.path.insert(0, str(PLAIN_SCRIPT.parent))
    import plain_refresh  # benchmarks/plain_refresh.py

    first, warehouse = fresh_refresh(landing)
    results = plain_refresh.compute(landing)
    disagreements = plain_refresh.compare(results, warehouse / "published" / "ictbench.duckdb")
    if disagreements:
        print("the plain script DISAGREES with the warehouse:")
        for line in disagreements[:20]:
            print("  " + line)
    else:
        rows = ", ".join(f"{name} {len(frame)} rows" for name, frame in results.items())
        print(f"the plain script agrees with the release ({rows})")
    warehouses = [warehouse]
    ours: list[float] = [first.seconds]
    plain: list[float] = []
    for _ in range(rounds):
        plain.append(timed([str(PYTHON), str(PLAIN_SCRIPT), "--landing", str(landing)]).seconds)
        if len(ours) < rounds:
            run, warehouse = fresh_refresh(landing)
            warehouses.append(warehouse)
            ours.append(run.seconds)
    for path in warehouses:
        shutil.rmtree(path, ignore_errors=True)
    ratio = median(ours) / median(plain)
    verdict = "meets" if ratio <= RATIO_TARGET else "MISSES"
    print(f"refresh --no-pdf     {median(ours):8.1f} s   (median of {rounds}: {fmt(ours)})")
    print(f"plain script         {median(plain):8.1f} s   (median of {rounds}: {fmt(plain)})")
    print(f"ratio                {ratio:8.1f} x   {verdict} the target of {RATIO_TARGET:.0f}x")
    LAST["refresh"] = median(ours)


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


LAST: dict[str, float] = {}


def print_floor(rounds: int = 3) -> None:
    print("\n== the floor of this stack: imports and one dbt invocation that does nothing ==")
    imports = {
        "python itself": "pass",
        "dagster + dagster-dbt": "import dagster, dagster_dbt",
        "dbt (its CLI)": "import dbt.cli.main",
        "Great Expectations": "import great_expectations",
        "ictbench's definitions": "import pipelines.orchestration.definitions",
    }
    figures: dict[str, float] = {}
    for label, code in imports.items():
        runs = [timed([str(PYTHON), "-c", code]).seconds for _ in range(rounds)]
        figures[label] = median(runs)
        print(f"{label:<24} {figures[label]:6.2f} s")
    # dbt on the project, selecting nothing: start-up, profile, (partial) parse, adapter.
    with tempfile.TemporaryDirectory(prefix="ictbench-bench-dbt-") as tmp:
        env = refresh_env(REPO / "sample_data", Path(tmp))
        from pipelines.orchestration.dbt_args import dbt_vars
        from pipelines.settings import BUILD_DB

        (Path(tmp) / BUILD_DB).parent.mkdir()

        command = [
            str(REPO / ".venv" / "bin" / "dbt"),
            "run",
            "--quiet",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO / "dbt_project"),
            "--target-path",
            str(Path(tmp) / "target"),
            "--vars",
            json.dumps(dbt_vars()),
            "--select",
            "tag:no_such_tag",
        ]
        timed(command, env)  # the first parses the project for this warehouse
        runs = [timed(command, env).seconds for _ in range(rounds)]
    figures["dbt invocation"] = median(runs)
    print(f"{'dbt run selecting nothing':<24} {figures['dbt invocation']:6.2f} s   (partial parse)")
    # A refresh starts Python with the definitions, imports GX, runs dbt twice (edition
    # and release models) and once more for the data dictionary on a fresh warehouse.
    floor = (
        figures["ictbench's definitions"]
        + figures["Great Expectations"]
        - figures["python itself"]
        + 3 * figures["dbt invocation"]
    )
    print(f"floor of a refresh   {floor:6.2f} s   (definitions + GX + 3 dbt invocations)")
    if "refresh" in LAST:
        above = LAST["refresh"] - floor
        print(f"refresh --no-pdf     {LAST['refresh']:6.2f} s   ({above:.1f} s above that floor)")


def add_correction(landing: Path, edition: int) -> Path:
    """A correction file for `edition`: the first submission of its correction (or main)
    export again, submitted later, with one amount changed."""
    import openpyxl

    folder = landing / "survey" / str(edition)
    source = sorted(folder.glob("correctie_*.xlsx")) or sorted(folder.glob("*.xlsx"))
    if not source:
        raise SystemExit(f"no XLSX file in {folder} to base a correction on")
    book = openpyxl.load_workbook(source[0])
    sheet = book["antwoorden"]
    codes = [cell.value for cell in sheet[1]]
    sheet.delete_rows(4, sheet.max_row)  # codes, texts, one submission
    sheet.cell(3, codes.index("ingediend_op") + 1).value = datetime(edition, 10, 1, 9, 0)
    column = codes.index("kosten_hardware") + 1
    sheet.cell(3, column).value = round(float(sheet.cell(3, column).value or 0) + 12.5, 1)
    target = folder / f"correctie_bench_{edition}.xlsx"
    book.save(target)
    return target


def release_tables(warehouse: Path) -> dict[str, object]:
    manifest = json.loads((warehouse / "published" / "release.json").read_text())
    return dict(manifest["tables"])


def print_incremental(edition: int = 2023) -> None:
    print(f"\n== one late correction: refresh --no-pdf --edition {edition} ==")
    with tempfile.TemporaryDirectory(prefix="ictbench-bench-incr-") as tmp:
        landing = Path(tmp) / "landing"
        shutil.copytree(REPO / "sample_data", landing)
        full, warehouse = fresh_refresh(landing)
        add_correction(landing, edition)
        one = refresh(landing, warehouse, "--edition", str(edition))
        _, clean_warehouse = fresh_refresh(landing)
        same = release_tables(warehouse) == release_tables(clean_warehouse)
        shutil.rmtree(warehouse, ignore_errors=True)
        shutil.rmtree(clean_warehouse, ignore_errors=True)
    fraction = one.seconds / full.seconds
    verdict = "meets" if fraction <= INCREMENTAL_TARGET else "MISSES"
    print(f"full refresh         {full.seconds:8.1f} s   (new warehouse)")
    print(
        f"one edition          {one.seconds:8.1f} s   {fraction:.2f} of a full refresh: "
        f"{verdict} the target of 1/3"
    )
    for stage, seconds in stage_seconds(one.output).items():
        print(f"  {stage:<30} {seconds:6.1f} s")
    print(
        "release after it     "
        + (
            "equals a clean rebuild (every table's contents)"
            if same
            else "DIFFERS from a clean rebuild"
        )
    )


def print_scale(municipalities: str = "342") -> None:
    print(f"\n== scale: {municipalities} municipalities, full refresh --no-pdf ==")
    figures: dict[int, Timed] = {}
    # 2025-2033 in the 2024 layout under contracts of their own: every edition computes
    # every indicator (editions before 2019 would load and be checked, but indicators
    # start in 2019 by definition, dbt_project.yml: first_edition).
    for first, last in ((2019, 2024), (2019, 2033)):
        with tempfile.TemporaryDirectory(prefix="ictbench-bench-scale-") as tmp:
            landing = Path(tmp) / "landing"
            timed(
                [
                    str(PYTHON),
                    str(GENERATOR),
                    "--out",
                    str(landing),
                    "--municipalities",
                    municipalities,
                    "--editions",
                    f"{first}-{last}",
                ]
            )
            contracts = landing / "contracts"
            run, warehouse = fresh_refresh(landing, contracts=contracts)
            shutil.rmtree(warehouse, ignore_errors=True)
        editions = last - first + 1
        figures[editions] = run
        peak = f"{run.peak_mb:.0f} MB" if run.peak_mb is not None else "?"
        tree = f"{run.tree_peak_mb:.0f} MB" if run.tree_peak_mb is not None else "?"
        print(
            f"{editions:2d} editions          {run.seconds:8.1f} s   peak memory {peak} "
            f"(largest process), {tree} (all processes at once)"
        )
        for stage, seconds in stage_seconds(run.output).items():
            print(f"  {stage:<30} {seconds:6.1f} s")
    small, large = figures[6], figures[15]
    growth = large.seconds / small.seconds
    linear = "at most linear" if growth <= 15 / 6 else "MORE than linear"
    print(f"15 vs 6 editions     {growth:8.2f} x   ({linear}: editions grew 2.5x)")
    peaks = [max(t.peak_mb or 0, t.tree_peak_mb or 0) for t in figures.values()]
    if any(peaks):
        verdict = "meets" if max(peaks) <= MEMORY_TARGET_MB else "MISSES"
        print(
            f"peak memory          {max(peaks):8.0f} MB  {verdict} the target of 1 GB "
            "(the larger of the two figures)"
        )


SECTIONS: dict[str, Callable[[], None]] = {
    "demo": print_demo,
    "ratio": print_ratio,
    "floor": print_floor,
    "incremental": print_incremental,
    "scale": print_scale,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--section", action="append", choices=list(SECTIONS), help="repeatable; default: all"
    )
    args = parser.parse_args(argv)
    print(f"ictbench bench on {os.cpu_count()} cores, {platform.platform()}")
    for name in args.section or list(SECTIONS):
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
