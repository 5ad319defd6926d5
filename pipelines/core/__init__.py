"""Warehouse-free core of ictbench: data contracts, parsing, reading, resolving, validating.

Nothing in this package opens the build database; the Dagster assets feed its results to
DuckDB. ``expectations`` imports Great Expectations lazily, so importing the package is cheap.
"""
