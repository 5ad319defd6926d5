"""Benchmark: wall time of a full sample refresh and its split by stage (prints figures).

Not a test: nothing here passes or fails. Run with `make bench`.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

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
    "published_release": "publish",
    "feedback_files": "reports",
    "benchmark_reports": "reports",
}


def stage_of(step_key: str) -> str:
    for prefix, stage in STAGES.items():
        if prefix in step_key:
            return stage
    return "other"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ictbench-bench-") as tmp:
        os.environ["ICTBENCH_WAREHOUSE"] = str(Path(tmp) / "warehouse")
        from pipelines.cli.main import refresh

        started = time.perf_counter()
        code = refresh(None)
        wall = time.perf_counter() - started
        if code != 0:
            print(f"refresh failed with exit code {code}", file=sys.stderr)
            return code

        from dagster import DagsterInstance

        instance = DagsterInstance.get()
        per_stage: dict[str, float] = defaultdict(float)
        for record in instance.get_run_records():
            for step in instance.get_run_step_stats(record.dagster_run.run_id):
                if step.start_time and step.end_time:
                    per_stage[stage_of(step.step_key)] += step.end_time - step.start_time
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print("\n== ictbench bench: sample refresh, every edition ==")
    print(f"wall time            {wall:8.1f} s")
    for stage in ("ingest", "validation", "dbt", "publish", "reports", "other"):
        if stage in per_stage:
            print(f"  {stage:<18} {per_stage[stage]:8.1f} s")
    overhead = wall - sum(per_stage.values())
    print(f"  {'orchestration':<18} {overhead:8.1f} s  (imports, run bookkeeping)")
    print(f"peak memory (CLI)    {peak_mb:8.0f} MB")
    print(f"peak memory (dbt)    {children_mb:8.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
