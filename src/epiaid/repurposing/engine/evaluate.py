"""Cross-validation in the three settings that matter: random pairs, unseen drugs, unseen targets.

The random-pair split uses DeepDTA's five training folds (``fold`` column of train.csv); the
unseen-drug and unseen-target splits hold out whole drugs or whole proteins, which is what a new
virus (new targets) or a new library (new chemistry) really looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """CI and MSE per outer fold (and their mean ± sd); out-of-fold predictions are pooled too.

    With ``cache_dir`` every finished fold's out-of-fold predictions are kept there, so a run cut
    short (CPU time is scarce on a laptop) resumes at the next fold instead of starting over.
    """
    say = progress or (lambda _m: None)
    folds = outer_folds(bench, setting, k, seed)
    rows: list[dict[str, Any]] = []
    pooled_y: list[np.ndarray] = []
    pooled_p: list[np.ndarray] = []
    for f in range(k if max_folds is None else min(k, max_folds)):
        tr = bench.train.loc[folds != f]
        te = bench.train.loc[folds == f]
        y = te["y"].to_numpy(dtype=float)
        cached = _fold_cache(cache_dir, bench, setting, k, members, rounds, seed, f)
        if cached is not None and cached.is_file():
            with np.load(cached) as stored:
                pred, cpu_seconds = stored["pred"], float(stored["cpu_seconds"])
            if len(pred) != len(te):
                raise ValueError(f"{cached} does not match fold {f} ({len(pred)} != {len(te)} rows): delete it")
            say(f"{bench.name} {setting} fold {f}: reusing {cached.name}")
        else:
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
            cpu_seconds = float(model.info["cpu_seconds"])
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_name(cached.stem + ".partial.npz")
                np.savez(partial, pred=pred, cpu_seconds=cpu_seconds)
                partial.replace(cached)
        rows.append(
            {
                "fold": f,
                "n": len(te),
                "ci": concordance_index(y, pred),
                "mse": mse(y, pred),
                "cpu_seconds": cpu_seconds,
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


def _fold_cache(
    cache_dir: Path | None, bench: Benchmark, setting: str, k: int, members: int, rounds: int, seed: int, fold: int
) -> Path | None:
    """One file per fold, named by everything that changes its predictions (the data by a digest)."""
    if cache_dir is None:
        return None
    digest = pd.util.hash_pandas_object(bench.train[["drug_id", "protein_id", "y"]], index=False).sum()
    key = f"{bench.name}-{setting}-k{k}-m{members}-r{rounds}-s{seed}-{int(digest) & 0xFFFFFFFF:08x}"
    return cache_dir / f"{key}-fold{fold}.npz"
