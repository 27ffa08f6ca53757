#!/usr/bin/env bash
# Support programmes: approval decisions/s on PostgreSQL with concurrent workers (goal >= 100/s, never
# overspent), then the portal/Slurm agreement lag where a Slurm is available (slurm_lag.py).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
bash "$HERE/approvals.sh"
if command -v sacctmgr >/dev/null 2>&1; then
  "$REPO/.venv/bin/python" "$HERE/slurm_lag.py" --jobs "${BENCH_SLURM_JOBS:-10}"
else
  echo "slurm_lag: skipped (no Slurm on this machine: apt-get install slurm-wlm slurmdbd)"
fi
