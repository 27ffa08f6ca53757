#!/usr/bin/env bash
# Assay benchmarks: 500 genomes → 3-target panel (wall, peak memory, ratios to the goal and to varVAMP's
# published time, primer3 design_primers per window), then the time-split evaluation.
# Run from the repository root: bash bench/assay/run.sh   (single-threaded, as on a shared 2-core box)
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
SHARED="${EPIAID_SHARED_DATA:-../shared/data}"
echo "== 500 genomes → 3-target panel"
.venv/bin/python bench/assay/bench_design.py --shared "$SHARED" --genomes 500
echo "== time-split evaluation (design early, score later)"
.venv/bin/python bench/assay/evaluate_timesplit.py --shared "$SHARED" --out bench/assay/timesplit_results.json
