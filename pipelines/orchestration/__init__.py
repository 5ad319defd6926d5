"""Dagster wiring: assets, asset checks, resources, partitions, the refresh job,
the sensor and the schedule. `definitions.py` is the code location."""
