#!/usr/bin/env sh
# Recreate the development build DB at $ICTBENCH_BUILD_DB from seed_raw_fixture.sql.
set -eu
: "${ICTBENCH_BUILD_DB:?set ICTBENCH_BUILD_DB to a throwaway path, e.g. /tmp/dbtdev/build.duckdb}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$(dirname "$ICTBENCH_BUILD_DB")"
rm -f "$ICTBENCH_BUILD_DB" "$ICTBENCH_BUILD_DB.wal"
"$here/../../.venv/bin/python" -c "import duckdb, os, sys; duckdb.connect(os.environ['ICTBENCH_BUILD_DB']).execute(open(sys.argv[1]).read())" "$here/seed_raw_fixture.sql"
echo "raw fixture written to $ICTBENCH_BUILD_DB"
