#!/usr/bin/env bash
# The health-check issue's figures, in one run on this machine (several minutes):
#   1. nginx (Debian nginx-light) on a free loopback port answers every target
#      http://127.0.0.1:PORT/t/N with 200 "ok"; both sides probe this same nginx.
#   2. The peer: Prometheus 2.42 + blackbox_exporter 0.23 (Debian packages) probing 1,000
#      targets every 10 s (module http_2xx, timeout 5s, the usual relabeling).
#   3. Pharos with 1,000 checks (the same targets) and with 10,000, every 10 s, timeout 5s.
# Each run: warm-up, then a measured window: CPU (utime+stime, all threads) per probe and in %
# of one core, peak RSS (VmRSS once a second), probes as counted by the system itself
# (Prometheus: count_over_time(probe_success); Pharos: the increase of
# pharos_health_probes_total), Pharos' schedule lateness p99 from its histogram. nginx's CPU
# is reported, not counted. Ends with a table and OUT/results.{json,csv}, OUT/rss.svg.
#
#   bench/health.sh                          # MEASURE=120 WARMUP=30 CHECKS="1000 10000"
#   MEASURE=60 CHECKS= bench/health.sh       # the peer only
#   SKIP_PEER=1 CHECKS=10000 bench/health.sh # Pharos at 10,000 only
#   PREFLIGHT_ONLY=1 bench/health.sh         # write the configs, `pharos config check` them, stop
# Environment: MEASURE, WARMUP (seconds), CHECKS (Pharos check counts, "" for none),
# PEER_TARGETS (1000), SKIP_PEER=1, PHAROS (build/pharos), OUT (/tmp/pharos-bench-health).
set -euo pipefail
cd "$(dirname "$0")/.."
here=bench/health

MEASURE=${MEASURE:-120}
WARMUP=${WARMUP:-30}
CHECKS=${CHECKS-1000 10000}
PEER_TARGETS=${PEER_TARGETS:-1000}
SKIP_PEER=${SKIP_PEER:-0}
PHAROS=${PHAROS:-build/pharos}
OUT=${OUT:-/tmp/pharos-bench-health}
PREFLIGHT_ONLY=${PREFLIGHT_ONLY:-0}
PROMETHEUS=${PROMETHEUS_BIN:-/usr/bin/prometheus}
BLACKBOX=${BLACKBOX_BIN:-/usr/bin/prometheus-blackbox-exporter}
NGINX=${NGINX_BIN:-/usr/sbin/nginx}

