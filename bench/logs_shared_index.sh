#!/usr/bin/env bash
# The log index embedded (SQLite, FTS5) and shared (PostgreSQL, tsvector/GIN) in one run, on the
# same synthetic lines (bench/logs_search_bench.cpp): build rate and search latency. Starts a
# throw-away PostgreSQL with fsync on (tests/tools/test-postgres.sh --durable), stops it after.
#   LOGS_SEARCH_LINES=2000000 bench/logs_shared_index.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export LOGS_SEARCH_LINES="${LOGS_SEARCH_LINES:-2000000}"
dir=/tmp/pharos-bench-postgres-logs
tests/tools/test-postgres.sh start "$dir" --durable
trap 'tests/tools/test-postgres.sh stop "$dir"' EXIT
echo "== embedded (SQLite FTS5), $LOGS_SEARCH_LINES lines"
build/bench/logs_search_bench "$@"
echo "== shared (PostgreSQL tsvector/GIN), $LOGS_SEARCH_LINES lines"
PHAROS_BENCH_POSTGRES="$(cat "$dir/conninfo")" build/bench/logs_search_bench "$@"
