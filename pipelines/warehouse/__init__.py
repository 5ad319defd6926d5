"""Warehouse I/O: the landing zone, the raw schema, the build state, the audit, the
atomic release, the refresh lock and the analyst's connection."""
