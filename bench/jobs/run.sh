#!/usr/bin/env bash
# Background-job queue: empty-job throughput and enqueue→start latency (p50/p95) on SQLite and
# PostgreSQL with 1 and 2 worker processes, beside the same jobs run inline; prints the ratios.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="$REPO/.venv/bin/python"
WORK="${BENCH_WORK:-/tmp/${USER:-epiaid}-jobs-bench}"
PORT="${BENCH_PG_PORT:-54349}"
JOBS="${BENCH_JOBS:-500}"
rm -rf "$WORK"; mkdir -p "$WORK"
export EPIAID_DATA_DIR="$WORK"
"$PY" "$HERE/bench.py" --label sqlite --jobs "$JOBS" --database-url "sqlite:///$WORK/jobs.sqlite3"
url="$("$REPO/scripts/postgres-test-server.sh" start "$PORT")"
trap '"$REPO/scripts/postgres-test-server.sh" stop "$PORT"' EXIT
psql "${url%/*}/postgres" -qc "DROP DATABASE IF EXISTS jobs_bench" -qc "CREATE DATABASE jobs_bench OWNER epiaid"
"$PY" "$HERE/bench.py" --label postgresql --jobs "$JOBS" --database-url "${url%/*}/jobs_bench"
