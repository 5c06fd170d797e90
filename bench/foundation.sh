#!/usr/bin/env bash
# Runs every Foundation benchmark in one go, on this machine, and prints the figures that
# docs/BENCHMARKS.md records. Needs a release build (scripts/build.sh release).
#   bench/foundation.sh            # data on the disk under ./build/bench-data
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${PHAROS_BENCH_DIR:-$PWD/build/bench-data}
mkdir -p "$dir"

echo "== disk: dd bs=1M count=256 conv=fsync (the objects baseline, as a user would measure it) =="
for i in 1 2 3; do
  dd if=/dev/zero of="$dir/dd.out" bs=1M count=256 conv=fsync 2>&1 | tail -1
done
rm -f "$dir/dd.out"

echo "== start-up to /readyz and idle RSS =="
build/bench/app_startup_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

echo "== bus: batched send+receive+ack, single-send latency =="
TMPDIR="$dir" build/bench/bus_embedded_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

echo "== bus: the append-only log floor it was compared with =="
TMPDIR="$dir" build/bench/bus_log_floor_bench

echo "== objects: durable 1 MiB puts vs sequential write in the same run =="
PHAROS_BENCH_DIR="$dir" build/bench/objects_local_bench