py() { python3 "$here/health.py" "$@"; }
note() { echo "[$(date +%H:%M:%S)] $*"; }
fail() { echo "bench/health.sh: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- processes we own
# Every process this script starts is recorded here and stopped by its pid, on any exit.
declare -A pids=()
stop() {  # role...: SIGTERM, up to 15 s to go, then SIGKILL
  local role pid
  for role in "$@"; do
    pid=${pids[$role]:-}
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for role in "$@"; do
    pid=${pids[$role]:-}
    [ -n "$pid" ] || continue
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      note "$role (pid $pid) still running after 15 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    unset "pids[$role]"
  done
}
work=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop measure  # first, or it reports the others' exit as a failure
  [ ${#pids[@]} -gt 0 ] && stop "${!pids[@]}"
  [ -n "$work" ] && rm -rf "$work"
  [ $rc -ne 0 ] && echo "bench/health.sh: stopped (exit $rc); logs in $OUT/logs" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() {  # role log command...: in the background, recorded in pids
  local role=$1 logf=$2
  shift 2
  "$@" >"$logf" 2>&1 &
  pids[$role]=$!
}
measure() {  # health.py measure args: in the background so that a signal stops it at once
  python3 "$here/health.py" measure "$@" &
  pids[measure]=$!
  wait "${pids[measure]}"
  unset "pids[measure]"
}

# ---------------------------------------------------------------- preflight
for tool in "$NGINX" "$PROMETHEUS" "$BLACKBOX"; do
  [ -x "$tool" ] || { [ "$SKIP_PEER" = 1 ] && [ "$tool" != "$NGINX" ]; } ||
    fail "$tool not found (Debian packages nginx-light prometheus prometheus-blackbox-exporter; see scripts/setup.sh)"
done
if [ -n "$CHECKS" ]; then
  [ -x "$PHAROS" ] || fail "no Pharos binary at $PHAROS (scripts/build.sh release, or PHAROS=path)"
  for n in $CHECKS; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || fail "CHECKS must be counts of checks, got '$n'"
  done
fi
[[ $MEASURE =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || fail "MEASURE and WARMUP are whole seconds"

mkdir -p "$OUT/logs"
rm -f "$OUT"/run-*.json "$OUT"/logs/*
work=$(mktemp -d /tmp/pharos-bench-health.XXXXXX)
chmod 755 "$work"  # nginx's worker runs as www-data

note "uptime: $(uptime)"
note "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
python3 - "$OUT/meta.json" <<PY
import json, os, sys, time
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({"uptime": """$(uptime)""".strip(), "cores": os.cpu_count(), "cpu": cpu,
           "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "measure_s": $MEASURE,
           "warmup_s": $WARMUP, "pharos": "$PHAROS", "peer_targets": $PEER_TARGETS},
          open(sys.argv[1], "w"), indent=1)
PY

nginx_port=$(py freeport)

pharos_config() {  # N: writes OUT/logs/pharos-N.yaml with fresh ports, sets pharos_port
  pharos_port=$(py freeport)
  py render "$here/pharos.yaml" "$OUT/logs/pharos-$1.yaml" --checks "$1" \
    --target-port "$nginx_port" --set "PORT=$pharos_port" --set "SYSLOG_PORT=$(py freeport)"
}

# Pharos' configs first: a build that refuses them fails here, not after the peer's minutes.
for n in $CHECKS; do
  cfg="$OUT/logs/pharos-$n.yaml"
  pharos_config "$n"
  py validate-yaml "$cfg"
  if ! "$PHAROS" config check "$cfg" >"$OUT/logs/pharos-$n.check" 2>&1; then
    head -5 "$OUT/logs/pharos-$n.check" >&2
    fail "$PHAROS config check refused $cfg (no health checks in this build?)"
  fi
  summary=$(grep -i -m1 -E 'health|check' "$OUT/logs/pharos-$n.check" || head -1 "$OUT/logs/pharos-$n.check")
  note "pharos config with $n checks accepted: $summary"
done
[ "$PREFLIGHT_ONLY" = 1 ] && { note "preflight only: configs in $OUT/logs"; exit 0; }

# ---------------------------------------------------------------- nginx
py render "$here/nginx.conf" "$work/nginx.conf" --set "PORT=$nginx_port" --set "WORK=$work"
start nginx "$OUT/logs/nginx.log" "$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log"
py wait-http "http://127.0.0.1:$nginx_port/t/1" "${pids[nginx]}" 10 "$work/nginx-error.log"
note "nginx on 127.0.0.1:$nginx_port (pid ${pids[nginx]})"
nginx_args=(--nginx-pid "${pids[nginx]}" --nginx-status "http://127.0.0.1:$nginx_port/nginx_status")

# ---------------------------------------------------------------- the peer
if [ "$SKIP_PEER" != 1 ]; then
  bb_port=$(py freeport)
  prom_port=$(py freeport)
  cp "$here/blackbox.yml" "$work/blackbox.yml"
  py render "$here/prometheus.yml" "$work/prometheus.yml" --checks "$PEER_TARGETS" \
    --target-port "$nginx_port" --set "BLACKBOX_PORT=$bb_port"
  cp "$work/prometheus.yml" "$OUT/logs/prometheus.yml"
  start blackbox "$OUT/logs/blackbox.log" "$BLACKBOX" --config.file="$work/blackbox.yml" \
    --web.listen-address="127.0.0.1:$bb_port" --log.level=warn
  start prometheus "$OUT/logs/prometheus.log" "$PROMETHEUS" --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/prometheus-data" --web.listen-address="127.0.0.1:$prom_port" \
    --log.level=warn
  py wait-http "http://127.0.0.1:$bb_port/metrics" "${pids[blackbox]}" 30 "$OUT/logs/blackbox.log"
  py wait-http "http://127.0.0.1:$prom_port/-/ready" "${pids[prometheus]}" 60 "$OUT/logs/prometheus.log"
  note "prometheus on :$prom_port (pid ${pids[prometheus]}), blackbox_exporter on :$bb_port" \
    "(pid ${pids[blackbox]}), $PEER_TARGETS targets every 10 s"
  measure --system prometheus+blackbox --checks "$PEER_TARGETS" --warmup "$WARMUP" \
    --measure "$MEASURE" --out "$OUT/run-0-peer-$PEER_TARGETS.json" \
    --proc "prometheus=${pids[prometheus]}" --proc "blackbox_exporter=${pids[blackbox]}" \
    --prometheus "http://127.0.0.1:$prom_port" "${nginx_args[@]}"
  stop prometheus blackbox
fi

# ---------------------------------------------------------------- Pharos
for n in $CHECKS; do
  pharos_config "$n"  # the ports picked minutes ago may be taken by now
  start pharos "$OUT/logs/pharos-$n.log" "$PHAROS" serve --config "$OUT/logs/pharos-$n.yaml" \
    --data "$work/pharos-data-$n"
  py wait-http "http://127.0.0.1:$pharos_port/healthz" "${pids[pharos]}" 120 "$OUT/logs/pharos-$n.log"
  note "pharos on :$pharos_port (pid ${pids[pharos]}), $n checks every 10 s"
  measure --system pharos --checks "$n" --warmup "$WARMUP" --measure "$MEASURE" \
    --out "$OUT/run-1-pharos-$(printf %05d "$n").json" --proc "pharos=${pids[pharos]}" \
    --pharos-metrics "http://127.0.0.1:$pharos_port/metrics" "${nginx_args[@]}"
  stop pharos
done

stop nginx
note "uptime: $(uptime)"
py report "$OUT"
