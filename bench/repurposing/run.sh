#!/usr/bin/env bash
# Repurposing benchmarks: pairs scored per second (goal ≥ 50,000/s on 2 cores), training CPU-minutes per
# benchmark (budget 60), docking seconds per drug for small vs large flexible drugs. Prints ratios.
# Usage: bench/repurposing/run.sh [--skip-docking]   (needs ../shared/data/dti and the shipped weights)
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
.venv/bin/python bench/repurposing/bench_scoring.py --threads 2
.venv/bin/python bench/repurposing/bench_training.py
if [[ "${1:-}" != "--skip-docking" ]]; then
  .venv/bin/python bench/repurposing/bench_docking.py --workers 2
fi
