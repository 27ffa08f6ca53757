"""Benchmark: end-to-end latency per DICOM with the shipped model (see run.sh)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from epiaid.xray.engine.imaging import load_image
from epiaid.xray.engine.infer import Predictor
from epiaid.xray.engine.pipeline import read_image
from epiaid.xray.engine.report import heatmap_png
from epiaid.xray.engine.synthetic import phantom, to_dicom

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cxr" / "images"
VENDOR_CLAIM_S = 3.0
GOAL_S = 1.0


def make_dicoms(n: int, side: int) -> tuple[list[bytes], str]:
    """Realistic-size DICOMs (side×side, 12-bit; every third MONOCHROME1, every fourth RLE-compressed),
    built in memory from the development PNGs when present (never written anywhere), else phantoms."""
    pngs = sorted(SHARED.glob("*.png"))[:n] if SHARED.is_dir() else []
    out = []
    for i in range(n):
        if pngs:
            small = Image.open(pngs[i % len(pngs)]).convert("L")
            unit = np.asarray(small.resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32) / 255
        else:
            unit = phantom(side, (i % 5) / 4, seed=i)
        out.append(to_dicom(unit, bits=12, monochrome1=i % 3 == 0, rle=i % 4 == 0, patient_id=f"B{i:04d}"))
    return out, ("development PNGs upsampled" if pngs else "synthetic phantoms")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def torch_eager_ms(predictor: Predictor, reps: int = 30) -> float:
    """The same network in PyTorch eager mode (the peer for the ONNX Runtime model step).

    Its weights do not change its speed, so an ensemble of as many untrained members as the shipped
    model has stands in where no ``final.pt`` is at hand.
    """
    import torch

    from epiaid.xray.engine.net import XrayEnsemble, XrayNet

    members = len(predictor.meta.get("seeds", [0]))
    net = XrayEnsemble([XrayNet() for _ in range(members)]).eval()
    x = torch.zeros(1, 1, predictor.size, predictor.size)
    times = []
    with torch.no_grad():
        net(x)
        for _ in range(reps):
            t0 = time.perf_counter()
            net(x)
            times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)  # median: robust to other users' jobs on a shared machine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--side", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    dicoms, origin = make_dicoms(args.n, args.side)
    predictor = Predictor(threads=args.threads)
    read_image(dicoms[0], "warm.dcm", predictor)  # load-once costs are not per-image costs
    totals, decode = [], []
    parts: dict[str, list[float]] = {"preprocess": [], "model": [], "heatmap": []}
    for i, data in enumerate(dicoms):
        t0 = time.perf_counter()
        load_image(data)  # decode alone, for the breakdown only (not counted in the total)
        decode.append(1e3 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        r = read_image(data, f"{i}.dcm", predictor)
        json.dumps(r.result)
        heatmap_png(r.prediction, r.image.pixels)
        totals.append(time.perf_counter() - t0)
        for k in parts:
            parts[k].append(r.prediction.timings_ms[k])
    p50, p95 = percentile(totals, 50), percentile(totals, 95)
    onnx_ms = statistics.median(parts["model"])
    eager_ms = torch_eager_ms(predictor)
    import os

    print(f"machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"images: {len(dicoms)} DICOMs {args.side}x{args.side} 12-bit ({origin}); threads={args.threads}")
    print(f"end-to-end seconds per DICOM: p50 {p50:.3f}  p95 {p95:.3f}  max {max(totals):.3f}")
    print(
        f"  median ms: DICOM decode {statistics.median(decode):.1f} (p95 {percentile(decode, 95):.1f}), "
        f"model-input preprocessing {statistics.median(parts['preprocess']):.1f}, "
        f"ONNX model {onnx_ms:.1f}, Grad-CAM {statistics.median(parts['heatmap']):.2f}"
    )
    print(f"ratio vs vendor claim ({VENDOR_CLAIM_S:.0f} s): p95 is {VENDOR_CLAIM_S / p95:.1f}x faster")
    verdict = "MET" if p95 <= GOAL_S else "NOT MET"
    print(f"ratio vs goal ({GOAL_S:.1f} s p95): p95/goal = {p95 / GOAL_S:.2f} -> {verdict}")
    print(f"model step: ONNX Runtime {onnx_ms:.1f} ms vs PyTorch eager {eager_ms:.1f} ms ({eager_ms / onnx_ms:.1f}x)")


if __name__ == "__main__":
    main()
