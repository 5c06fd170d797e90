#!/usr/bin/env bash
# Issue 10's figures 2 and 3: the ingest rate of a running server during `pharos backup create`
# against without one, and restore time against create time; one run on this machine.
#   bench/backup_ingest.sh            # FILL_MB=1024 WINDOW=20 CONNS=2 BATCH=5000
#   FILL_MB=256 WINDOW=10 bench/backup_ingest.sh
# Needs build/pharos (or PHAROS=...). Work files in OUT (default /tmp/pharos-bench-backup).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PHAROS="${PHAROS:-$ROOT/build/pharos}"
export OUT="${OUT:-/tmp/pharos-bench-backup}"
[ -x "$PHAROS" ] || { echo "no pharos binary at $PHAROS (build the pharos target)" >&2; exit 1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
exec python3 "$ROOT/bench/backup/ingest_during_backup.py"
