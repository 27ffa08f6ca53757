#!/usr/bin/env bash
# Surge benchmark: our ASGI fast path vs nginx serving the identical bytes as a static file.
# Usage: bash bench/masks/run.sh   (env: DURATION=20 ROUNDS=3 WORKERS=1 THREADS=2 SERVER=granian|uvicorn)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
SHARED=${EPIAID_SHARED_DATA:-$REPO/../shared/data}
DURATION=${DURATION:-10}
WORKERS=${WORKERS:-1}
THREADS=${THREADS:-2}
SERVER=${SERVER:-granian}   # granian (RSGI front door), or uvicorn (ASGI fast path)
QUERY="/corona19-masks/v1/storesByGeo/json?lat=37.5665&lng=126.9780&m=1000"   # Seoul City Hall, 1 km
if [ ! -f "$SHARED/map/mask_stores_2020-03-15_SOMJANG.csv" ]; then
  echo "SKIP: real outlet list not found under $SHARED (fresh clone without ../shared/data)"; exit 0
fi
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
need=""; command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need="$need nginx-light"
command -v wrk >/dev/null || need="$need wrk"
if [ -n "$need" ]; then
  echo "installing:$need"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q install -qq $need >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
ulimit -n 8192 || true

TMP=$(mktemp -d /tmp/epiaid-bench-masks.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$TMP"; }
trap cleanup EXIT
export EPIAID_DATA_DIR=$TMP/data DJANGO_SETTINGS_MODULE=epiaid.core.settings EPIAID_LOG_LEVEL=ERROR EPIAID_DEBUG=1
# One loopback client is the whole load here: the per-client public rate limit would measure itself.
export EPIAID_RATE_PUBLIC_PER_MINUTE=0 EPIAID_SHED_PUBLIC_IN_FLIGHT=0
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OUR_PORT=$(free_port); NGINX_PORT=$(free_port)

echo "== loading the real outlet lists (their union, as the demo does) into a temporary SQLite database"
.venv/bin/python bench/masks/setup_db.py "$SHARED" | tail -2

echo "== starting epiaid ($SERVER, $WORKERS worker(s)) on 127.0.0.1:$OUR_PORT"
if [ "$SERVER" = granian ] && [ -x .venv/bin/granian ]; then
  # RSGI front door: hot paths without ASGI messages, everything else through the ASGI app (Django).
  .venv/bin/granian --interface rsgi --http 1 --host 127.0.0.1 --port "$OUR_PORT" --workers "$WORKERS" \
    --runtime-threads 1 --no-ws --log-level error epiaid.masks.rsgi:application > "$TMP/server.log" 2>&1 &
else
  SERVER=uvicorn
  .venv/bin/uvicorn epiaid.core.asgi:application --host 127.0.0.1 --port "$OUR_PORT" --workers "$WORKERS" \
    --lifespan off --no-access-log --log-level error > "$TMP/server.log" 2>&1 &
fi
PIDS+=($!)
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$OUR_PORT$QUERY" -o "$TMP/body.json" && break; sleep 0.5; done
[ -s "$TMP/body.json" ] || { echo "server did not start"; cat "$TMP/server.log"; exit 1; }
echo "   response: $(wc -c < "$TMP/body.json") bytes, $(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['count'])" "$TMP/body.json") outlets"

echo "== starting nginx ($WORKERS worker(s)) on 127.0.0.1:$NGINX_PORT with the identical bytes"
mkdir -p "$TMP/www/corona19-masks/v1/storesByGeo" "$TMP/nginx"
cp "$TMP/body.json" "$TMP/www/corona19-masks/v1/storesByGeo/json"
chmod 755 "$TMP"; chmod -R a+rX "$TMP/www"   # nginx workers run unprivileged
cat > "$TMP/nginx/nginx.conf" <<CONF
worker_processes $WORKERS;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/www;
    location / { default_type "application/json; charset=utf-8"; }
  }
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
PIDS+=($!)
for _ in $(seq 1 40); do curl -fs "http://127.0.0.1:$NGINX_PORT$QUERY" -o "$TMP/nginx_body.json" && break; sleep 0.25; done
cmp "$TMP/body.json" "$TMP/nginx_body.json" && echo "   nginx serves the identical bytes"

ROUNDS=${ROUNDS:-3}
echo "== wrk: $ROUNDS alternating rounds of ${DURATION}s, 64 connections, $THREADS threads (the machine is shared:"
echo "   alternating rounds expose both servers to the same background load)"
wrk -t"$THREADS" -c64 -d2s "http://127.0.0.1:$OUR_PORT$QUERY" > /dev/null   # warm-up
wrk -t"$THREADS" -c64 -d2s "http://127.0.0.1:$NGINX_PORT$QUERY" > /dev/null
for r in $(seq 1 "$ROUNDS"); do
  wrk -t"$THREADS" -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$OUR_PORT$QUERY" > "$TMP/ours.$r.txt"
  wrk -t"$THREADS" -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$NGINX_PORT$QUERY" > "$TMP/nginx.$r.txt"
done
echo "== burst: 640 connections (10x) for $((DURATION / 2 > 5 ? DURATION / 2 : 5))s against epiaid, counting statuses"
wrk -t"$THREADS" -c640 -d"$((DURATION / 2 > 5 ? DURATION / 2 : 5))s" --timeout 10s --latency \
  -s bench/masks/count_status.lua "http://127.0.0.1:$OUR_PORT$QUERY" > "$TMP/burst.txt"
.venv/bin/python bench/masks/report.py "$TMP" "$ROUNDS" \
  "($SERVER, $WORKERS worker(s); nginx $WORKERS worker(s); ${DURATION}s each; $(nproc) CPU cores shared with wrk)"
.venv/bin/python bench/masks/page_load.py "http://127.0.0.1:$OUR_PORT" || echo "page load: failed"
if [ -n "${KEEP_RAW:-}" ]; then cp "$TMP"/*.txt "$KEEP_RAW"/; fi
