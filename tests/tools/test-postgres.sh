#!/usr/bin/env bash
# One PostgreSQL server for a whole test run (a CTest fixture starts and stops it):
#   test-postgres.sh start DIR   fresh cluster in DIR on a free loopback port; writes
#                                DIR/conninfo for the tests (PHAROS_TEST_POSTGRES_FILE)
#   test-postgres.sh start DIR --durable   the same with fsync and synchronous commit on (benchmarks)
#   test-postgres.sh stop DIR    fast shutdown, DIR removed
# Debian's binaries; as root the server runs as the `postgres` user, as PostgreSQL insists.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "test-postgres: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  as_server=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
fi

case "$cmd" in
  start)
    if [ -f "$dir/data/postmaster.pid" ]; then "$0" stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    "${as_server[@]}" "$bin/initdb" -D "$dir/data" -A trust -U pharos --no-sync -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # Tests need no durability across a machine crash; a benchmark does (--durable).
    speed="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    [ "${3:-}" = "--durable" ] && speed=""
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 $speed -c shared_buffers=64MB \
       -c max_connections=400" >/dev/null
    echo "host=127.0.0.1 port=$port user=pharos dbname=postgres connect_timeout=5" >"$dir/conninfo"
    echo "test-postgres: listening on 127.0.0.1:$port ($dir)"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
