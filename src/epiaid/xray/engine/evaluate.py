"""Turn the training runs' held-out predictions into the honest numbers for the model card.

Reads ``OUT/cv*.npz`` and ``OUT/loso_*.npz`` from :mod:`epiaid.xray.engine.train` and writes
``OUT/evaluation.json`` and ``OUT/reliability.png``. Beside every AUC it reports the *source-shortcut
AUC*: how well the image's source alone predicts the same label on the same images (a predictor that
scores each image by the label prevalence of its source in the training folds). An AUC close to its
shortcut AUC means the model may have learnt little beyond "which hospital is this from".
It also reports an image-statistics shortcut: a logistic regression on non-anatomical statistics
(grey-level histogram, border brightness, original size) — what a network could exploit without
looking at the lungs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from epiaid.xray.engine.data import ABNORMAL_LABELS
from epiaid.xray.engine.metrics import auc, auc_ci, ece, fit_platt, pearson, reliability_png, sensitivity_specificity


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def load_runs(out: Path, prefix: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack the held-out outputs of runs named ``prefix*`` into one (n, 4) array plus a 'seen' mask."""
    preds = np.full((n, 4), np.nan)
    for f in sorted(out.glob(f"{prefix}*.npz")):
        z = np.load(f)
        preds[z["index"]] = z["out"]
    return preds, ~np.isnan(preds[:, 0])


