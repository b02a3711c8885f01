#!/usr/bin/env bash
# The whole suite on SQLite, then the same suite on PostgreSQL in a throw-away cluster, after
# installing what it needs from Debian (scripts/ensure_system.py; under CI=true a missing piece fails
# the run here). Whatever could not run is named in the closing summary.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" scripts/ensure_system.py || exit $?
missing=$("$PY" scripts/ensure_system.py --missing)
export CLB_DATA_DIR="${CLB_DATA_DIR:-$(mktemp -d -t clb-test-XXXX)}"
export CLB_PLAIN_STATIC=1
echo "== SQLite =="
"$PY" -m pytest "$@"; sqlite_rc=$?
if grep -qx postgresql <<<"$missing"; then
  pg_rc=skipped
else
  echo "== PostgreSQL =="
  "$PY" scripts/pg.py -- "$PY" -m pytest "$@"; pg_rc=$?
fi
echo "SQLite exit $sqlite_rc, PostgreSQL exit $pg_rc"
"$PY" scripts/ensure_system.py --skipped
[ "$sqlite_rc" -eq 0 ] && { [ "$pg_rc" = skipped ] || [ "$pg_rc" -eq 0 ]; }
