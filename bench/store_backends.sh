#!/usr/bin/env bash
# The store on SQLite and on PostgreSQL in one run (bench/store_backends_bench.cpp): starts a
# throw-away PostgreSQL (tests/tools/test-postgres.sh; fsync on, as in production), runs the
# benchmark with PHAROS_BENCH_POSTGRES set, stops the server.
#   bench/store_backends.sh [benchmark args…]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=/tmp/pharos-bench-postgres
tests/tools/test-postgres.sh start "$dir" --durable
trap 'tests/tools/test-postgres.sh stop "$dir"' EXIT
PHAROS_BENCH_POSTGRES="$(cat "$dir/conninfo")" build/bench/store_backends_bench "$@"
