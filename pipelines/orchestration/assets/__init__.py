"""Dagster assets, one module per stage: ingest, validate, transform, publish, report."""
