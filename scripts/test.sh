#!/usr/bin/env bash
# The whole suite on SQLite, then the same suite on PostgreSQL in a throw-away cluster.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export CLB_DATA_DIR="${CLB_DATA_DIR:-$(mktemp -d -t clb-test-XXXX)}"
export CLB_PLAIN_STATIC=1
echo "== SQLite =="
"$PY" -m pytest "$@"; sqlite_rc=$?
echo "== PostgreSQL =="
"$PY" scripts/pg.py -- "$PY" -m pytest "$@"; pg_rc=$?
echo "SQLite exit $sqlite_rc, PostgreSQL exit $pg_rc"
[ $sqlite_rc -eq 0 ] && [ $pg_rc -eq 0 ]
