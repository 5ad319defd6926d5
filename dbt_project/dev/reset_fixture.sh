#!/usr/bin/env sh
# Recreate a development build DB under $ICTBENCH_WAREHOUSE from seed_raw_fixture.sql.
set -eu
: "${ICTBENCH_WAREHOUSE:?set ICTBENCH_WAREHOUSE to a throwaway directory, e.g. /tmp/dbtdev}"
here="$(cd "$(dirname "$0")" && pwd)"
db="$ICTBENCH_WAREHOUSE/build/ictbench.duckdb"
mkdir -p "$(dirname "$db")"
rm -f "$db" "$db.wal"
"$here/../../.venv/bin/python" -c "import duckdb, sys; duckdb.connect(sys.argv[2]).execute(open(sys.argv[1]).read())" "$here/seed_raw_fixture.sql" "$db"
echo "raw fixture written to $db"
