#!/usr/bin/env bash
# HTTP throughput and latency, Pharos beside nginx, in one run on this machine:
#   1. nginx serving a small static file (the peer),
#   2. Pharos GET /healthz,
#   3. Pharos authenticated, cacheable GET (an admin key, X-Cache: HIT after the first),
# each with wrk over keep-alive on loopback; then 10,000 idle keep-alive connections
# against Pharos and its resident memory. Needs a release build (scripts/build.sh release).
#   bench/api_http.sh                    # 10 s per wrk run, one server thread / worker each
#   SERVER_THREADS=2 bench/api_http.sh   # both servers on two threads / workers
#   DURATION=30s bench/api_http.sh
# Both servers get the same number of threads (nginx workers, Pharos I/O threads). On a
# 2-core machine one each is the fair set-up: wrk needs the other core.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/install-peers.sh

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-1}
AUTH_PATH=${AUTH_PATH:-/api/v1/keys}
NGINX_PORT=18080
PHAROS_PORT=18081
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as www-data
nginx_pid=""
pharos_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "$pharos_pid" ] && kill "$pharos_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# nginx: as many workers as cores, no access log, the same tiny body Pharos returns.
mkdir -p "$work/nginx/html" "$work/nginx/logs"
printf '{"status":"ok"}' > "$work/nginx/html/healthz"
chmod -R a+rX "$work/nginx/html"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $SERVER_THREADS;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $work/nginx/html;
    default_type application/json;
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!

# Pharos: the same number of I/O threads, rate limits out of the way, quiet logs.
cat > "$work/pharos.yaml" <<CONF
server:
  threads: $SERVER_THREADS
  max_connections: 12000
api:
  rate_limit: {rate: 100000000, burst: 100000000}
  anonymous_rate_limit: {rate: 100000000, burst: 100000000}
  cache_ttl: 60s
log:
  level: warn
CONF
build/pharos serve --config "$work/pharos.yaml" --data "$work/data" --listen "127.0.0.1:$PHAROS_PORT" \
  > "$work/pharos.log" 2>&1 &
pharos_pid=$!
for _ in $(seq 200); do
  curl -sf "127.0.0.1:$PHAROS_PORT/healthz" >/dev/null && curl -sf "127.0.0.1:$NGINX_PORT/healthz" >/dev/null && break
  sleep 0.05
done

key=""
if build/pharos keys create --role admin --name bench --data "$work/data" > "$work/key.txt" 2>&1; then
  key=$(grep -o 'phk_[A-Za-z0-9_-]*' "$work/key.txt" | head -1)
fi

run() {  # name url [header]
  local name=$1 url=$2 header=${3:-}
  local out
  if [ -n "$header" ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$header" "$url")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  fi
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
  printf '%-32s %12s req/s   p99 %8s   %s\n' "$name" "$rps" "$p99" "$errors"
  echo "$rps" > "$work/$name.rps"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (keep-alive, loopback), $(nproc) cores," \
  "$SERVER_THREADS nginx worker(s) and Pharos thread(s)"
echo "(the -c8 rows: wrk -t1 -c8)"
run nginx-static "http://127.0.0.1:$NGINX_PORT/healthz"
run pharos-healthz "http://127.0.0.1:$PHAROS_PORT/healthz"
if [ -n "$key" ]; then
  curl -s -o /dev/null -D - -H "Authorization: Bearer $key" "127.0.0.1:$PHAROS_PORT$AUTH_PATH" | grep -i '^x-cache' || true
  run pharos-auth-cached "http://127.0.0.1:$PHAROS_PORT$AUTH_PATH" "Authorization: Bearer $key"
else
  echo "pharos-auth-cached: skipped (no 'pharos keys create' in this build)"
fi

# Latency at a moderate load: 8 connections, one wrk thread, so queueing behind a saturated
# CPU does not dominate the tail.
CONNECTIONS=8 THREADS=1 run nginx-static-c8 "http://127.0.0.1:$NGINX_PORT/healthz"
CONNECTIONS=8 THREADS=1 run pharos-healthz-c8 "http://127.0.0.1:$PHAROS_PORT/healthz"
[ -n "$key" ] && CONNECTIONS=8 THREADS=1 run pharos-auth-cached-c8 "http://127.0.0.1:$PHAROS_PORT$AUTH_PATH" "Authorization: Bearer $key"

ratio() { awk -v a="$(cat "$work/$1.rps")" -v b="$(cat "$work/nginx-static.rps")" 'BEGIN {printf "%.2f", a / b}'; }
echo "healthz / nginx:      $(ratio pharos-healthz)   (target >= 0.70)"
[ -f "$work/pharos-auth-cached.rps" ] && echo "auth cached / nginx:  $(ratio pharos-auth-cached)   (target >= 0.50)"

kill "$pharos_pid" "$nginx_pid" 2>/dev/null || true
wait 2>/dev/null || true
pharos_pid=""; nginx_pid=""

echo "== 10,000 idle keep-alive connections =="
build/bench/app_idle_connections_bench
