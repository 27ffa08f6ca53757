"""Synthetic change-point series with known truth: how the default configuration was chosen.

Families follow the lead's list (piecewise constant and linear, spikes, seasonality, heavy tails,
missing values, short and long, no change, wandering series). No public benchmark annotations are
used. ``python bench/trends/synthetic.py`` prints F1 (margin 5) and covering for our default, the
no-change prediction and ruptures' Binseg (l2, BIC penalty).
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from collections.abc import Callable, Iterator

import numpy as np

Series = tuple[str, np.ndarray, list[int]]


def _pieces(rng: np.random.Generator, n: int, k: int, min_gap: int = 10) -> list[int]:
    for _ in range(100):
        cps = sorted(rng.choice(np.arange(min_gap, n - min_gap), size=k, replace=False).tolist())
        if all(b - a >= min_gap for a, b in itertools.pairwise(cps)):
            return [int(c) for c in cps]
    return []


def generate(seed: int = 0, per_family: int = 12) -> Iterator[Series]:
    rng = np.random.default_rng(seed)
    fams: dict[str, Callable[[int], tuple[np.ndarray, list[int]]]] = {}

    def no_change(n: int) -> tuple[np.ndarray, list[int]]:
        return rng.normal(rng.normal(0, 5), rng.uniform(0.5, 3), n), []

    def mean_shift(n: int) -> tuple[np.ndarray, list[int]]:
        k = int(rng.integers(1, 4))
        cps = _pieces(rng, n, k)
        sd = rng.uniform(0.5, 2)
        level = np.zeros(n)
        cur = 0.0
        b = [0, *cps, n]
        for i in range(len(b) - 1):
            level[b[i] : b[i + 1]] = cur
            cur += rng.choice([-1, 1]) * sd * rng.uniform(1.5, 5)
        return level + rng.normal(0, sd, n), cps

    def trend_change(n: int) -> tuple[np.ndarray, list[int]]:
        cps = _pieces(rng, n, int(rng.integers(1, 3)), min_gap=max(10, n // 6))
        slope = np.zeros(n)
        b = [0, *cps, n]
        s = rng.normal(0, 0.05)
        for i in range(len(b) - 1):
            slope[b[i] : b[i + 1]] = s
            s = s + rng.choice([-1, 1]) * rng.uniform(0.1, 0.4)
        return np.cumsum(slope) + rng.normal(0, 1, n), cps

    def spikes_only(n: int) -> tuple[np.ndarray, list[int]]:
        y = rng.normal(0, 1, n)
        idx = rng.choice(n, size=max(1, n // 150), replace=False)
        y[idx] += rng.choice([-1, 1], size=len(idx)) * rng.uniform(6, 12, size=len(idx))
        return y, []

    def shift_with_spikes(n: int) -> tuple[np.ndarray, list[int]]:
        y, cps = mean_shift(n)
        idx = rng.choice(n, size=max(1, n // 200), replace=False)
        y[idx] += rng.uniform(5, 10, size=len(idx)) * np.std(np.diff(y))
        return y, cps

    def seasonal(n: int) -> tuple[np.ndarray, list[int]]:
        period = int(rng.choice([7, 12, 52]))
        amp = rng.uniform(0.5, 2)
        y = amp * np.sin(2 * math.pi * np.arange(n) / period) + rng.normal(0, 0.5, n)
        if rng.random() < 0.5:
            return y, []
        cps = _pieces(rng, n, 1)
        y[cps[0] :] += rng.choice([-1, 1]) * rng.uniform(2.5, 5) * amp
        return y, cps

    def heavy_tails(n: int) -> tuple[np.ndarray, list[int]]:
        cps = _pieces(rng, n, int(rng.integers(0, 3)))
        y = rng.standard_t(2.5, n)
        for c in cps:
            y[c:] += rng.choice([-1, 1]) * rng.uniform(3, 6)
        return y, cps

    def missing(n: int) -> tuple[np.ndarray, list[int]]:
        y, cps = mean_shift(n)
        y = y.astype(float)
        y[rng.random(n) < 0.1] = np.nan
        return y, cps

    def ar1(n: int) -> tuple[np.ndarray, list[int]]:
        phi = rng.uniform(0.3, 0.8)
        e = rng.normal(0, 1, n)
        y = np.zeros(n)
        for t in range(1, n):
            y[t] = phi * y[t - 1] + e[t]
        cps = _pieces(rng, n, int(rng.integers(0, 2)))
        for c in cps:
            y[c:] += rng.choice([-1, 1]) * rng.uniform(3, 6) / math.sqrt(1 - phi**2)
        return y, cps

    def counts(n: int) -> tuple[np.ndarray, list[int]]:
        cps = _pieces(rng, n, int(rng.integers(0, 3)))
        lam = np.full(n, rng.uniform(1, 20))
        for c in cps:
            lam[c:] *= rng.choice([0.3, 2.5, 4.0])
        return rng.poisson(lam).astype(float), cps

    def variance_change(n: int) -> tuple[np.ndarray, list[int]]:
        cps = _pieces(rng, n, 1)
        y = rng.normal(0, 1, n)
        y[cps[0] :] *= rng.uniform(3, 5)
        return y, cps

    def wandering(n: int) -> tuple[np.ndarray, list[int]]:
        return np.cumsum(rng.normal(0, 1, n)) * 0.3 + rng.normal(0, 1, n), []

    fams = {
        f.__name__: f
        for f in (
            no_change,
            mean_shift,
            trend_change,
            spikes_only,
            shift_with_spikes,
            seasonal,
            heavy_tails,
            missing,
            ar1,
            counts,
            variance_change,
            wandering,
        )
    }
    for name, make in fams.items():
        for _ in range(per_family):
            n = int(rng.choice([40, 100, 250, 600, 1500]))
            y, cps = make(n)
            yield name, y, cps


def main() -> None:
    import ruptures as rpt
    from cpmetrics import covering, f1  # type: ignore[import-not-found]

    from epiaid.trends.engine import changepoints as cp

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-family", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = list(generate(args.seed, args.per_family))

    def binseg_bic(y: np.ndarray) -> list[int]:
        z = cp.fill_missing(cp.as_array(list(y)))
        sd = float(np.std(z)) or 1.0
        z = (z - z.mean()) / sd
        if len(z) < 5:
            return []
        bk = rpt.Binseg(model="l2", min_size=2, jump=1).fit(z.reshape(-1, 1)).predict(pen=2 * math.log(len(z)))
        return [b for b in bk if b < len(z)]

    rows: dict[str, Callable[[np.ndarray], list[int]]] = {
        "no change": lambda y: [],
        "binseg l2 BIC": binseg_bic,
        "epiaid default": lambda y: cp.detect_indices(list(y)),
    }
    print(f"{len(data)} synthetic series, {len({d[0] for d in data})} families")
    for label, fn in rows.items():
        t0 = time.perf_counter()
        fs, cs = [], []
        per_fam: dict[str, list[float]] = {}
        for fam, y, truth in data:
            pred = fn(y)
            fs.append(f1([truth], pred))
            cs.append(covering([truth], pred, len(y)))
            per_fam.setdefault(fam, []).append(fs[-1])
        dt = time.perf_counter() - t0
        detail = " ".join(f"{k[:10]}={np.mean(v):.2f}" for k, v in per_fam.items())
        print(f"{label:16s} F1 {np.mean(fs):.3f}  cover {np.mean(cs):.3f}  ({dt:.1f}s)  {detail}")


if __name__ == "__main__":
    main()
