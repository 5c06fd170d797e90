#!/usr/bin/env bash
# From a check's failing result to the webhook receiving the page, through the real binary:
# runs the end-to-end test that measures it (a TCP check on a loopback port that closes,
# failure_threshold 1, a `check` rule, the default route, a webhook receiver) N times and
# prints each latency and the median. Usage: bench/alerting_latency.sh [N] (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
binary=build/tests/e2e/pharos_e2e_tests
[[ -x "$binary" ]] || { echo "build first: cmake --build build --target pharos_e2e_tests" >&2; exit 1; }
"$binary" --gtest_filter='AlertingE2eTest.ADownCheck*' --gtest_repeat="$runs" 2>/dev/null |
  grep -o 'check down -> webhook: [0-9.]* s' | awk '{print $5}' | sort -n |
  awk '{ v[NR] = $1; printf "run %d: %.3f s\n", NR, $1 }
       END { if (NR == 0) { print "no measurement (did the test fail?)"; exit 1 }
             printf "min %.3f s, median %.3f s, max %.3f s over %d runs\n", v[1], v[int((NR + 1) / 2)], v[NR], NR }'
