"""Check the shipped operating point on a site's own labelled films before trusting the flag there.

Why: the threshold was chosen for 95 % sensitivity on the development sources, and the sensitivity it
gives on a new source depends on how far that source's films are from them (MODEL_CARD.md: every
abnormal film flagged on two unseen sources, 61.7 % on a third). A site scores its films with
``epiaid xray predict``, labels them, and this reports what the shipped threshold does there and which
threshold would reach the target sensitivity locally. It changes nothing in the model; adopting a local
threshold is a clinical decision, not something a command should do silently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from epiaid.xray.engine.evaluate import sensitivity_threshold
from epiaid.xray.engine.metrics import auc, sensitivity_specificity


class SiteCheckError(ValueError):
    """The predictions or labels cannot be checked; the message names the problem."""


@dataclass(frozen=True)
class SiteCheck:
    films: int
    abnormal: int
    normal: int
    auc: float | None
    shipped_threshold: float
    shipped_sensitivity: float
    shipped_specificity: float | None
    target_sensitivity: float
    local_threshold: float
    local_sensitivity: float
    local_specificity: float | None
    unlabelled_predictions: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_site(
    predictions: pd.DataFrame, labels: pd.DataFrame, shipped_threshold: float, sensitivity: float = 0.95
) -> SiteCheck:
    """``predictions`` as written by ``epiaid xray predict``; ``labels`` with ``file`` and ``pneumonia`` (1/0)."""
    for frame, name, needed in (
        (predictions, "predictions", ("file", "p_pneumonia")),
        (labels, "labels", ("file", "pneumonia")),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise SiteCheckError(f"the {name} file has no column {', '.join(missing)}")
    if not 0 < sensitivity < 1:
        raise SiteCheckError(f"target sensitivity must be between 0 and 1, not {sensitivity}")
    label = labels["pneumonia"].astype(str).str.strip()
    bad = labels.loc[~label.isin(["0", "1"]), "file"]
    if len(bad):
        raise SiteCheckError(f"labels must be 0 or 1 in column pneumonia; first bad row is for {bad.iloc[0]!r}")
    if labels["file"].duplicated().any():
        raise SiteCheckError(f"file {labels.loc[labels['file'].duplicated(), 'file'].iloc[0]!r} is labelled twice")
    p = pd.to_numeric(predictions["p_pneumonia"], errors="coerce")
    if p.isna().any() or not p.between(0, 1).all():
        raise SiteCheckError("p_pneumonia must be a probability (0–1) on every row of the predictions")
    merged = labels.assign(y=label.astype(int)).merge(predictions.assign(p=p)[["file", "p"]], on="file", how="left")
    unscored = merged.loc[merged["p"].isna(), "file"]
    if len(unscored):
        raise SiteCheckError(
            f"{len(unscored)} labelled file(s) have no prediction (rejected or not scored), e.g. {unscored.iloc[0]!r}"
        )
    y, score = merged["y"].to_numpy(), merged["p"].to_numpy()
    if not y.any():
        raise SiteCheckError("no abnormal (pneumonia = 1) film among the labels: sensitivity cannot be measured")
    local_threshold = sensitivity_threshold(y, score, sensitivity)
    shipped_sens, shipped_spec = sensitivity_specificity(y, score >= shipped_threshold)
    local_sens, local_spec = sensitivity_specificity(y, score >= local_threshold)
    return SiteCheck(
        films=len(y),
        abnormal=int(y.sum()),
        normal=int((y == 0).sum()),
        auc=auc(y, score),
        shipped_threshold=shipped_threshold,
        shipped_sensitivity=shipped_sens,
        shipped_specificity=shipped_spec,
        target_sensitivity=sensitivity,
        local_threshold=local_threshold,
        local_sensitivity=local_sens,
        local_specificity=local_spec,
        unlabelled_predictions=int(len(predictions) - predictions["file"].isin(labels["file"]).sum()),
    )
