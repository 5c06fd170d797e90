#!/usr/bin/env bash
# Installs the Debian 12 packages Pharos builds and tests with, skipping those already
# present. Safe to run again. Needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain
  g++ clang libclang-rt-14-dev cmake ninja-build pkg-config ccache clang-format git
  # libraries (see DESIGN.md, Dependencies)
  libboost-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev libzstd-dev
  libsodium-dev libspdlog-dev libfmt-dev libcli11-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl procps
  # the peer the PromQL answers are compared with (tests/metrics/prometheus_compat_test.cpp)
  prometheus
  # health checks are tested against real servers: nginx (HTTP, TLS) and dnsmasq (DNS); the
  # health benchmark compares with Prometheus' blackbox_exporter
  nginx-light dnsmasq-base prometheus-blackbox-exporter
  # the log pipeline: simdjson parses JSON on the ingest path, snappy decodes Loki's protobuf
  # pushes; rsyslog forwards to the syslog listener in tests and is the ingest benchmark's peer
  libsimdjson-dev libsnappy-dev rsyslog
  # the scale-out backends and the real servers their tests start: PostgreSQL (src/store/
  # postgres), NATS JetStream (src/bus/nats)
  libpq-dev postgresql libnats-dev nats-server
  # notifications: libcurl sends mail over SMTP; the tests deliver to aiosmtpd and to a real
  # Alertmanager
  libcurl4-openssl-dev python3-aiosmtpd prometheus-alertmanager
  # the dashboard's end-to-end tests drive Debian's Chromium (headless) with playwright-core;
  # what it only recommends and a headless run may want: fonts, so pages (and their
  # screenshots) have text to lay out, and Mesa's drivers, which its GBM setup probes
  chromium fonts-liberation fonts-dejavu-core libgl1-mesa-dri
)
# Node.js bundles the dashboard at build time. The machine's own Node (20, with npm) is used
# when present; otherwise Debian's.
if ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The dashboard's npm packages, exactly as web/package-lock.json pins them (offline once the
# npm cache has them); again only when the lockfile changed since the last install.
install_web_packages() {
  local stamp=web/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ ! web/package-lock.json -nt "$stamp" ]; then
    echo "setup: web packages present"
    return
  fi
  echo "setup: installing web packages from web/package-lock.json"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
}

# The S3 store's tests run s3rver, an S3-compatible server from npm (Debian has none), pinned
# by tests/s3server/package-lock.json and installed the same way.
install_s3server_packages() {
  local stamp=tests/s3server/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ ! tests/s3server/package-lock.json -nt "$stamp" ]; then
    echo "setup: s3 test server packages present"
    return
  fi
  echo "setup: installing the s3 test server from tests/s3server/package-lock.json"
  (cd tests/s3server && npm ci --no-audit --no-fund --loglevel=error)
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  install_web_packages
  install_s3server_packages
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Packages that ship a service (prometheus) must not start it: tests run their own on
# loopback ports. policy-rc.d tells invoke-rc.d not to start anything during the install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_web_packages
install_s3server_packages
