"""Cross-validation in the three settings that matter: random pairs, unseen drugs, unseen targets.

The random-pair split uses DeepDTA's five training folds (``fold`` column of train.csv); the
unseen-drug and unseen-target splits hold out whole drugs or whole proteins, which is what a new
virus (new targets) or a new library (new chemistry) really looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from epiaid.repurposing.engine.data import Benchmark
from epiaid.repurposing.engine.metrics import concordance_index, mse
from epiaid.repurposing.engine.model import DTIModel, Memory

SETTINGS = {"random": "pair", "unseen_drug": "drug", "unseen_target": "target"}


def outer_folds(bench: Benchmark, setting: str, k: int = 5, seed: int = 0) -> np.ndarray:
    """Fold number (0..k-1) of every training row for ``setting``."""
    train = bench.train
    if setting == "random":
        return train["fold"].to_numpy(dtype=int) % k
    rng = np.random.default_rng(seed)
    key = "drug_id" if setting == "unseen_drug" else "protein_id"
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}: expected one of {', '.join(SETTINGS)}")
    ids = sorted(train[key].unique())
    group = dict(zip(ids, rng.permutation(len(ids)) % k, strict=True))
    return train[key].map(group).to_numpy(dtype=int)


def cross_validate(
    bench: Benchmark,
    setting: str,
    *,
    k: int = 5,
    members: int = 1,
    rounds: int = 1200,
    seed: int = 0,
    threads: int = 1,
    max_folds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """CI and MSE per outer fold (and their mean ± sd); out-of-fold predictions are pooled too."""
    say = progress or (lambda _m: None)
    folds = outer_folds(bench, setting, k, seed)
    rows: list[dict[str, Any]] = []
    pooled_y: list[np.ndarray] = []
    pooled_p: list[np.ndarray] = []
    for f in range(k if max_folds is None else min(k, max_folds)):
        tr = bench.train.loc[folds != f]
        te = bench.train.loc[folds == f]
        model = DTIModel.fit(
            bench.name,
            bench.drugs,
            bench.proteins,
            tr,
            mode=SETTINGS[setting],
            members=members,
            rounds=rounds,
            seed=seed,
            threads=threads,
        )
        model.memory = Memory.build(bench.drugs, bench.proteins, tr)
        pred = model.predict(te, bench.drugs, bench.proteins)
        y = te["y"].to_numpy(dtype=float)
        rows.append(
            {
                "fold": f,
                "n": len(te),
                "ci": concordance_index(y, pred),
                "mse": mse(y, pred),
                "cpu_seconds": model.info["cpu_seconds"],
            }
        )
        pooled_y.append(y)
        pooled_p.append(pred)
        say(f"{bench.name} {setting} fold {f}: CI {rows[-1]['ci']:.4f} MSE {rows[-1]['mse']:.4f}")
    table = pd.DataFrame(rows)
    return {
        "benchmark": bench.name,
        "setting": setting,
        "folds": rows,
        "ci_mean": float(table["ci"].mean()),
        "ci_sd": float(table["ci"].std(ddof=0)),
        "mse_mean": float(table["mse"].mean()),
        "mse_sd": float(table["mse"].std(ddof=0)),
        "ci_pooled": concordance_index(np.concatenate(pooled_y), np.concatenate(pooled_p)),
        "members": members,
        "rounds": rounds,
        "seed": seed,
    }
