"""The settings of ictbench, and every path derived from them.

`ICTBENCH_LANDING` (the landing zone) and `ICTBENCH_WAREHOUSE` (where everything the
warehouse writes goes) say where things are; `ICTBENCH_POSTGRES_URL` (optional) and
`ICTBENCH_POSTGRES_READER` say where the release is also served. They come from the
environment, from a `.env` file in the working directory, or from Dagster resource
config. dbt reads the same warehouse path: `export_for_dbt` puts the absolute path into
the environment that `dbt_project/profiles.yml` reads, so one place decides it.

`ICTBENCH_CONTRACTS` (environment or `.env`; default the repository's `data_contracts/`)
is the folder of the edition data contracts, e.g. the `contracts/` a generated scale
landing zone brings along. `load_contracts_dir` reads it each time a contract default is
taken (`pipelines/core/contracts.py`), so everything derived from the contracts (edition
partitions, dbt vars, fingerprints) follows it; set it before the process starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO_ROOT / "sample_data"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CONTRACTS_DIR = REPO_ROOT / "data_contracts"

# Names inside the warehouse, shared with pipelines/warehouse/release.py.
DB_FILE = "ictbench.duckdb"
PUBLISHED_LINK = "published"
RELEASES_FOLDER = "releases"
# The private build database, relative to the warehouse (dbt is handed this path).
BUILD_DB = Path("build") / DB_FILE

LANDING_VAR = "ICTBENCH_LANDING"
WAREHOUSE_VAR = "ICTBENCH_WAREHOUSE"
POSTGRES_URL_VAR = "ICTBENCH_POSTGRES_URL"
POSTGRES_READER_VAR = "ICTBENCH_POSTGRES_READER"
CONTRACTS_VAR = "ICTBENCH_CONTRACTS"
DEFAULT_POSTGRES_READER = "ictbench_reader"


class SettingsError(ValueError):
    """A setting is present but unusable."""


@dataclass(frozen=True)
class Settings:
    """Resolved, absolute locations of the landing zone and the warehouse."""

    landing: Path
    warehouse: Path
    # Served copy for BI servers; None = DuckDB and Parquet only. May hold a password:
    # never print it (pipelines/warehouse/postgres.py redacts it).
    postgres_url: str | None = field(default=None, repr=False)
    postgres_reader_role: str = DEFAULT_POSTGRES_READER

    @property
    def survey_dir(self) -> Path:
        return self.landing / "survey"

    @property
    def reference_dir(self) -> Path:
        return self.landing / "reference"

    @property
    def division_file(self) -> Path:
        """The CBS municipal division (survey-format.md, Reference data)."""
        return self.reference_dir / "gemeentelijke-indeling.csv"

    @property
    def mergers_file(self) -> Path:
        """Mergers and splits; optional (no file: no mergers)."""
        return self.reference_dir / "herindelingen.csv"

    @property
    def population_dir(self) -> Path:
        """CBS StatLine 03759ned exports, one or more."""
        return self.reference_dir / "population"

    @property
    def build_dir(self) -> Path:
        """Private build area: only ictbench's own processes open it."""
        return self.build_db.parent

    @property
    def build_db(self) -> Path:
        return self.warehouse / BUILD_DB

    @property
    def releases_dir(self) -> Path:
        return self.warehouse / RELEASES_FOLDER

    @property
    def published_dir(self) -> Path:
        """A symlink to the current release, swapped atomically on publication."""
        return self.warehouse / PUBLISHED_LINK

    @property
    def published_db(self) -> Path:
        return self.published_dir / DB_FILE

    @property
    def reports_dir(self) -> Path:
        return self.warehouse / "reports"

    @property
    def feedback_dir(self) -> Path:
        return self.warehouse / "feedback"

    @property
    def data_dictionary_dir(self) -> Path:
        """Where `dbt docs generate --static` writes, before publication copies it."""
        return self.warehouse / "dbt" / "docs"

    @property
    def dagster_home(self) -> Path:
        return self.warehouse / "dagster"

    @property
    def lock_file(self) -> Path:
        return self.warehouse / ".refresh.lock"


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None
) -> Settings:
    """Read the settings: environment first, then `.env`, then the defaults."""
    setting = _reader(environ, dotenv_path)
    landing = setting(LANDING_VAR, str(SAMPLE_LANDING)) or ""
    warehouse = setting(WAREHOUSE_VAR, "warehouse") or ""
    return Settings(
        landing=Path(landing).expanduser().resolve(),
        warehouse=Path(warehouse).expanduser().resolve(),
        postgres_url=setting(POSTGRES_URL_VAR, None),
        postgres_reader_role=setting(POSTGRES_READER_VAR, DEFAULT_POSTGRES_READER) or "",
    )


def load_contracts_dir(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None
) -> Path:
    """The folder of the edition data contracts: `ICTBENCH_CONTRACTS` (environment first,
    then `.env`), else the repository's `data_contracts/`."""
    configured = _reader(environ, dotenv_path)(CONTRACTS_VAR, None)
    return Path(configured).expanduser().resolve() if configured else CONTRACTS_DIR


def _reader(
    environ: Mapping[str, str] | None, dotenv_path: Path | None
) -> Callable[[str, str | None], str | None]:
    """`setting(name, default)`: the environment first, then `.env`, then the default."""
    env = dict(os.environ if environ is None else environ)
    dotenv_file = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    from_file = {k: v for k, v in dotenv_values(dotenv_file).items() if v is not None}

    def setting(name: str, default: str | None) -> str | None:
        value = env[name] if name in env else from_file.get(name)
        if value is None:
            return default
        if not value.strip():
            # Set but empty is a mistake (an unset shell variable?), never the default.
            source = "the environment" if name in env else str(dotenv_file)
            raise SettingsError(f"{name} is set but empty (in {source}); unset it or give a path")
        return value

    return setting


def export_for_dbt(settings: Settings) -> None:
    """Hand the warehouse location to dbt (profiles.yml reads `ICTBENCH_WAREHOUSE`); a
    configured contracts folder goes along as an absolute path (a `.env` or a relative
    path would not reach a child process with another working directory)."""
    os.environ[WAREHOUSE_VAR] = str(settings.warehouse)
    os.environ[LANDING_VAR] = str(settings.landing)
    contracts = load_contracts_dir()
    if contracts != CONTRACTS_DIR:
        os.environ[CONTRACTS_VAR] = str(contracts)
