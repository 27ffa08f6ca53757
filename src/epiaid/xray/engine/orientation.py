"""Is the film upright? A small learned check that rejects radiographs rotated by 90°, 180° or 270°.

A rotated film is still a chest radiograph, so the pixel checks and the network's out-of-distribution
score let it through and the model then scores an image it never saw the right way up. Orientation is
visible in coarse intensity structure — the head end (neck, shoulders, lung apices) differs from the
feet end (diaphragm, abdomen), and a frontal film is mirror-symmetric left–right, not top–bottom — so a
multinomial logistic regression on a few dozen such numbers from the 64 px thumbnail is enough, cheap
(< 1 ms) and explainable: every coefficient belongs to a named row/column band or symmetry.

Only numpy is needed at inference; the coefficients ship in ``weights/orientation.json``. Training
(scikit-learn) and its patient-grouped cross-validation run with
``python -m epiaid.xray.engine.orientation --data ../shared/data/cxr`` (or ``epiaid xray train-orientation``).
Labels are free: every development image is shown to the model in all four rotations, and also
mirrored left–right (a mirrored film is upright; laterality is not this check's business), which makes
the 180° class cover films flipped upside down as well.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

THUMB = 64
BINS = 16
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "weights" / "orientation.json"

#: Class order. ``np.rot90(upright, k)`` gives each class: k=0 upright, k=-1 turned 90° clockwise,
#: k=2 upside down, k=1 turned 90° counter-clockwise.
CLASSES = ("upright", "rotated_90_cw", "upside_down", "rotated_90_ccw")
ROT90_K = {"upright": 0, "rotated_90_cw": -1, "upside_down": 2, "rotated_90_ccw": 1}
REASONS = {
    "rotated_90_cw": "appears rotated 90° clockwise (the head end is on the right)",
    "upside_down": "appears upside down (rotated 180° or flipped vertically)",
    "rotated_90_ccw": "appears rotated 90° counter-clockwise (the head end is on the left)",
}


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel(), b.ravel()
    if a.std() < 1e-6 or b.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _bands(profile: np.ndarray) -> np.ndarray:
    return profile.reshape(BINS, -1).mean(axis=1)


FEATURE_NAMES = (
    [f"row_mean_{i}" for i in range(BINS)]
    + [f"col_mean_{i}" for i in range(BINS)]
    + [f"row_sd_{i}" for i in range(BINS)]
    + [f"col_sd_{i}" for i in range(BINS)]
    + ["mirror_left_right", "mirror_top_bottom"]
)


def features(thumb: np.ndarray) -> np.ndarray:
    """Row/column intensity and texture profiles (16 bands each) and the two mirror correlations.

    ``thumb`` is the 64×64 0–1 thumbnail (:func:`~epiaid.xray.engine.preprocess.to_unit_square`).
    """
    if thumb.shape != (THUMB, THUMB):
        raise ValueError(f"expected a {THUMB}×{THUMB} thumbnail, got {thumb.shape}")
    return np.concatenate(
        [
            _bands(thumb.mean(axis=1)),
            _bands(thumb.mean(axis=0)),
            _bands(thumb.std(axis=1)),
            _bands(thumb.std(axis=0)),
            [_corr(thumb, thumb[:, ::-1]), _corr(thumb, thumb[::-1, :])],
        ]
    ).astype(np.float64)


@dataclass(frozen=True)
class OrientationModel:
    """Standardisation + multinomial logistic regression, as shipped in ``orientation.json``."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    min_p_upright: float  # accept when P(upright) reaches this (chosen on out-of-fold predictions)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> OrientationModel:
        meta = json.loads(path.read_text())
        if tuple(meta["classes"]) != CLASSES or tuple(meta["features"]) != tuple(FEATURE_NAMES):
            raise ValueError(f"{path} was trained for other classes or features; retrain it")
        return cls(
            np.asarray(meta["scaler_mean"]),
            np.asarray(meta["scaler_scale"]),
            np.asarray(meta["coef"]),
            np.asarray(meta["intercept"]),
            float(meta["threshold"]["min_p_upright"]),
        )

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        z = ((np.atleast_2d(feats) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def problem(self, thumb: np.ndarray) -> str | None:
        """``None`` for an upright film, else the reason naming the most likely rotation."""
        p = self.probabilities(features(thumb))[0]
        if p[0] >= self.min_p_upright:
            return None
        worst = CLASSES[1 + int(np.argmax(p[1:]))]
        return f"{REASONS[worst]}; P(upright) {p[0]:.2f} < {self.min_p_upright:.2f}"


@lru_cache(maxsize=1)
def shipped_model() -> OrientationModel:
    return OrientationModel.load(WEIGHTS_FILE)


# ---------------------------------------------------------------------------------------------- training


def rotated_set(thumbs: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features for every thumbnail (and its left–right mirror) in all four orientations.

    Returns features, class index, group (fold) and whether the sample is an unmirrored original.
    """
    feats, labels, folds, original = [], [], [], []
    for thumb, group in zip(thumbs, groups, strict=True):
        for mirrored, base in ((False, thumb), (True, thumb[:, ::-1])):
            for c, name in enumerate(CLASSES):
                feats.append(features(np.ascontiguousarray(np.rot90(base, ROT90_K[name]))))
                labels.append(c)
                folds.append(group)
                original.append(not mirrored)
    return np.asarray(feats), np.asarray(labels), np.asarray(folds), np.asarray(original)


def fit_lr(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000)).fit(x, y)


def choose_threshold(p_upright_of_upright: np.ndarray, max_false_rejection: float) -> float:
    """The highest P(upright) cut that still accepts all but ``max_false_rejection`` of upright films
    (a wrongly rejected real film costs more than a missed rotation), capped at the argmax-like 0.5."""
    cut = float(np.quantile(p_upright_of_upright, max_false_rejection, method="lower"))
    return float(min(0.5, np.nextafter(cut, -np.inf)))


def cross_validate(
    x: np.ndarray, y: np.ndarray, folds: np.ndarray, original: np.ndarray, c: float, max_false_rejection: float
) -> dict[str, Any]:
    oof = np.zeros((len(y), len(CLASSES)))
    for fold in np.unique(folds):
        test = folds == fold
        oof[test] = fit_lr(x[~test], y[~test], c).predict_proba(x[test])
    threshold = choose_threshold(oof[(y == 0) & original, 0], max_false_rejection)
    rejected = oof[:, 0] < threshold
    per_class = {
        name: {
            "n": int(np.sum(y == k)),
            "accuracy_argmax": float(np.mean(oof[y == k].argmax(1) == k)),
            "rejected_at_threshold": float(np.mean(rejected[y == k])),
        }
        for k, name in enumerate(CLASSES)
    }
    return {
        "accuracy_argmax_4_class": float(np.mean(oof.argmax(1) == y)),
        "threshold": threshold,
        "false_rejection_upright_original": float(np.mean(rejected[(y == 0) & original])),
        "false_rejection_upright_mirrored": float(np.mean(rejected[(y == 0) & ~original])),
        "detection_rotated_any": float(np.mean(rejected[y != 0])),
        "per_class": per_class,
    }


def leave_one_source_out(
    x: np.ndarray, y: np.ndarray, sources: np.ndarray, original: np.ndarray, c: float, threshold: float
) -> dict[str, dict[str, float]]:
    """Train without one source, test on it at the CV threshold: the check must carry to a new hospital."""
    out = {}
    for source in np.unique(sources):
        test = sources == source
        p = fit_lr(x[~test], y[~test], c).predict_proba(x[test])
        rejected, truth = p[:, 0] < threshold, y[test]
        out[str(source)] = {
            "images": int(np.sum((truth == 0) & original[test])),
            "accuracy_argmax_4_class": float(np.mean(p.argmax(1) == truth)),
            "false_rejection_upright_original": float(np.mean(rejected[(truth == 0) & original[test]])),
            "detection_rotated_any": float(np.mean(rejected[truth != 0])),
        }
    return out


def load_thumbs(cxr: Path) -> tuple[np.ndarray, np.ndarray, int]:
    import pandas as pd
    from PIL import Image

    from epiaid.xray.engine.preprocess import to_unit_square

    frame = pd.read_csv(cxr / "labels.csv")
    thumbs = np.stack(
        [to_unit_square(np.asarray(Image.open(cxr / f).convert("L"), dtype=np.float32), THUMB) for f in frame["file"]]
    )
    return thumbs, frame["fold"].to_numpy(), int(frame["patient"].nunique())


def train(cxr: Path, out: Path = WEIGHTS_FILE, c: float = 0.03, max_false_rejection: float = 0.005) -> dict[str, Any]:
    """Cross-validate (patient-grouped folds of labels.csv), pick the threshold out of fold, check it
    leave-one-source-out, fit on all images and write the shipped JSON with the evidence beside the
    coefficients."""
    import pandas as pd

    thumbs, groups, patients = load_thumbs(cxr)
    x, y, folds, original = rotated_set(thumbs, groups)
    cv = cross_validate(x, y, folds, original, c, max_false_rejection)
    frame = pd.read_csv(cxr / "labels.csv")
    if "source" in frame and frame["source"].nunique() > 1:
        sources = np.repeat(frame["source"].astype(str).to_numpy(), 2 * len(CLASSES))  # rotated_set's order
        cv["leave_one_source_out"] = leave_one_source_out(x, y, sources, original, c, cv["threshold"])
    model = fit_lr(x, y, c)
    scaler, lr = model[0], model[-1]
    meta = {
        "model": "orientation-logreg",
        "classes": list(CLASSES),
        "features": FEATURE_NAMES,
        "thumbnail_px": THUMB,
        "scaler_mean": scaler.mean_.tolist(),
        "scaler_scale": scaler.scale_.tolist(),
        "coef": lr.coef_.tolist(),
        "intercept": lr.intercept_.tolist(),
        "threshold": {
            "min_p_upright": cv["threshold"],
            "target_false_rejection": max_false_rejection,
            "chosen_on": "out-of-fold P(upright) of the unmirrored upright development images",
        },
        "training": {
            "command": f"python -m epiaid.xray.engine.orientation --data {cxr} --c {c}",
            "data": f"cxr/labels.csv: {len(thumbs)} development images of {patients} patients, each "
            "as given and mirrored left-right, rotated 0/90/180/270 "
            f"({len(y)} samples)",
            "regularisation_C": c,
            "cv": "5-fold, patient-grouped (labels.csv `fold`)",
        },
        "cv": cv,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(meta, indent=1))
    shipped_model.cache_clear()
    return cv


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Train the orientation check and write weights/orientation.json.")
    ap.add_argument("--data", type=Path, required=True, help="the cxr data directory (labels.csv + images/)")
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--c", type=float, default=0.03, help="inverse L2 regularisation strength")
    ap.add_argument("--max-false-rejection", type=float, default=0.005)
    args = ap.parse_args(argv)
    print(json.dumps(train(args.data, args.out, args.c, args.max_false_rejection), indent=2))


if __name__ == "__main__":
    main()
