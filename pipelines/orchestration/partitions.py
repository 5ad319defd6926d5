"""Survey editions as Dagster partitions: one per data contract file.

Adding `data_contracts/edition_2025.yaml` adds the 2025 partition; no code changes.
"""

from dagster import StaticPartitionsDefinition

from pipelines.core.contracts import available_editions

edition_partitions = StaticPartitionsDefinition([str(e) for e in available_editions()])
