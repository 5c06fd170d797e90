#!/usr/bin/env bash
# Configures and builds one flavour of Pharos.
#   scripts/build.sh release [--no-tests] -> build/       GCC, Release, tests and benchmarks
#   scripts/build.sh asan                 -> build-asan/  Clang, ASan + UBSan, tests and fuzzers
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
tests=ON
[ "${2:-}" = "--no-tests" ] && tests=OFF
jobs=${PHAROS_JOBS:-$(nproc)}
case "$flavour" in
  release)
    dir=build
    args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
          -DPHAROS_BUILD_TESTS=$tests -DPHAROS_BUILD_BENCH=$tests)
    ;;
  asan)
    dir=build-asan
    # -O1 keeps sanitized tests quick without hiding much; benchmarks mean nothing here.
    args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
          -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DPHAROS_SANITIZE=ON -DPHAROS_BUILD_BENCH=OFF
          -DPHAROS_BUILD_FUZZ=ON)
    ;;
  *)
    echo "usage: $0 release|asan" >&2
    exit 2
    ;;
esac

cmake -S . -B "$dir" -G Ninja "${args[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
