#!/usr/bin/env bash
# The log issue's figures (see bench/logs/ingest.py and docs/BENCHMARKS.md, "Logs"):
#   bench/logs.sh                         # 2,000,000 lines: rsyslog, Pharos syslog TCP, HTTP
#   LINES=200000 bench/logs.sh            # a quick run
#   SKIP_PEER=1 MODES=http bench/logs.sh  # Pharos over HTTP only
# Environment: LINES, BATCH (lines per POST, 5000), CONNS (HTTP connections, 2), MODES,
# SKIP_PEER=1, PHAROS (build/pharos), OUT (/tmp/pharos-bench-logs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/logs/ingest.py
