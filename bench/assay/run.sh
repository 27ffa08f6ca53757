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
echo "== tiled amplicons (designed on early 2020) vs ARTIC V3/V4.1/V5.3.2, dropouts on pre-2021 lineages"
A="$SHARED/assay"
OUT="$(mktemp -d)"
.venv/bin/epiaid assay tile --genomes "$A/sars2/ncov_example_2019-12_to_2020-05_genbank.fasta.gz" \
  --reference "$A/reference/MN908947.3.fasta" --out "$OUT" \
  --compare "$A/artic/ARTIC_V3.primer.bed" --compare "$A/artic/ARTIC_V4.1.primer.bed" \
  --compare "$A/artic/ARTIC_V5.3.2.primer.bed" --evaluate-msa "$A/experiments/msa_lineages_pre2021-06.fasta.xz"
cat "$OUT/comparison.tsv"
echo "== surveillance of the published assays on pre-2021 lineages"
.venv/bin/epiaid assay surveil --genomes "$A/experiments/msa_lineages_pre2021-06.fasta.xz" --msa \
  --reference "$A/reference/MN908947.3.fasta" --assays "$A/primers/reference_assays.tsv"
