#!/usr/bin/env bash
# The Metrics issue's figures (docs/BENCHMARKS.md): append rate, memory per active series,
# bytes per sample on disk beside Prometheus on the same data, query latencies, parse speed.
#   bench/metrics.sh            (a Release build in build/, then every benchmark: ~10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
b=build/bench
$b/metrics_store_bench --benchmark_filter='Append|Create|Memory'
$b/metrics_query_bench
$b/metrics_exposition_bench
$b/metrics_chunk_bench
# Bytes per sample: the whole store (SQLite rows, indexes, hourly rollups) on the dataset
# the Prometheus script backfills, then Prometheus itself on that dataset.
$b/metrics_store_bench --benchmark_filter='OnDisk'
for jitter in 0 3; do
  BUILD_DIR=build JITTER_MS=$jitter bench/metrics_prometheus_size.sh 20 6
done
