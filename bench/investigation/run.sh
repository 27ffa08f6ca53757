#!/usr/bin/env bash
# Investigation benchmarks: contacts (DuckDB, 1 thread) on 28.8 M pings, one case's path, staypoints
# vs trackintel (own venv), DuckDB vs Spark local, DS4C infector ranking. Sizes: BENCH_PEOPLE (default 100000 = 28.8 M pings).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="$REPO/.venv/bin/python"
WORK="${BENCH_WORK:-/tmp/${USER:-epiaid}-investigation-bench}"
SAMPLE="${EPIAID_SHARED_DATA:-$REPO/../shared/data}/trace/geolife_sample_skmob.txt.gz"
TI_VENV="${TI_VENV:-/tmp/ti-venv}"
export OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
mkdir -p "$WORK"
LOG="$WORK/results.jsonl"; : > "$LOG"

run() {  # run <part> [args…]: one process per part, peak RSS from /usr/bin/time -v
  local out; out="$(/usr/bin/time -v "$PY" "$HERE/bench.py" "$@" 2> "$WORK/time-$1.txt")"
  local rss; rss="$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time-$1.txt")"
  echo "$out" | sed -n 's/^RESULT //p' | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); d['peak_rss_mb']=round($rss/1024); print(json.dumps(d))" | tee -a "$LOG"
}

run gen "$WORK"
run contacts "$WORK"
run path "$WORK"
if [ -f "$SAMPLE" ]; then
  run staypoints "$WORK" "$SAMPLE"
  if [ ! -x "$TI_VENV/bin/python" ]; then
    python3 -m venv "$TI_VENV" && "$TI_VENV/bin/pip" install -q trackintel
  fi
  out="$(/usr/bin/time -v "$TI_VENV/bin/python" "$HERE/trackintel_staypoints.py" "$SAMPLE" 2> "$WORK/time-ti.txt")"
  rss="$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time-ti.txt")"
  echo "$out" | sed -n 's/^RESULT //p' | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); d['peak_rss_mb']=round($rss/1024); print(json.dumps(d))" | tee -a "$LOG"
else
  echo "GeoLife sample not found at $SAMPLE: staypoint comparison skipped"
fi
if "$PY" -c "import pyspark" 2>/dev/null; then run spark "$WORK"; else echo "pyspark not installed: Spark comparison skipped"; fi
DS4C="${EPIAID_SHARED_DATA:-$REPO/../shared/data}/ds4c"
if [ -d "$DS4C" ]; then  # infector ranking: random CV / time-ordered / + cluster-grouped (issue 24)
  "$REPO/.venv/bin/epiaid" investigate evaluate-infectors --ds4c "$DS4C" --out "$WORK/infector" | tee "$WORK/infector.txt"
fi
"$PY" "$HERE/summary.py" "$LOG"
