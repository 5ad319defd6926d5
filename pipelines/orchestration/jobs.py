"""Job names, shared by the definitions, the sensor, the schedule and the CLI."""

REFERENCE_JOB = "reference_job"
INGEST_JOB = "ingest_job"
MODELS_JOB = "models_job"
EDITION_JOB = "edition_job"
RELEASE_JOB = "release_job"
# Feedback files and benchmark reports, after publication.
REPORTS_JOB = "reports_job"
