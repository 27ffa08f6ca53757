"""Change-point scores as in the usual benchmark protocol: F1 with a margin and segment covering.

Both the prediction and every annotation include index 0 (so "no change" still scores), each true
change is matched at most once within ``margin`` steps, recall is averaged over annotators, and
covering is the length-weighted best Jaccard overlap of segments averaged over annotators.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def _matched(true: Sequence[int], pred: Sequence[int], margin: int) -> int:
    used: set[int] = set()
    hits = 0
    for t in true:
        best = None
        for p in pred:
            if p not in used and abs(p - t) <= margin and (best is None or abs(p - t) < abs(best - t)):
                best = p
        if best is not None:
            used.add(best)
            hits += 1
    return hits


def f1(annotations: Sequence[Sequence[int]], pred: Sequence[int], margin: int = 5) -> float:
    p = sorted({0, *pred})
    tps, recalls = [], []
    for ann in annotations:
        a = sorted({0, *ann})
        hit = _matched(a, p, margin)
        tps.append(hit)
        recalls.append(hit / len(a))
    precision = sum(tps) / len(tps) / len(p)
    recall = sum(recalls) / len(recalls)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _segments(cps: Sequence[int], n: int) -> list[tuple[int, int]]:
    b = sorted({0, *[c for c in cps if 0 < c < n], n})
    return list(itertools.pairwise(b))


def covering(annotations: Sequence[Sequence[int]], pred: Sequence[int], n: int) -> float:
    ps = _segments(pred, n)
    total = 0.0
    for ann in annotations:
        c = 0.0
        for a0, a1 in _segments(ann, n):
            best = 0.0
            for p0, p1 in ps:
                inter = max(0, min(a1, p1) - max(a0, p0))
                if inter:
                    best = max(best, inter / (max(a1, p1) - min(a0, p0)))
            c += (a1 - a0) * best
        total += c / n
    return total / len(annotations)
