"""LightGBM regression forests flattened into arrays and walked by a numba kernel.

Why not ``Booster.predict``: LightGBM walks every tree for one row before moving to the next row,
so each row drags the whole forest (~800 trees × 127 leaves, megabytes) through the cache. Scoring
millions of pairs, walking one tree over a block of rows at a time keeps that tree hot and was
measured several times faster (bench/repurposing/bench_scoring.py). Compiled-tree libraries
(lleaves, treelite) were the alternatives: lleaves does not work with the llvmlite numba needs, and
treelite needs a C toolchain at install time.

The decision rule copies LightGBM's ``Tree::NumericalDecision`` (missing types None/Zero/NaN,
default-left) and trees are summed per row in LightGBM's order, in float64, so the outputs equal
``Booster.predict`` bit for bit. Categorical splits and linear trees are refused, not approximated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

_BLOCK = 128  # rows per block: one block's feature rows stay in L1/L2 while a tree walks them
_ZERO = 1e-35  # LightGBM's kZeroThreshold


@dataclass
class FlatForest:
    """Every tree's nodes in shared arrays; a child code < 0 means leaf ``-code - 1``."""

    roots: np.ndarray  # int32 per tree
    feature: np.ndarray  # int32 per internal node
    threshold: np.ndarray  # float64
    missing: np.ndarray  # int8: 0 none, 1 zero, 2 NaN
    default_left: np.ndarray  # bool
    left: np.ndarray  # int32
    right: np.ndarray  # int32
    leaf_value: np.ndarray  # float64 per leaf

    @classmethod
    def from_booster(cls, booster: Any) -> FlatForest:
        """Parse the model text (thresholds and leaf values are written there round-trip exact)."""
        return cls.from_model_string(booster.model_to_string())

    @classmethod
    def from_model_string(cls, text: str) -> FlatForest:
        trees: list[dict[str, str]] = []
        current: dict[str, str] | None = None
        for line in text.splitlines():
            if line.startswith("Tree="):
                current = {}
                trees.append(current)
            elif line.startswith("end of trees"):
                break
            elif current is not None and "=" in line:
                key, _, value = line.partition("=")
                current[key] = value
        roots, feats, thrs, miss, dleft, lefts, rights, leaves = [], [], [], [], [], [], [], []
        n_nodes = n_leaves = 0
        for t in trees:
            if int(t.get("is_linear", "0")):
                raise ValueError("linear trees are not supported by FlatForest")
            leaf_value = np.array(t["leaf_value"].split(), dtype=np.float64)
            nl = int(t["num_leaves"])
            if nl == 1:
                roots.append(-n_leaves - 1)
                leaves.append(leaf_value[:1])
                n_leaves += 1
                continue
            dt = np.array(t["decision_type"].split(), dtype=np.int64)
            if (dt & 1).any():
                raise ValueError("categorical splits are not supported by FlatForest")

            def remap(child: np.ndarray, base_node: int = n_nodes, base_leaf: int = n_leaves) -> np.ndarray:
                return np.where(child >= 0, child + base_node, child - base_leaf).astype(np.int32)

            roots.append(n_nodes)
            feats.append(np.array(t["split_feature"].split(), dtype=np.int32))
            thrs.append(np.array(t["threshold"].split(), dtype=np.float64))
            miss.append(((dt >> 2) & 3).astype(np.int8))
            dleft.append((dt & 2).astype(bool))
            lefts.append(remap(np.array(t["left_child"].split(), dtype=np.int64)))
            rights.append(remap(np.array(t["right_child"].split(), dtype=np.int64)))
            leaves.append(leaf_value)
            n_nodes += nl - 1
            n_leaves += nl

        def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        return cls(
            np.array(roots, dtype=np.int32),
            cat(feats, np.int32),
            cat(thrs, np.float64),
            cat(miss, np.int8),
            cat(dleft, np.bool_),
            cat(lefts, np.int32),
            cat(rights, np.int32),
            cat(leaves, np.float64),
        )

    def predict(self, X: np.ndarray, threads: int = 1) -> np.ndarray:
        """Raw scores for the rows of ``X`` (float32 or float64), like ``Booster.predict``."""
        X = np.ascontiguousarray(X)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D feature matrix, got shape {X.shape}")
        X = clean_tiny(X)
        if len(self.feature) and int(self.feature.max()) >= X.shape[1]:
            raise ValueError(f"model uses feature {int(self.feature.max())} but X has {X.shape[1]} columns")
        out = np.zeros(X.shape[0], dtype=np.float64)
        with numba_threads(threads):
            _walk(
                X,
                self.roots,
                self.feature,
                self.threshold,
                self.missing,
                self.default_left,
                self.left,
                self.right,
                self.leaf_value,
                out,
            )
        return out


@contextmanager
def numba_threads(n: int) -> Iterator[None]:
    """Run numba's parallel loops on ``n`` threads (capped by what numba started), then restore."""
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def clean_tiny(X: np.ndarray) -> np.ndarray:
    """LightGBM drops near-zero inputs from its sparse row, i.e. reads them as 0: so do we."""
    tiny = (np.abs(X) <= _ZERO) & (X != 0)
    return np.where(tiny, 0, X).astype(X.dtype) if tiny.any() else X


@numba.njit(parallel=True, cache=True, nogil=True)  # type: ignore[misc]
def _walk(
    X: np.ndarray,
    roots: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    missing: np.ndarray,
    default_left: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    leaf_value: np.ndarray,
    out: np.ndarray,
) -> None:
    n = X.shape[0]
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for b in numba.prange(n_blocks):
        start = b * _BLOCK
        stop = min(n, start + _BLOCK)
        for t in range(roots.shape[0]):
            root = roots[t]
            for i in range(start, stop):
                node = root
                while node >= 0:
                    v = np.float64(X[i, feature[node]])
                    mt = missing[node]
                    if np.isnan(v):
                        if mt == 2:
                            node = left[node] if default_left[node] else right[node]
                            continue
                        v = np.float64(0.0)
                    if mt == 1 and v == 0.0:  # X was cleaned: |v| <= kZeroThreshold is now exactly 0
                        node = left[node] if default_left[node] else right[node]
                    elif v <= threshold[node]:
                        node = left[node]
                    else:
                        node = right[node]
                out[i] += leaf_value[-node - 1]
