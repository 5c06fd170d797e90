#!/usr/bin/env bash
# Log ingest scale-out on shared backends (issue 11: two processes reach at least 1.6x one):
# acknowledged, durable lines/s of one `pharos serve --modules api,logs` against two, all on one
# PostgreSQL (fsync on) + NATS JetStream + s3rver started on loopback for the run. Each Pharos
# process gets a cgroup-v1 CFS quota of QUOTA cores (a machine of its own; cpu.shares 8192, so
# it gets that budget on a busy machine), so the backends and the client have the rest of this
# one. Each of the two is sent as many lines as the one (TWO_SENDS=half: half as many). Reports
# each run's lines/s, the ratio two/one and its median, the CPU of every process, throttling,
# 429/503 answers, then the processed (indexed) rate (bench/logs/scale_out.py describes it all).
# Needs root; stops the servers and removes its cgroups and temp dirs after. ~5 min by default
# (QUOTA=0.5 LINES=2000000 BATCH=5000 CONNS=2 REPEAT=2; WAIT_PROCESSED=0 skips the indexing).
#   bench/scale_out_ingest.sh
#   QUOTA=0.6 REPEAT=3 bench/scale_out_ingest.sh
#   QUOTA=0 PHASES=one bench/scale_out_ingest.sh   # one process without a quota: client-bound?
# Writes OUT/results.json (OUT default /tmp/pharos-bench-scale-out).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/logs/scale_out.py "$@"
