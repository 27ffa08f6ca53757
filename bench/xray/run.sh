#!/usr/bin/env bash
# End-to-end seconds per DICOM (decode → checks → ONNX model → Grad-CAM → JSON result + heatmap PNG)
# on this machine's CPU, p50/p95 over 200 images, compared with the 3-second vendor claim and the
# 1.0-second goal; plus ONNX Runtime vs PyTorch eager for the model step.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
OMP_NUM_THREADS=${THREADS:-2} "$PY" bench/xray/latency.py --n "${N:-200}" --threads "${THREADS:-2}" "$@"
# STOW-RS body splitting: our delimiter split vs the standard library's MIME parser (same bytes out).
"$PY" bench/xray/stow_split.py
