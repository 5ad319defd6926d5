"""Dagster assets, one module per stage: ingest, validate, transform, publish, serve
(PostgreSQL), report."""
