#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on a loopback port for the test suite and print its URL.
# Usage: scripts/postgres-test-server.sh start|stop [PORT]
set -euo pipefail
action=${1:-start}
port=${2:-${EPIAID_PG_PORT:-54329}}
dir=${EPIAID_PG_DIR:-/tmp/epiaid-pg-$port}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    if [ ! -s "$dir/PG_VERSION" ]; then
      rm -rf "$dir"; mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      as_pg "$bindir/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    fi
    psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='epiaid'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE epiaid LOGIN SUPERUSER"
    psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='epiaid'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE epiaid OWNER epiaid"
    echo "postgres://epiaid@127.0.0.1:$port/epiaid"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
