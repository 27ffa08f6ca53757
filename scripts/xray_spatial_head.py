"""Experiment (not shipped): a spatial severity head for the X-ray CNN, scored by patient-grouped CV.

Severity (geographic extent, opacity) is predicted as a learnt lung-prior-weighted mean of per-location
opacity scores on the 8×8 feature map, instead of from the global-average-pooled vector; the pneumonia
and COVID logits keep the GAP + linear head, so Grad-CAM is unchanged. Same recipe, folds and epochs as
``epiaid xray train --epochs 30``.

Measured 2026-11-24 (out of fold, r against the 87 Cohen-rated films; GAP head of the same seed in brackets):
seed 20200220 extent 0.739 (0.706), opacity 0.740 (0.725), pneumonia AUC 0.838 (0.807), COVID 0.662 (0.635);
seed 1 extent 0.733 (0.682), opacity 0.736 (0.703), pneumonia 0.850 (0.825), COVID 0.657 (0.597).
Consistent gain, still short of r ≥ 0.80; LOSO and the ICU proxy were not yet measured for it.

Run: ``.venv/bin/python scripts/xray_spatial_head.py --folds 0,1,2 --out var/xray-spatial --seed 20200220``
(one process per core with disjoint ``--folds``), then compare ``OUT/cv*.npz`` like ``engine/evaluate.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress
from torch import nn

import epiaid.xray.engine.train as T
from epiaid.xray.engine.data import load_devset
from epiaid.xray.engine.net import XrayNet


class SpatialSeverityNet(XrayNet):
    """Severity = 8 × Σ prior(x, y) · sigmoid(opacity score(x, y)) over the final feature map."""

    def __init__(self) -> None:
        super().__init__()
        self.severity = nn.Conv2d(128, 2, 1)
        self.prior = nn.Parameter(torch.zeros(64))  # softmax over the 8×8 grid: where lungs usually are
        self.drop2d = nn.Dropout2d(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fmap = self.forward_features(x)
        logits = self.head(self.dropout(fmap.mean(dim=(2, 3))))
        scores = torch.sigmoid(self.severity(self.drop2d(fmap)))
        weights = torch.softmax(self.prior, 0).view(1, 1, 8, 8)
        severity = (scores * weights).sum(dim=(2, 3)) * 8.0
        return torch.cat([logits[:, :2], severity], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/cxr"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--seed", type=int, default=20200220)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()
    T.XrayNet = SpatialSeverityNet  # type: ignore[misc,assignment]
    folds = {int(f) for f in args.folds.split(",")}
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    dev = load_devset(args.data)
    with Progress() as progress:
        for name, tr, te in T.runs_for(dev, ["cv"]):
            if int(name[2:]) not in folds:
                continue
            t0 = time.time()
            net = T.fit(dev.subset(tr), args.epochs, args.seed, "cpu", progress, name)
            np.savez(args.out / f"{name}.npz", index=te, out=T.predict(net, dev.images[te], "cpu"))
            print(f"{name}: {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
