#!/usr/bin/env bash
# Approval decisions per second on PostgreSQL with concurrent worker processes (goal >= 100/s, never
# overspent). BENCH_APPS / BENCH_WORKERS / BENCH_PG_PORT override the defaults.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="$REPO/.venv/bin/python"
PORT="${BENCH_PG_PORT:-54359}"
WORK="${BENCH_WORK:-/tmp/${USER:-epiaid}-programmes-bench}"
rm -rf "$WORK"; mkdir -p "$WORK"
export EPIAID_DATA_DIR="$WORK"
url="$(EPIAID_PG_DIR="$WORK/pg" "$REPO/scripts/postgres-test-server.sh" start "$PORT")"
trap 'EPIAID_PG_DIR="$WORK/pg" "$REPO/scripts/postgres-test-server.sh" stop "$PORT"' EXIT
psql "${url%/*}/postgres" -qc "DROP DATABASE IF EXISTS programmes_bench" -qc "CREATE DATABASE programmes_bench OWNER epiaid"
"$PY" "$HERE/approvals.py" --database-url "${url%/*}/programmes_bench" --apps "${BENCH_APPS:-2000}" \
  --workers "${BENCH_WORKERS:-8}" --out "$WORK/approvals.json"
