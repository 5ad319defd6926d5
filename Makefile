# ictbench — every target does its own set-up; nothing has to be installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -name '*.sql' -o -name '*.yml' | grep -v -e target/ -e dbt_packages/)
export ICTBENCH_WAREHOUSE ?= $(CURDIR)/warehouse

.PHONY: setup sysdeps demo docs test lint unit bench ui sample clean

OLDEST_DUCKDB := $(VENV)/oldest-duckdb
OLDEST_DUCKDB_STAMP := $(OLDEST_DUCKDB)/.installed-1.1.0
setup: $(STAMP) $(MANIFEST) $(OLDEST_DUCKDB_STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# The dbt manifest Dagster loads (never `dbt parse` at import time). The question list
# dbt needs comes from the data contracts (pipelines/orchestration/dbt_args.py). Parsed
# through ictbench-dbt, as a refresh runs dbt: a new warehouse starts from this parse.
CONTRACTS := $(wildcard data_contracts/edition_*.yaml)
DBT_VARS = $(BIN)/python -m pipelines.orchestration.dbt_args
$(MANIFEST): $(STAMP) $(DBT_SOURCES) $(CONTRACTS)
	vars="$$($(DBT_VARS))" && cd dbt_project && ../$(BIN)/ictbench-dbt parse --quiet \
		--profiles-dir $(CURDIR)/dbt_project --vars "$$vars"

# The oldest DuckDB that reads a release (STORAGE_COMPATIBILITY in
# pipelines/warehouse/release.py, stated in the README), kept apart for the test that
# opens a release with it. A stamp file says it is there (the folder's own time does not
# change when uv finds nothing to do, so make would run uv again every time: ~2 s).
$(OLDEST_DUCKDB_STAMP): $(STAMP)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --target $(OLDEST_DUCKDB) duckdb==1.1.0
	touch $@

## Set up and run the main job (every edition of the bundled sample) end to end.
demo: setup
	$(BIN)/ictbench refresh
	$(BIN)/ictbench status

## The data dictionary (dbt docs as one static page that opens offline) of the current
## build, without a refresh: $(ICTBENCH_WAREHOUSE)/dbt/docs/static_index.html. Every refresh
## (`make demo`) writes it too and publishes it as published/docs/index.html.
docs: setup
	$(BIN)/python -m pipelines.orchestration.assets.docs

# System packages the tests need: headless Chromium renders the benchmark reports;
# pango (WeasyPrint's PDF engine) is usually present already; poppler-utils' pdftoppm
# rasterises PDF pages for the layout checks; PostgreSQL's server
# binaries (initdb, pg_ctl: Debian keeps them in /usr/lib/postgresql/<version>/bin) run
# the throw-away cluster of the PostgreSQL tests (tests/pg_cluster.py).
sysdeps:
	@if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q libpango-1.0 \
		|| ! command -v pdftoppm >/dev/null 2>&1; then \
		echo "installing system packages (chromium, pango, poppler-utils)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils >/dev/null; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "installing system packages (postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			postgresql >/dev/null; \
	fi

## Set up and pass every test (what CI runs).
# The longest test files go first (pytest collects each file once): the two workers
# then finish together instead of one running a long file alone at the end.
SLOW_TESTS := tests/test_invariant.py tests/test_reliability.py tests/test_run_lock.py \
	tests/test_cli.py tests/test_automation.py tests/test_cli_sample.py tests/test_refusals.py \
	tests/test_postgres_publish.py
test: setup sysdeps lint
	ICTBENCH_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15 \
		$(SLOW_TESTS) tests

lint: setup
	$(BIN)/ruff check pipelines tests scripts benchmarks
	$(BIN)/ruff format --check pipelines tests scripts benchmarks
	$(BIN)/mypy
	@# The dbt templater opens a database: give it an empty one of its own; and the
	@# question list of the contracts, as every dbt run gets it (a config file of its own);
	@# its dbt target folder too, so the parse `make setup` made for refreshes stays.
	mkdir -p .lint-warehouse/build
	$(DBT_VARS) --sqlfluff-config > .lint-warehouse/pyproject.toml
	printf '[tool.sqlfluff.templater.dbt]\ntarget_path = "%s"\n' "$(CURDIR)/.lint-warehouse/target" \
		>> .lint-warehouse/pyproject.toml
	ICTBENCH_WAREHOUSE=$(CURDIR)/.lint-warehouse $(BIN)/sqlfluff lint --config .lint-warehouse/pyproject.toml dbt_project/models dbt_project/tests/singular

unit: setup
	$(BIN)/python -m pytest -q tests/unit

## Wall time of a sample refresh and its split (figures, not a test).
bench: setup
	$(BIN)/python scripts/bench.py

## The Dagster UI on the same instance the CLI records its runs in (its dagster.yaml, as
## the CLI writes it: runs queue and start one at a time).
ui: setup
	$(BIN)/python -c 'from pipelines.orchestration.refresh import prepare_dagster_home as p; from pipelines.settings import load_settings as s; p(s())'
	DAGSTER_HOME=$(ICTBENCH_WAREHOUSE)/dagster $(BIN)/dagster dev -w workspace.yaml

sample: setup
	$(BIN)/python scripts/generate_sample_data.py --out sample_data

clean:
	rm -rf warehouse .lint-warehouse dbt_project/target dbt_project/logs .pytest_cache
