#!/usr/bin/env bash
# Trends benchmarks: speed against the named peers/goals, and change-point quality on synthetic series.
# Usage: bench/trends/run.sh [--quick]     (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
export PYTHONPATH="bench/trends${PYTHONPATH:+:$PYTHONPATH}"
if [[ "${1:-}" == "--quick" ]]; then
  "$PY" bench/trends/speed.py --headlines 3000 --docs 1000000 --python-docs 50000 --series 100
  "$PY" bench/trends/synthetic.py --per-family 4
else
  "$PY" bench/trends/speed.py
  "$PY" bench/trends/synthetic.py
fi
