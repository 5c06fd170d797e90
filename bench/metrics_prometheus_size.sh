#!/usr/bin/env bash
# Bytes per sample of Prometheus' TSDB beside Pharos' chunk codec, on the same dataset
# (bench/metrics_dataset.h): the dataset is printed as OpenMetrics, backfilled into
# Prometheus blocks with promtool, and encoded by metrics_chunk_bench.
#
#   bench/metrics_prometheus_size.sh [TARGETS] [HOURS]        (default 20 targets, 6 hours)
#
# Environment: BUILD_DIR (default build-rel, configured with -DPHAROS_BUILD_BENCH=ON),
# JITTER_MS (scrape jitter, default 3), WORK_DIR (default a temp dir under /var/tmp, removed
# at the end). promtool parses the whole file once per 2-hour block, so its time grows with
# targets x hours^2: 20 targets x 6 hours takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=${1:-20}
hours=${2:-6}
jitter=${JITTER_MS:-3}
build=${BUILD_DIR:-build-rel}

# Debian's prometheus package (scripts/setup.sh lists it; it does not start the service).
command -v promtool >/dev/null || "$(dirname "$0")/../scripts/setup.sh"

cmake --build "$build" -j2 --target metrics_dataset_gen metrics_chunk_bench >/dev/null

work=${WORK_DIR:-$(mktemp -d /var/tmp/pharos-prom-size.XXXXXX)}
[ -z "${WORK_DIR:-}" ] && trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

echo "dataset: $targets targets x $hours h, 15 s scrapes, jitter +-$jitter ms" >&2
"$build/bench/metrics_dataset_gen" --targets "$targets" --hours "$hours" --jitter-ms "$jitter" \
  --format openmetrics >"$work/data.om"
rm -rf "$work/blocks"
start=$(date +%s)
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/blocks" >"$work/promtool.log"
echo "promtool: $(($(date +%s) - start)) s for $(du -h "$work/data.om" | cut -f1) of OpenMetrics" >&2
rm -f "$work/data.om"

PHAROS_BENCH_TARGETS=$targets PHAROS_BENCH_HOURS=$hours PHAROS_BENCH_JITTER_MS=$jitter \
  "$build/bench/metrics_chunk_bench" --benchmark_filter='BM_DatasetBytesPerSample/.*no_jitter:0' \
  --benchmark_format=json >"$work/pharos.json"

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
blocks = os.path.join(work, "blocks")
samples = series = chunks = chunk_bytes = block_bytes = index_bytes = 0
def tree_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
for b in sorted(os.listdir(blocks)):
    path = os.path.join(blocks, b)
    stats = json.load(open(os.path.join(path, "meta.json")))["stats"]
    samples += stats["numSamples"]
    chunks += stats["numChunks"]
    chunk_bytes += tree_size(os.path.join(path, "chunks"))
    index_bytes += os.path.getsize(os.path.join(path, "index"))
    block_bytes += tree_size(path)
nblocks = len(os.listdir(blocks))
pharos = {}
for bm in json.load(open(os.path.join(work, "pharos.json")))["benchmarks"]:
    chunk = bm["name"].split("chunk:")[1].split("/")[0]
    pharos[chunk] = bm
p120 = pharos["120"]
if int(p120["samples"]) != samples:
    print(f"warning: Prometheus stored {samples} samples, Pharos encoded {int(p120['samples'])}")
print(f"{samples} samples, {int(p120['series'])} series; Prometheus: {nblocks} blocks, {chunks} chunks")
print()
print(f"{'store':<44} {'bytes':>12} {'bytes/sample':>13}")
rows = [
    ("Prometheus 2.42 chunks/ (120-sample chunks)", chunk_bytes),
    ("Prometheus 2.42 index", index_bytes),
    ("Prometheus 2.42 whole blocks", block_bytes),
]
for name, size in rows:
    print(f"{name:<44} {size:>12} {size / samples:>13.3f}")
for chunk in ("120", "480"):
    bm = pharos[chunk]
    n = bm["samples"]
    print(f"{'Pharos XOR chunks of ' + chunk:<44} {round(bm['bytes_per_sample'] * n):>12} "
          f"{bm['bytes_per_sample']:>13.3f}")
    print(f"{'  + Prometheus-style framing per chunk':<44} "
          f"{round(bm['framed_bytes_per_sample'] * n):>12} {bm['framed_bytes_per_sample']:>13.3f}")
PY
