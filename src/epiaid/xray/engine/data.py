"""The development set (`cxr/labels.csv` + PNGs) as arrays and targets for training and evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from epiaid.xray.engine.preprocess import INPUT_SIZE, to_unit_square

#: Labels that count as "pneumonia / lung opacity present" (everything except a normal radiograph).
ABNORMAL_LABELS = frozenset({"covid19", "other_pneumonia", "other_lung_disease"})


@dataclass
class DevSet:
    frame: pd.DataFrame
    images: np.ndarray  # (n, size, size) float32 0–1
    pneumonia: np.ndarray  # (n,) 0/1
    covid: np.ndarray  # (n,) 0/1
    extent: np.ndarray  # (n,) 0–8, NaN where unrated
    opacity: np.ndarray  # (n,) 0–6, NaN where unrated

    def subset(self, idx: np.ndarray) -> DevSet:
        return DevSet(
            self.frame.iloc[idx].reset_index(drop=True),
            self.images[idx],
            self.pneumonia[idx],
            self.covid[idx],
            self.extent[idx],
            self.opacity[idx],
        )


def load_devset(cxr_dir: Path, size: int = INPUT_SIZE) -> DevSet:
    """Read labels and images. Severity targets: COVIDNet-S scores (same scale as Cohen's where both
    exist, r > 0.999), and 0 for radiographs labelled ``no_finding`` (a normal film has no extent)."""
    frame = pd.read_csv(cxr_dir / "labels.csv")
    images = np.stack(
        [
            to_unit_square(np.asarray(Image.open(cxr_dir / f).convert("L"), dtype=np.float32), size)
            for f in frame["file"]
        ]
    )
    label = frame["label"].astype(str)
    normal = (label == "no_finding").to_numpy()
    extent = frame["covidnets_geographic_0_8"].to_numpy(dtype=np.float64).copy()
    opacity = frame["covidnets_opacity_0_8"].to_numpy(dtype=np.float64).copy()
    extent[normal], opacity[normal] = 0.0, 0.0
    return DevSet(
        frame=frame,
        images=images.astype(np.float32),
        pneumonia=label.isin(ABNORMAL_LABELS).to_numpy().astype(np.float32),
        covid=(label == "covid19").to_numpy().astype(np.float32),
        extent=extent.astype(np.float32),
        opacity=np.clip(opacity, 0, 6).astype(np.float32),
    )
