"""The Turing change-point benchmark (TCPD): its series, its annotations and its two scores.

The metrics follow the benchmark's own definitions (van den Burg & Williams 2020, "An evaluation of
change point detection algorithms"; ``analysis/scripts/metrics.py`` of alan-turing-institute/TCPDBench,
MIT), re-implemented here:

* **F1** with a margin of 5 points. Index 0 is a change point in the prediction and in every
  annotation by convention (so predicting nothing still scores). Precision counts the predictions
  that match the *union* of all annotators' points (each prediction used once, closest first);
  recall is averaged over annotators; F1 is their harmonic mean.
* **Covering**: for each annotator, the length-weighted best Jaccard overlap of each of their
  segments with a predicted segment, averaged over annotators.

Series are read from the benchmark's JSON (``series[0].raw``; ``null`` is a missing value), the
annotations from ``annotations.json`` (``{series: {annotator: [0-based indices]}}``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MARGIN = 5


def true_positives(truth: Iterable[int], pred: Iterable[int], margin: int = MARGIN) -> set[int]:
    """True change points matched by a prediction within ``margin``; each prediction matches once."""
    left = set(pred)
    hits: set[int] = set()
    for tau in sorted(set(truth)):
        close = sorted((abs(tau - x), x) for x in left if abs(tau - x) <= margin)
        if close:
            hits.add(tau)
            left.remove(close[0][1])
    return hits


def precision_recall(
    annotations: Mapping[str, Sequence[int]], pred: Sequence[int], margin: int = MARGIN
) -> tuple[float, float]:
    """(precision, recall) as the benchmark defines them (index 0 added everywhere)."""
    truths = [{0, *map(int, a)} for a in annotations.values()]
    x = {0, *map(int, pred)}
    union = set().union(*truths) if truths else {0}
    precision = len(true_positives(union, x, margin)) / len(x)
    recall = sum(len(true_positives(t, x, margin)) / len(t) for t in truths) / len(truths)
    return precision, recall


def f_measure(annotations: Mapping[str, Sequence[int]], pred: Sequence[int], margin: int = MARGIN) -> float:
    p, r = precision_recall(annotations, pred, margin)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _segments(cps: Iterable[int], n: int) -> list[tuple[int, int]]:
    bounds = sorted({0, n, *(int(c) for c in cps if 0 < int(c) < n)})
    return list(itertools.pairwise(bounds))


def cover_single(truth: Sequence[tuple[int, int]], pred: Sequence[tuple[int, int]], n: int) -> float:
    total = 0.0
    for a0, a1 in truth:
        best = 0.0
        for p0, p1 in pred:
            inter = min(a1, p1) - max(a0, p0)
            if inter > 0:
                best = max(best, inter / (max(a1, p1) - min(a0, p0)))
        total += (a1 - a0) * best
    return total / n


def covering(annotations: Mapping[str, Sequence[int]], pred: Sequence[int], n: int) -> float:
    ps = _segments(pred, n)
    scores = [cover_single(_segments(a, n), ps, n) for a in annotations.values()]
    return sum(scores) / len(scores)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    annotations: dict[str, list[int]]

    @property
    def n(self) -> int:
        return len(self.values)

    def score(self, pred: Sequence[int]) -> tuple[float, float]:
        return f_measure(self.annotations, pred), covering(self.annotations, pred, self.n)


def _value(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def load(folder: str | Path) -> list[Series]:
    """Every univariate series in a TCPD-layout folder with its annotations, by name."""
    folder = Path(folder)
    ann = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))
    out = []
    for name in sorted(ann):
        path = folder / name / f"{name}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if int(data.get("n_dim", 1)) != 1:
            continue
        raw = [_value(v) for v in data["series"][0]["raw"]]
        out.append(Series(name, raw, {str(k): [int(i) for i in v] for k, v in ann[name].items()}))
    return out


def as_float_array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)
