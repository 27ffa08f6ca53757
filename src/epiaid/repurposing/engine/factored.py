"""Tree ensembles scored over drug × target pairs without walking a tree per pair.

Why: a screening run scores every drug of a library against every target, and most split nodes of
our boosters test a feature of the drug alone (embedding, descriptors, its training statistics) or
of the target alone; only about 7 % of the shipped KIBA model's nodes test a feature of the pair
(neighbour affinities, the low-rank residual). A node's decision rules out the leaves on its other
side, and the leaf a row reaches is the one leaf that no node rules out (any other leaf is ruled out
where its path parts from the reached leaf's). So each tree's leaves are numbered left to right,
every drug's nodes are decided once per drug into a bitmask of the leaves they leave standing, every
target's once per target, and a pair only ANDs its drug's and its target's masks, decides the tree's
few pair nodes (branch-free, many pairs at a time) and reads the first leaf still standing. This is
QuickScorer's bitvector idea (Lucchese et al., SIGIR 2015) factored by what a feature depends on; no
library scores a cross product this way, hence our own code. Measured in
``bench/repurposing/bench_scoring.py`` against LightGBM and our ``FlatForest`` walker; it also beat
compiled trees (treelite + tl2cgen + gcc), which it replaced.

Decisions copy LightGBM's ``Tree::NumericalDecision`` exactly as ``forest.py`` does and each pair
sums its leaves in tree order in float64, so the outputs equal ``Booster.predict`` bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from epiaid.repurposing.engine.forest import FlatForest, clean_tiny, numba_threads

_BLOCK = 256  # pairs decided together per tree: one block's masks and pair features stay in L1
MAX_LEAVES = 128  # two 64-bit words of leaf bits per tree (our boosters grow 127 leaves)
_TILE = 16  # pairs are visited in tiles of 16 drugs × 16 targets so their masks are reused from cache


@dataclass
class _Nodes:
    """Split nodes of one feature group, each with the leaf masks of its two outcomes."""

    start: np.ndarray  # int64 trees + 1: tree t's nodes are [start[t], start[t + 1])
    feature: np.ndarray  # int32, column within the group's block
    threshold: np.ndarray  # float64
    nan_left: np.ndarray  # bool: where a NaN input goes
    zero_default: np.ndarray  # bool: missing type "zero", where exact zeros take the default side
    default_left: np.ndarray  # bool
    keep_left: np.ndarray  # uint64 tree-words: leaves still standing if the row goes left
    keep_right: np.ndarray  # uint64 tree-words: … if it goes right


@dataclass
class FactoredForest:
    """One booster, its nodes sorted into drug, protein and pair groups (see the module docstring)."""

    full: np.ndarray  # uint64 trees × words: every leaf of the tree standing
    leaf_base: np.ndarray  # int64 per tree: offset of its leaves (left to right) in ``leaf_value``
    leaf_value: np.ndarray  # float64
    sides: tuple[_Nodes, _Nodes]  # drug nodes, protein nodes
    pair: _Nodes

    @classmethod
    def from_flat(cls, flat: FlatForest, group: np.ndarray, local: np.ndarray) -> FactoredForest:
        """``group``/``local``: each model column's block (0 drug, 1 protein, 2 pair) and index in it."""
        if len(flat.feature) and int(flat.feature.max()) >= len(group):
            raise ValueError(f"model uses feature {int(flat.feature.max())} but only {len(group)} columns are grouped")
        n_trees = len(flat.roots)
        leaves_per_tree: list[list[int]] = []
        ranges: dict[int, tuple[int, int, int, int]] = {}  # node -> (tree, lo, mid, hi)
        for t, root in enumerate(flat.roots):
            order: list[int] = []
            if root < 0:
                order.append(-int(root) - 1)
            else:
                _number_leaves(flat, int(root), t, order, ranges)
            leaves_per_tree.append(order)
        most = max((len(o) for o in leaves_per_tree), default=1)
        if most > MAX_LEAVES:
            raise ValueError(f"a tree has {most} leaves; FactoredForest scores trees of up to {MAX_LEAVES}")
        sizes = np.array([len(o) for o in leaves_per_tree], dtype=np.int64)
        full = _bits(0, sizes, 2)  # trees × 2 words
        leaf_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if n_trees else sizes
        leaf_value = flat.leaf_value[np.concatenate(leaves_per_tree).astype(np.int64)] if n_trees else flat.leaf_value

        by_group: list[list[int]] = [[], [], []]
        for node in sorted(ranges, key=lambda nd: (ranges[nd][0], nd)):
            by_group[int(group[flat.feature[node]])].append(node)
        groups = [_nodes(flat, nodes, ranges, local, full) for nodes in by_group]
        return cls(full, leaf_base, leaf_value, (groups[0], groups[1]), groups[2])

    def side_masks(self, side: int, rows: np.ndarray, threads: int = 1) -> np.ndarray:
        """Leaves left standing by each row's drug (side 0) or protein (side 1) nodes: trees × words × rows."""
        nodes = self.sides[side]
        rows = clean_tiny(np.asarray(rows, dtype=np.float32))
        if len(nodes.feature) and int(nodes.feature.max()) >= rows.shape[1]:
            raise ValueError(f"block has {rows.shape[1]} columns, the model reads column {int(nodes.feature.max())}")
        out = np.empty((*self.full.shape, rows.shape[0]), dtype=np.uint64)
        with numba_threads(threads):
            _side_masks(np.ascontiguousarray(rows.T), self.full, *_arrays(nodes), out)  # type: ignore[call-arg]
        return out

    def predict(
        self,
        drug_masks: np.ndarray,
        protein_masks: np.ndarray,
        pair_rows: np.ndarray,
        qd: np.ndarray,
        qp: np.ndarray,
        threads: int = 1,
    ) -> np.ndarray:
        """Raw scores of pairs (qd[i], qp[i]) given the side masks and the pairs' own feature rows."""
        pair_rows = clean_tiny(np.asarray(pair_rows, dtype=np.float32))
        if pair_rows.shape[0] != len(qd) or len(qd) != len(qp):
            raise ValueError(f"{len(qd)} drug and {len(qp)} protein indices for {pair_rows.shape[0]} pair rows")
        if len(self.pair.feature) and int(self.pair.feature.max()) >= pair_rows.shape[1]:
            raise ValueError(
                f"pair block has {pair_rows.shape[1]} columns, the model reads {int(self.pair.feature.max())}"
            )
        # visit pairs tile by tile so a tile's drug and target masks are reused while hot
        order = np.lexsort((qd, qp, qp // _TILE, qd // _TILE))
        scores = np.empty(len(qd), dtype=np.float64)
        with numba_threads(threads):
            _score(  # type: ignore[call-arg]
                qd[order].astype(np.int64),
                qp[order].astype(np.int64),
                np.ascontiguousarray(pair_rows[order].T),
                drug_masks,
                protein_masks,
                *_arrays(self.pair),
                self.leaf_base,
                self.leaf_value,
                scores,
            )
        out = np.empty_like(scores)
        out[order] = scores
        return out


def _number_leaves(
    flat: FlatForest, node: int, tree: int, order: list[int], ranges: dict[int, tuple[int, int, int, int]]
) -> None:
    """Number the leaves under ``node`` left to right into ``order``; note each node's leaf range."""

    def visit(child: int) -> None:
        if child < 0:
            order.append(-child - 1)
        else:
            _number_leaves(flat, child, tree, order, ranges)

    lo = len(order)
    visit(int(flat.left[node]))
    mid = len(order)  # where the right subtree's leaves begin
    visit(int(flat.right[node]))
    ranges[node] = (tree, lo, mid, len(order))


def _bits(lo: np.ndarray | int, hi: np.ndarray | int, words: int) -> np.ndarray:
    """uint64 words (… × words) with bits lo..hi-1 set."""
    lo_, hi_ = np.asarray(lo, dtype=np.int64)[..., None], np.asarray(hi, dtype=np.int64)[..., None]
    base = 64 * np.arange(words, dtype=np.int64)
    start = np.clip(lo_ - base, 0, 64)
    width = np.clip(hi_ - base, 0, 64) - start
    ones = np.where(
        width >= 64, ~np.uint64(0), (np.uint64(1) << np.minimum(width, 63).astype(np.uint64)) - np.uint64(1)
    )
    return np.where(width > 0, ones << np.minimum(start, 63).astype(np.uint64), np.uint64(0)).astype(np.uint64)


def _nodes(
    flat: FlatForest,
    nodes: list[int],
    ranges: dict[int, tuple[int, int, int, int]],
    local: np.ndarray,
    full: np.ndarray,
) -> _Nodes:
    words = full.shape[1]
    idx = np.array(nodes, dtype=np.int64)
    trees, lo, mid, hi = (np.array([ranges[n][j] for n in nodes], dtype=np.int64) for j in range(4))
    keep_left = full[trees] & ~_bits(mid, hi, words)
    keep_right = full[trees] & ~_bits(lo, mid, words)
    missing, threshold, default_left = flat.missing[idx], flat.threshold[idx], flat.default_left[idx]
    # LightGBM reads NaN as 0 unless the missing type is NaN; a 0 of missing type "zero" takes the default side
    nan_left = np.where(missing == 0, threshold >= 0.0, default_left)
    return _Nodes(
        np.searchsorted(trees, np.arange(len(full) + 1)).astype(np.int64),
        local[flat.feature[idx]].astype(np.int32),
        threshold.astype(np.float64),
        nan_left.astype(np.bool_),
        (missing == 1).astype(np.bool_),
        default_left.astype(np.bool_),
        keep_left,
        keep_right,
    )


def _arrays(n: _Nodes) -> tuple[np.ndarray, ...]:
    return (n.start, n.feature, n.threshold, n.nan_left, n.zero_default, n.default_left, n.keep_left, n.keep_right)


@numba.njit(inline="always", cache=True)  # type: ignore[misc]
def _decide(
    x: np.ndarray,
    threshold: float,
    nan_left: bool,
    zero_default: bool,
    default_left: bool,
    keep_left: np.ndarray,
    keep_right: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
) -> None:
    """Every row of ``x`` decides one node, ruling out the leaves on its other side (branch-free).

    ``low``/``high`` are the rows' masks of leaves 0–63 and 64–127.
    """
    l0, l1, r0, r1 = keep_left[0], keep_left[1], keep_right[0], keep_right[1]
    if zero_default:
        for i in range(x.shape[0]):
            v = np.float64(x[i])
            left = default_left if v == 0.0 else (v <= threshold) | ((v != v) & nan_left)
            low[i] &= l0 if left else r0
            high[i] &= l1 if left else r1
    else:
        for i in range(x.shape[0]):
            v = np.float64(x[i])
            left = (v <= threshold) | ((v != v) & nan_left)
            low[i] &= l0 if left else r0
            high[i] &= l1 if left else r1


@numba.njit(parallel=True, cache=True, nogil=True)  # type: ignore[misc]
def _side_masks(
    rows_t: np.ndarray,
    full: np.ndarray,
    start: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    nan_left: np.ndarray,
    zero_default: np.ndarray,
    default_left: np.ndarray,
    keep_left: np.ndarray,
    keep_right: np.ndarray,
    out: np.ndarray,
) -> None:
    """out[t, w, r]: tree t's leaves (word w) that row r's nodes leave standing; rows_t is columns × rows."""
    for t in numba.prange(out.shape[0]):
        out[t, 0, :] = full[t, 0]
        out[t, 1, :] = full[t, 1]
        for k in range(start[t], start[t + 1]):
            _decide(
                rows_t[feature[k]],
                threshold[k],
                nan_left[k],
                zero_default[k],
                default_left[k],
                keep_left[k],
                keep_right[k],
                out[t, 0],
                out[t, 1],
            )


@numba.njit(parallel=True, cache=True, nogil=True)  # type: ignore[misc]
def _score(
    qd: np.ndarray,
    qp: np.ndarray,
    rows_t: np.ndarray,
    drug_masks: np.ndarray,
    protein_masks: np.ndarray,
    start: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    nan_left: np.ndarray,
    zero_default: np.ndarray,
    default_left: np.ndarray,
    keep_left: np.ndarray,
    keep_right: np.ndarray,
    leaf_base: np.ndarray,
    leaf_value: np.ndarray,
    out: np.ndarray,
) -> None:
    """Raw scores of pairs given in tile order; rows_t is the pairs' own columns × pairs."""
    n = qd.shape[0]
    for b in numba.prange((n + _BLOCK - 1) // _BLOCK):
        lo = b * _BLOCK
        hi = min(n, lo + _BLOCK)
        size = hi - lo
        qdb, qpb = qd[lo:hi], qp[lo:hi]
        low = np.empty(size, dtype=np.uint64)
        high = np.empty(size, dtype=np.uint64)
        acc = np.zeros(size, dtype=np.float64)
        for t in range(drug_masks.shape[0]):
            d0, d1, p0, p1 = drug_masks[t, 0], drug_masks[t, 1], protein_masks[t, 0], protein_masks[t, 1]
            u0 = u1 = np.uint64(0)  # leaves standing for any pair of the block
            for i in range(size):
                x0 = d0[qdb[i]] & p0[qpb[i]]
                x1 = d1[qdb[i]] & p1[qpb[i]]
                low[i] = x0
                high[i] = x1
                u0 |= x0
                u1 |= x1
            for k in range(start[t], start[t + 1]):
                # a node with no standing leaf on one side for any pair of the block is a no-op:
                # a pair that reaches it goes to the other side (the reached leaf always stands)
                l0, l1, r0, r1 = keep_left[k, 0], keep_left[k, 1], keep_right[k, 0], keep_right[k, 1]
                if ((u0 & ~r0) | (u1 & ~r1)) != 0 and ((u0 & ~l0) | (u1 & ~l1)) != 0:
                    _decide(
                        rows_t[feature[k], lo:hi],
                        threshold[k],
                        nan_left[k],
                        zero_default[k],
                        default_left[k],
                        keep_left[k],
                        keep_right[k],
                        low,
                        high,
                    )
            base = leaf_base[t]
            for i in range(size):  # the first standing leaf, branch-free (trailing_zeros(0) is 64)
                tz0 = np.int64(trailing_zeros(low[i]))  # type: ignore[call-arg]
                tz1 = np.int64(trailing_zeros(high[i]))  # type: ignore[call-arg]
                acc[i] += leaf_value[base + tz0 + (tz1 if tz0 == 64 else 0)]
        out[lo:hi] = acc
