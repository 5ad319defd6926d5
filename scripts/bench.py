"""Benchmark: `make demo` on a fresh warehouse, as a user runs it, and where its time goes.

Not a test: nothing here fails a build. It prints figures and whether they meet the
targets (exit code 0 either way, unless a run itself fails). Run with `make bench`.

* **make demo**: the wall time of `make demo` (set-up already done, so install
  excluded) into a new, empty warehouse: a refresh of every edition of the bundled
  sample, PDFs included, then `ictbench status`. Target: 90 s on the 2-core machine.
* its split by stage, from the Dagster run's step statistics;
* the reports: how many HTML and PDF files were written and in how many seconds
  (`benchmark_reports`' metadata), and the PDF time per report;
* peak memory of the CLI process and of its children (dbt, the PDF workers).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
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


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ictbench-bench-") as tmp:
        warehouse = Path(tmp) / "warehouse"
        wall, output = run_demo(warehouse)
        per_stage, reports = run_statistics(warehouse)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", output)

    verdict = "meets" if wall <= DEMO_TARGET_SECONDS else "MISSES"
    print(f"\n== ictbench bench: make demo on a fresh warehouse ({os.cpu_count()} cores) ==")
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
    if peak:
        print(f"peak memory          {int(peak[1]) / 1024:8.0f} MB  (largest single process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
