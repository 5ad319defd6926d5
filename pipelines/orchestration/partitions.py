"""Survey editions as Dagster partitions: one per data contract file.

Adding `data_contracts/edition_2025.yaml` adds the 2025 partition; no code changes.

A refresh is one run of `refresh_job` over a range of these partitions. Which editions
it may rebuild is the run's own business (its tags and partition range), decided here
once for every asset of the run.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetExecutionContext, StaticPartitionsDefinition

from pipelines.core.contracts import available_editions

edition_partitions = StaticPartitionsDefinition([str(e) for e in available_editions()])

# Dagster's own run tags for a run over a partition range (one run, not a backfill of many).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
# The editions a run was asked for (`ictbench refresh --edition`), when not its whole range.
EDITIONS_TAG = "ictbench/editions"


def range_tags(editions: Sequence[int] | None) -> dict[str, str]:
    """Tags of a refresh run: every edition partition, or the range spanning `editions`
    (listed in EDITIONS_TAG, so a gap in the range is not rebuilt)."""
    keys = edition_partitions.get_partition_keys()
    if not editions:
        return {PARTITION_RANGE_START_TAG: keys[0], PARTITION_RANGE_END_TAG: keys[-1]}
    chosen = sorted({str(e) for e in editions}, key=keys.index)
    return {
        PARTITION_RANGE_START_TAG: chosen[0],
        PARTITION_RANGE_END_TAG: chosen[-1],
        EDITIONS_TAG: ",".join(chosen),
    }


def requested_editions(context: AssetExecutionContext) -> list[int] | None:
    """The editions this run was asked to rebuild, or None for a full refresh (a run over
    every edition partition): then only the editions whose build is stale are rebuilt."""
    tagged = context.run.tags.get(EDITIONS_TAG)
    if tagged:
        return sorted(int(e) for e in tagged.split(","))
    keys = list(context.partition_keys)
    if set(keys) >= set(edition_partitions.get_partition_keys()):
        return None
    return sorted(int(k) for k in keys)
