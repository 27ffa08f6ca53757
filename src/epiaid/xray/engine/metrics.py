"""Small, dependency-light evaluation helpers (AUC with bootstrap CI, ECE, Platt scaling, reliability plot)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present (an AUC does not exist then)."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score))


def auc_ci(
    y: np.ndarray, score: np.ndarray, groups: np.ndarray, n_boot: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """95 % bootstrap interval resampling patients (images of one patient are not independent)."""
    if auc(y, score) is None:
        return None
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in uniq}
    vals = []
    for _ in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.choice(uniq, size=len(uniq), replace=True)])
        a = auc(y[idx], score[idx])
        if a is not None:
            vals.append(a)
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


def sensitivity_specificity(y: np.ndarray, flag: np.ndarray) -> tuple[float, float | None]:
    """Of flagged films: sensitivity, and specificity where normal films exist (undefined without them)."""
    normal = y == 0
    return float(flag[y == 1].mean()), (float((~flag[normal]).mean()) if normal.any() else None)


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error with equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(float(y[m].mean()) - float(p[m].mean()))
    return float(total)


def fit_platt(logit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """p = sigmoid(a·logit + b), fitted by (lightly regularised) logistic regression."""
    lr = LogisticRegression(C=100.0).fit(logit.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def pearson(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    r, p = stats.pearsonr(a, b)
    return float(r), float(p)


def reliability_png(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, bins: int = 10) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect")
    edges = np.linspace(0, 1, bins + 1)
    for name, (y, p) in curves.items():
        which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
        xs, ys = [], []
        for b in range(bins):
            m = which == b
            if m.sum() >= 3:
                xs.append(p[m].mean())
                ys.append(y[m].mean())
        ax.plot(xs, ys, marker="o", label=f"{name} (ECE {ece(y, p, bins):.3f})")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("Reliability, out-of-fold (patient-grouped CV)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
