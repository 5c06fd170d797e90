#!/usr/bin/env bash
# The README's second command: the same set-up as scripts/run.sh, then the whole suite:
# a GCC Release build with every test, and a Clang build with ASan + UBSan running the
# tests again plus a short fuzzing session of every parser.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
scripts/setup.sh

echo "== release build (GCC) =="
scripts/build.sh release
echo "== release tests =="
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600

echo "== sanitizer build (Clang, ASan + UBSan) =="
scripts/build.sh asan
echo "== sanitizer tests and fuzzers =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)" --timeout 900

echo "test.sh: all suites passed in $(( $(date +%s) - start ))s"