def source_prior(frame: pd.DataFrame, y: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Score = positive rate of the image's source among the *other* splits (NaN-free; 0.5 if unseen)."""
    score = np.full(len(y), 0.5)
    src = frame["source"].to_numpy()
    for s in np.unique(split):
        train = split != s
        for source in np.unique(src[split == s]):
            m = train & (src == source)
            if m.any():
                score[(split == s) & (src == source)] = y[m].mean()
    return score


def image_stat_features(cxr_dir: Path, frame: pd.DataFrame) -> np.ndarray:
    rows = []
    for f, w, h in zip(frame["file"], frame["orig_width"], frame["orig_height"], strict=True):
        a = np.asarray(Image.open(cxr_dir / f).convert("L"), dtype=np.float32) / 255
        border = np.concatenate([a[:12].ravel(), a[-12:].ravel(), a[:, :12].ravel(), a[:, -12:].ravel()])
        hist = np.histogram(a, bins=16, range=(0, 1))[0] / a.size
        rows.append([*hist, border.mean(), border.std(), a.mean(), a.std(), np.log(w), np.log(h), w / h])
    return np.asarray(rows)


def pair(y: np.ndarray, score: np.ndarray, shortcut: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    ci = auc_ci(y, score, groups)
    return {
        "auc": auc(y, score),
        "auc_ci95": ci,
        "source_shortcut_auc": auc(y, shortcut),
        "n": len(y),
        "n_pos": int(y.sum()),
    }


def evaluate(cxr_dir: Path, out: Path) -> dict[str, Any]:
    frame = pd.read_csv(cxr_dir / "labels.csv")
    n = len(frame)
    label = frame["label"].astype(str)
    y_pneu = label.isin(ABNORMAL_LABELS).to_numpy().astype(int)
    y_cov = (label == "covid19").to_numpy().astype(int)
    folds = frame["fold"].to_numpy()
    src = frame["source"].to_numpy()
    groups = frame["patient"].astype(str).to_numpy()
    cv, seen = load_runs(out, "cv", n)
    if not seen.all():
        raise SystemExit(f"cross-validation runs missing for {int((~seen).sum())} images; run train.py first")
    res: dict[str, Any] = {"n_images": n, "n_patients": int(frame["patient"].nunique())}

    # Cross-fitted calibration: each fold's Platt parameters come from the other folds' predictions.
    cal = {}
    for name, col, y in (("pneumonia", 0, y_pneu), ("covid", 1, y_cov)):
        p_raw = _sigmoid(cv[:, col])
        p_cal = np.zeros(n)
        for f in np.unique(folds):
            a, b = fit_platt(cv[folds != f, col], y[folds != f])
            p_cal[folds == f] = _sigmoid(a * cv[folds == f, col] + b)
        a, b = fit_platt(cv[:, col], y)
        cal[name] = {"a": a, "b": b}
        res[f"calibration_{name}"] = {"ece_raw": ece(y, p_raw), "ece_platt_crossfitted": ece(y, p_cal)}
        res[f"_p_{name}"] = p_cal
    res["calibration_params"] = cal

    # Patient-grouped CV: pooled, and within each source (shortcut AUC is 0.5 there by construction).
    prior_p = source_prior(frame, y_pneu, folds)
    prior_c = source_prior(frame, y_cov, folds)
    cvr: dict[str, Any] = {
        "pneumonia_vs_normal": pair(y_pneu, cv[:, 0], prior_p, groups),
        "covid_vs_other_all": pair(y_cov, cv[:, 1], prior_c, groups),
    }
    ab = y_pneu == 1
    cvr["covid_vs_other_pneumonia"] = pair(y_cov[ab], cv[ab, 1], prior_c[ab], groups[ab])
    for s in np.unique(src):
        m = src == s
        same_source = np.full(m.sum(), 0.5)  # within one source the source carries no information
        cvr[f"within_{s}"] = {
            "pneumonia_vs_normal": pair(y_pneu[m], cv[m, 0], same_source, groups[m]),
            "covid_vs_other": pair(y_cov[m], cv[m, 1], same_source, groups[m]),
        }
    # Severity against the radiologist (Cohen et al.) means, out of fold.
    rated = frame["cohen_geographic_mean_0_8"].notna().to_numpy()
    sev: dict[str, Any] = {"n_rated": int(rated.sum())}
    for name, col, key, top in (
        ("extent", 2, "cohen_geographic_mean_0_8", 8),
        ("opacity", 3, "cohen_opacity_mean_0_6", 6),
    ):
        truth = frame.loc[rated, key].to_numpy(dtype=float)
        pred = np.clip(cv[rated, col], 0, top)
        r, pval = pearson(pred, truth)
        sev[name] = {"pearson_r": r, "p_value": pval, "r2_of_r": r * r, "mae": float(np.mean(np.abs(pred - truth)))}
        # A linear recalibration for the shipped model, fitted on the out-of-fold predictions of all rated
        # COVIDNet-S images (not only Cohen's 87): slope and intercept only, so r is unchanged.
        key_all = "covidnets_geographic_0_8" if name == "extent" else "covidnets_opacity_0_8"
        m_all = frame[key_all].notna().to_numpy()
        slope, intercept = np.polyfit(cv[m_all, col], frame.loc[m_all, key_all].to_numpy(dtype=float), 1)
        sev[name]["recalibration"] = {"a": float(slope), "b": float(intercept)}
    cvr["severity"] = sev
    res["grouped_cv"] = cvr

    # Proxy for the held-back ICU cohort: does out-of-fold severity rank ICU admissions first?
    known = frame["went_icu"].isin(["Y", "N"]).to_numpy()
    icu = (frame["went_icu"] == "Y").to_numpy()
    per_patient = pd.DataFrame({"patient": groups, "icu": icu, "extent": cv[:, 2], "opacity": cv[:, 3]})[known]
    worst = per_patient.groupby("patient").max()
    res["icu_ranking"] = {
        "images": int(known.sum()),
        "patients": len(worst),
        "patients_icu": int(worst["icu"].sum()),
        "image_auc_extent": auc(icu[known], cv[known, 2]),
        "image_auc_opacity": auc(icu[known], cv[known, 3]),
        "patient_auc_max_extent": auc(worst["icu"].to_numpy(), worst["extent"].to_numpy()),
        "sources": sorted(set(src[known])),
    }

    # Leave-one-source-out: the model never saw the test source.
    loso, lseen = load_runs(out, "loso_", n)
    lres: dict[str, Any] = {}
    for s in np.unique(src):
        m = (src == s) & lseen
        if m.any():
            lres[s] = {
                "pneumonia_vs_normal": pair(y_pneu[m], loso[m, 0], np.full(m.sum(), 0.5), groups[m]),
                "covid_vs_other": pair(y_cov[m], loso[m, 1], np.full(m.sum(), 0.5), groups[m]),
            }
            mr = m & rated
            if mr.sum() > 5:
                lres[s]["severity_extent_r"] = pearson(
                    loso[mr, 2], frame.loc[mr, "cohen_geographic_mean_0_8"].to_numpy()
                )[0]
    if lseen.any():
        pos_weights = {s: lres[s] for s in lres}
        lres["mean_pneumonia_auc"] = float(
            np.mean(
                [
                    v["pneumonia_vs_normal"]["auc"]
                    for v in pos_weights.values()
                    if v["pneumonia_vs_normal"]["auc"] is not None
                ]
            )
        )
        lres["mean_covid_auc"] = float(
            np.mean(
                [v["covid_vs_other"]["auc"] for v in pos_weights.values() if v["covid_vs_other"]["auc"] is not None]
            )
        )
    res["leave_one_source_out"] = lres

    # Shortcut baselines with the same patient folds.
    feats = image_stat_features(cxr_dir, frame)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    res["image_statistics_shortcut_auc"] = {
        "pneumonia_vs_normal": auc(
            y_pneu,
            cross_val_predict(clf, feats, y_pneu, groups=folds, cv=_FoldSplit(folds), method="predict_proba")[:, 1],
        ),
        "covid_vs_other": auc(
            y_cov,
            cross_val_predict(clf, feats, y_cov, groups=folds, cv=_FoldSplit(folds), method="predict_proba")[:, 1],
        ),
    }
    return res


class _FoldSplit:
    """The data set's own patient folds as an sklearn splitter."""

    def __init__(self, folds: np.ndarray) -> None:
        self.folds = folds

    def split(self, *args: Any, **kwargs: Any) -> Any:
        idx = np.arange(len(self.folds))
        for f in np.unique(self.folds):
            yield idx[self.folds != f], idx[self.folds == f]

    def get_n_splits(self, *args: Any, **kwargs: Any) -> int:
        return len(np.unique(self.folds))


def sensitivity_threshold(y: np.ndarray, p: np.ndarray, sensitivity: float) -> float:
    """Highest threshold keeping sensitivity ≥ target on these films (triage prefers a missed normal)."""
    pos = np.sort(p[y == 1])
    return float(pos[int(np.floor((1 - sensitivity) * len(pos)))])


def operating_point(y: np.ndarray, p: np.ndarray, sensitivity: float = 0.95) -> dict[str, float | None]:
    """The shipped operating point: :func:`sensitivity_threshold` on out-of-fold predictions."""
    thr = sensitivity_threshold(y, p, sensitivity)
    oof_sensitivity, oof_specificity = sensitivity_specificity(y, p >= thr)
    return {
        "p_pneumonia_threshold": thr,
        "target_sensitivity": sensitivity,
        "oof_sensitivity": oof_sensitivity,
        "oof_specificity": oof_specificity,
    }


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def summary_markdown(res: dict[str, Any]) -> str:
    """The model card's metrics table: every AUC next to its source-shortcut AUC."""
    lines = [
        "| evaluation | task | AUC (95% CI, patient bootstrap) | source-shortcut AUC | n (pos) |",
        "|---|---|---|---|---|",
    ]

    def row(name: str, task: str, d: dict[str, Any]) -> None:
        ci = d.get("auc_ci95")
        ci_txt = f" ({ci[0]:.2f}–{ci[1]:.2f})" if ci else ""
        lines.append(
            f"| {name} | {task} | {_fmt(d['auc'])}{ci_txt} | {_fmt(d['source_shortcut_auc'])} | "
            f"{d['n']} ({d['n_pos']}) |"
        )

    cv = res["grouped_cv"]
    row("5-fold patient-grouped CV, pooled", "pneumonia vs normal", cv["pneumonia_vs_normal"])
    row("5-fold patient-grouped CV, pooled", "COVID vs all other", cv["covid_vs_other_all"])
    row("5-fold patient-grouped CV, pooled", "COVID vs other pneumonia", cv["covid_vs_other_pneumonia"])
    for key, val in cv.items():
        if key.startswith("within_"):
            row(f"CV, within source {key[7:]}", "pneumonia vs normal", val["pneumonia_vs_normal"])
            row(f"CV, within source {key[7:]}", "COVID vs other", val["covid_vs_other"])
    for src, val in res["leave_one_source_out"].items():
        if isinstance(val, dict):
            row(f"leave-one-source-out: test on {src}", "pneumonia vs normal", val["pneumonia_vs_normal"])
            row(f"leave-one-source-out: test on {src}", "COVID vs other", val["covid_vs_other"])
    sev = cv["severity"]
    lines += [
        "",
        f"Severity vs Cohen et al. radiologist means (out of fold, n = {sev['n_rated']}):",
        "",
        "| score | Pearson r | MAE |",
        "|---|---|---|",
    ]
    for k in ("extent", "opacity"):
        lines.append(f"| {k} | {sev[k]['pearson_r']:.3f} | {sev[k]['mae']:.2f} |")
    icu = res["icu_ranking"]
    lines += [
        "",
        f"ICU ranking (out-of-fold predicted extent vs `went_icu`, {icu['images']} images / "
        f"{icu['patients']} patients, {icu['patients_icu']} ICU; sources {', '.join(icu['sources'])}): "
        f"image AUC {_fmt(icu['image_auc_extent'])}, patient AUC (worst film) "
        f"{_fmt(icu['patient_auc_max_extent'])}.",
    ]
    shortcut = res["image_statistics_shortcut_auc"]
    lines += [
        "",
        "Image-statistics shortcut (logistic regression on grey-level histogram, border brightness and "
        f"original size; same folds): pneumonia {_fmt(shortcut['pneumonia_vs_normal'])}, "
        f"COVID {_fmt(shortcut['covid_vs_other'])}.",
        "",
    ]
    for name in ("pneumonia", "covid"):
        c = res[f"calibration_{name}"]
        lines.append(
            f"Calibration ({name}): ECE raw {c['ece_raw']:.3f}, after cross-fitted Platt scaling "
            f"{c['ece_platt_crossfitted']:.3f}."
        )
    op = res["operating_point"]
    lines.append(
        f"Operating point: p_pneumonia ≥ {op['p_pneumonia_threshold']:.3f} (out-of-fold sensitivity "
        f"{op['oof_sensitivity']:.3f}, specificity {op['oof_specificity']:.3f})."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    res = evaluate(args.data, args.out)
    frame = pd.read_csv(args.data / "labels.csv")
    y_pneu = frame["label"].isin(ABNORMAL_LABELS).to_numpy().astype(int)
    y_cov = (frame["label"] == "covid19").to_numpy().astype(int)
    p_pneu, p_cov = res.pop("_p_pneumonia"), res.pop("_p_covid")
    res["operating_point"] = operating_point(y_pneu, p_pneu)
    reliability_png({"pneumonia": (y_pneu, p_pneu), "COVID pattern": (y_cov, p_cov)}, args.out / "reliability.png")
    (args.out / "evaluation.json").write_text(json.dumps(res, indent=2))
    (args.out / "summary.md").write_text(summary_markdown(res))
    print(summary_markdown(res))


if __name__ == "__main__":
    main()
