"""The DTI model: LightGBM over chemistry/sequence embeddings plus kernel-neighbour affinity features.

Why this design: on DeepDTA's random-pair split every test drug and target also appears in training,
so "what did this drug do on similar targets, and similar drugs on this target" (KronRLS / SimBoost
style features) carries most of the signal; a gradient-boosted model combines those with the
chemistry and sequence embeddings. It trains in minutes on one CPU core and scores pairs with a few
matrix products and tree walks.

The neighbour features read the benchmark's training affinities (the model's *memory*), which are
loaded from the data folder at prediction time, like the reference set of a nearest-neighbour model;
nothing is fitted then. Training features are computed out-of-fold (inner folds that mimic the
setting the model is meant for: random pairs, unseen drugs, unseen targets or both), so the booster
never learns from a pair's own label leaking into its neighbours.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from epiaid.repurposing.engine import features as F
from epiaid.repurposing.engine.factored import FactoredForest
from epiaid.repurposing.engine.forest import FlatForest

MODES = ("pair", "drug", "target", "both")
KS = (3, 15)
SIM_POWER = 3.0
N_EMB = 32
MF_RANK = 16


@dataclass
class Memory:
    """Training affinities as a drug × protein matrix with the featurised drugs and proteins."""

    drug_ids: list[str]
    protein_ids: list[str]
    bits: np.ndarray  # n_d × FP_BITS uint8
    kmers: sparse.csr_matrix  # n_p × 8000
    y: np.ndarray  # n_d × n_p, NaN where unmeasured
    drug_index: dict[str, int] = field(init=False)
    protein_index: dict[str, int] = field(init=False)
    _stats: MemoryStats | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.drug_index = {d: i for i, d in enumerate(self.drug_ids)}
        self.protein_index = {p: i for i, p in enumerate(self.protein_ids)}

    @classmethod
    def build(cls, drugs: dict[str, str], proteins: dict[str, str], pairs: pd.DataFrame) -> Memory:
        """``pairs`` has drug_id, protein_id, y; every drug and protein in the dictionaries is kept."""
        drug_ids = sorted(drugs)
        protein_ids = sorted(proteins)
        bits, _ = F.morgan_bits([drugs[d] for d in drug_ids])
        kmers = F.kmer_profiles([proteins[p] for p in protein_ids])
        mem = cls(drug_ids, protein_ids, bits, kmers, np.full((len(drug_ids), len(protein_ids)), np.nan))
        rows = pairs["drug_id"].map(mem.drug_index).to_numpy()
        cols = pairs["protein_id"].map(mem.protein_index).to_numpy()
        mem.y[rows, cols] = pairs["y"].to_numpy(dtype=float)
        return mem

    def cells(self, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return (
            pairs["drug_id"].map(self.drug_index).to_numpy(dtype=int),
            pairs["protein_id"].map(self.protein_index).to_numpy(dtype=int),
        )

    def stats(self) -> MemoryStats:
        """Statistics of the full memory, computed on first use and kept.

        They depend only on the training affinities, yet cost a dozen SVDs: recomputing them for
        every batch of pairs (every ``predict_members`` call, every ranking chunk) dominated scoring.
        Callers must not edit ``y`` in place after the first call (training masks copies instead).
        """
        if self._stats is None:
            self._stats = MemoryStats.of(self.y)
        return self._stats


@dataclass
class Queries:
    """The distinct drugs and proteins of a batch of pairs, featurised once each."""

    drug_ids: list[str]
    protein_ids: list[str]
    bits: np.ndarray
    desc: np.ndarray
    kmers: sparse.csr_matrix
    comp: np.ndarray

    @classmethod
    def build(cls, drugs: dict[str, str], proteins: dict[str, str]) -> Queries:
        drug_ids = list(drugs)
        protein_ids = list(proteins)
        smiles = [drugs[d] for d in drug_ids]
        seqs = [proteins[p] for p in protein_ids]
        mols = F.parse_smiles(smiles)
        bits, failed = F.morgan_bits(smiles, mols)
        if failed:
            raise ValueError(f"unparseable SMILES for drug ids: {', '.join(drug_ids[i] for i in failed[:10])}")
        return cls(drug_ids, protein_ids, bits, F.descriptors(smiles, mols), F.kmer_profiles(seqs), F.composition(seqs))


def _topk_weights(sim: np.ndarray, k: int, exclude: np.ndarray | None) -> np.ndarray:
    """Keep each row's k most similar memory items (never the item itself), weighted sim**SIM_POWER."""
    s = sim.copy()
    if exclude is not None:
        rows = np.nonzero(exclude >= 0)[0]
        s[rows, exclude[rows]] = -1.0
    k = min(k, s.shape[1])
    idx = np.argpartition(-s, k - 1, axis=1)[:, :k]
    w = np.zeros_like(s)
    vals = np.take_along_axis(s, idx, axis=1)
    np.put_along_axis(w, idx, np.clip(vals, 0.0, None) ** SIM_POWER, axis=1)
    return w


def soft_impute(resid: np.ndarray, mask: np.ndarray, rank: int, iters: int = 12, shrink: float = 0.5) -> np.ndarray:
    """Low-rank completion of the residual affinity matrix (SimBoost's matrix-factorisation feature).

    Hard-rank SVD imputation with a little singular-value shrinkage: a few dense SVDs of a
    2,111 × 229 matrix cost well under a second, so a library solver would buy nothing here.
    """
    low = np.zeros_like(resid)
    k = min(rank, min(resid.shape) - 1)
    if k < 1 or not mask.any():
        return low
    for _ in range(iters):
        filled = np.where(mask, resid, low)
        u, s, vt = np.linalg.svd(filled, full_matrices=False)
        s = np.maximum(s[:k] - shrink, 0.0)
        low = (u[:, :k] * s) @ vt[:k]
    return low


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-12, num / np.maximum(den, 1e-12), np.nan)


@dataclass
class MemoryStats:
    """Per-drug / per-protein summaries, residuals and their low-rank completion for one affinity matrix."""

    y0: np.ndarray  # affinities with NaN -> 0
    mfd: np.ndarray  # 1.0 where measured
    dcount: np.ndarray
    pcount: np.ndarray
    dmean: np.ndarray
    pmean: np.ndarray
    dstd: np.ndarray
    pstd: np.ndarray
    resid: np.ndarray
    low_rank: np.ndarray

    @classmethod
    def of(cls, y: np.ndarray) -> MemoryStats:
        mask = ~np.isnan(y)
        y0 = np.where(mask, y, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            dcount = mask.sum(1).astype(float)
            pcount = mask.sum(0).astype(float)
            dmean = _ratio(y0.sum(1), dcount)
            pmean = _ratio(y0.sum(0), pcount)
            gmean = float(y0.sum() / max(mask.sum(), 1))
            dstd = np.sqrt(np.maximum(_ratio((y0**2).sum(1), dcount) - dmean**2, 0.0))
            pstd = np.sqrt(np.maximum(_ratio((y0**2).sum(0), pcount) - pmean**2, 0.0))
        resid = np.where(
            mask,
            y - np.nan_to_num(dmean, nan=gmean)[:, None] - np.nan_to_num(pmean, nan=gmean)[None, :] + gmean,
            0.0,
        )
        mfd = mask.astype(np.float64)
        low_rank = soft_impute(resid, mask, MF_RANK)
        return cls(y0, mfd, dcount, pcount, dmean, pmean, dstd, pstd, resid, low_rank)


@dataclass
class Embedder:
    """Truncated-SVD projections of fingerprints and k-mer profiles, fitted on the training memory."""

    drug_components: np.ndarray  # N_EMB × FP_BITS
    protein_components: np.ndarray  # N_EMB × 8000

    @classmethod
    def fit(cls, mem: Memory, seed: int) -> Embedder:
        from sklearn.decomposition import TruncatedSVD

        nd = min(N_EMB, mem.bits.shape[0] - 1)
        npr = min(N_EMB, mem.kmers.shape[0] - 1)
        d = TruncatedSVD(nd, random_state=seed).fit(mem.bits.astype(np.float32)).components_
        p = TruncatedSVD(npr, random_state=seed).fit(mem.kmers).components_
        return cls(d.astype(np.float32), p.astype(np.float32))

    def drugs(self, bits: np.ndarray) -> np.ndarray:
        return np.asarray(bits.astype(np.float32) @ self.drug_components.T)

    def proteins(self, kmers: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(kmers @ self.protein_components.T)


def feature_names(emb: Embedder) -> list[str]:
    names = [
        "drug_mean",
        "drug_count",
        "drug_std",
        "prot_mean",
        "prot_count",
        "prot_std",
        "drug_maxsim",
        "prot_maxsim",
        "mf_resid",
        "nb_drug_mean",
        "nb_prot_mean",
    ]
    for k in KS:
        names += [f"drug_knn{k}", f"prot_knn{k}", f"cross_knn{k}", f"drug_knn_res{k}", f"prot_knn_res{k}"]
    names += [f"drug_emb{i}" for i in range(emb.drug_components.shape[0])]
    names += F.DESCRIPTOR_NAMES
    names += [f"prot_emb{i}" for i in range(emb.protein_components.shape[0])]
    names += [f"aa_{a}" for a in F._AA] + ["log_len"]
    return names


GROUPS = ("drug", "protein", "pair")


@dataclass
class FeatureBlocks:
    """A batch's features split by what each depends on: the drug alone, the protein alone, or the pair.

    Why split: most of the model's columns (embeddings, descriptors, a drug's or target's training
    statistics) depend on one side only, so a drug × target grid needs them once per drug and once per
    target, not once per pair. ``assemble`` rebuilds the full matrix in the model's column order.
    """

    drug: np.ndarray  # n_qd × drug columns, float32
    protein: np.ndarray  # n_qp × protein columns
    pair: np.ndarray  # n pairs × pair columns
    group: np.ndarray  # per model column: 0 drug, 1 protein, 2 pair
    local: np.ndarray  # per model column: its index within its block

    def assemble(self, qd: np.ndarray, qp: np.ndarray) -> np.ndarray:
        X = np.empty((len(qd), len(self.group)), dtype=np.float32)
        for g, (block, index) in enumerate(((self.drug, qd), (self.protein, qp), (self.pair, None))):
            cols = np.nonzero(self.group == g)[0]
            X[:, cols] = block if index is None else block[index]
        return X


def feature_blocks(
    mem: Memory,
    y: np.ndarray,
    q: Queries,
    emb: Embedder,
    qd: np.ndarray,
    qp: np.ndarray,
    dsim: np.ndarray | None = None,
    psim: np.ndarray | None = None,
) -> FeatureBlocks:
    """Features of pairs (q.drug_ids[qd[i]], q.protein_ids[qp[i]]) against memory affinities ``y``.

    ``y`` is ``mem.y`` possibly with cells masked (out-of-fold training); a drug or protein whose
    memory row is all NaN behaves exactly like one never seen.
    """
    st = mem.stats() if y is mem.y else MemoryStats.of(y)
    dcount, pcount, dmean, pmean, dstd, pstd = st.dcount, st.pcount, st.dmean, st.pmean, st.dstd, st.pstd
    y0, resid, mfd, low_rank = st.y0, st.resid, st.mfd, st.low_rank

    q_mem_d = np.array([mem.drug_index.get(d, -1) for d in q.drug_ids], dtype=int)
    q_mem_p = np.array([mem.protein_index.get(p, -1) for p in q.protein_ids], dtype=int)
    if dsim is None:
        dsim = F.tanimoto(q.bits, mem.bits)
    if psim is None:
        psim = F.cosine(q.kmers, mem.kmers)
    seen_d = (dcount > 0).astype(np.float32)
    seen_p = (pcount > 0).astype(np.float32)
    # similarity to the nearest *measured* other drug / protein: how far this pair extrapolates
    ds_ex = dsim * seen_d[None, :]
    ps_ex = psim * seen_p[None, :]
    rows_d = np.nonzero(q_mem_d >= 0)[0]
    ds_ex[rows_d, q_mem_d[rows_d]] = 0.0
    rows_p = np.nonzero(q_mem_p >= 0)[0]
    ps_ex[rows_p, q_mem_p[rows_p]] = 0.0

    qdm = q_mem_d[qd]
    qpm = q_mem_p[qp]
    n = len(qd)
    blocks: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    group: list[int] = []
    local: list[int] = []

    def add(g: int, *columns: np.ndarray) -> None:
        for col in columns:
            for c in col.T if col.ndim == 2 else (col,):
                group.append(g)
                local.append(len(blocks[g]))
                blocks[g].append(c)

    def take_mem(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
        out = np.full(len(idx), np.nan)
        ok = idx >= 0
        out[ok] = v[idx[ok]]
        return out

    D, P, Q = 0, 1, 2
    add(D, take_mem(dmean, q_mem_d), take_mem(dcount, q_mem_d), take_mem(dstd, q_mem_d))
    add(P, take_mem(pmean, q_mem_p), take_mem(pcount, q_mem_p), take_mem(pstd, q_mem_p))
    add(D, ds_ex.max(1))
    add(P, ps_ex.max(1))
    mf = np.full(n, np.nan)
    both = (qdm >= 0) & (qpm >= 0)
    both[both] = (dcount[qdm[both]] > 0) & (pcount[qpm[both]] > 0)
    mf[both] = low_rank[qdm[both], qpm[both]]
    add(Q, mf)
    wd15 = _topk_weights(ds_ex, KS[-1], None)
    wp15 = _topk_weights(ps_ex, KS[-1], None)
    add(D, _ratio(wd15 @ np.nan_to_num(dmean), wd15 @ (dcount > 0)))
    add(P, _ratio(wp15 @ np.nan_to_num(pmean), wp15 @ (pcount > 0)))
    for k in KS:
        wd = _topk_weights(ds_ex, k, None)  # n_qd × n_d
        wp = _topk_weights(ps_ex, k, None)  # n_qp × n_p
        a_num, a_den = wd @ y0, wd @ mfd  # n_qd × n_p
        r_num = wd @ resid
        b_num, b_den = y0 @ wp.T, mfd @ wp.T  # n_d × n_qp
        rb_num = resid @ wp.T
        cross = _ratio(a_num @ wp.T, a_den @ wp.T)  # n_qd × n_qp
        drug_knn = np.full(n, np.nan)
        ok = qpm >= 0
        drug_knn[ok] = _ratio(a_num[qd[ok], qpm[ok]], a_den[qd[ok], qpm[ok]])
        drug_res = np.full(n, np.nan)
        drug_res[ok] = _ratio(r_num[qd[ok], qpm[ok]], a_den[qd[ok], qpm[ok]])
        prot_knn = np.full(n, np.nan)
        prot_res = np.full(n, np.nan)
        ok = qdm >= 0
        prot_knn[ok] = _ratio(b_num[qdm[ok], qp[ok]], b_den[qdm[ok], qp[ok]])
        prot_res[ok] = _ratio(rb_num[qdm[ok], qp[ok]], b_den[qdm[ok], qp[ok]])
        add(Q, drug_knn, prot_knn, cross[qd, qp], drug_res, prot_res)
    add(D, emb.drugs(q.bits), q.desc)
    add(P, emb.proteins(q.kmers), q.comp)

    def stack(cols: list[np.ndarray], rows: int) -> np.ndarray:
        out = np.empty((rows, len(cols)), dtype=np.float32)
        for j, c in enumerate(cols):
            out[:, j] = c
        return out

    return FeatureBlocks(
        stack(blocks[D], len(q.drug_ids)),
        stack(blocks[P], len(q.protein_ids)),
        stack(blocks[Q], n),
        np.array(group, dtype=np.int8),
        np.array(local, dtype=np.int32),
    )


def pair_features(
    mem: Memory,
    y: np.ndarray,
    q: Queries,
    emb: Embedder,
    qd: np.ndarray,
    qp: np.ndarray,
    dsim: np.ndarray | None = None,
    psim: np.ndarray | None = None,
) -> np.ndarray:
    """The full feature matrix of pairs, in the model's column order (training, LightGBM's input)."""
    return feature_blocks(mem, y, q, emb, qd, qp, dsim, psim).assemble(qd, qp)


def inner_folds(
    cells: tuple[np.ndarray, np.ndarray], mode: str, k: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(held-out rows, rows hidden from memory) per inner fold, shaped like the target setting."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    rng = np.random.default_rng(seed)
    d, p = cells
    n = len(d)
    if mode == "pair":
        fold = rng.integers(0, k, n)
        return [(np.nonzero(fold == f)[0],) * 2 for f in range(k)]  # type: ignore[misc]
    dg = rng.integers(0, k, d.max() + 1)[d]
    pg = rng.integers(0, k, p.max() + 1)[p]
    if mode == "drug":
        return [(np.nonzero(dg == f)[0],) * 2 for f in range(k)]  # type: ignore[misc]
    if mode == "target":
        return [(np.nonzero(pg == f)[0],) * 2 for f in range(k)]  # type: ignore[misc]
    out = []
    for a in range(k):
        for b in range(k):
            held = np.nonzero((dg == a) & (pg == b))[0]
            hidden = np.nonzero((dg == a) | (pg == b))[0]
            if len(held):
                out.append((held, hidden))
    return out


LGB_PARAMS: dict[str, Any] = {
    "objective": "regression",
    "learning_rate": 0.07,
    "num_leaves": 127,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 1,
}


@dataclass
class DTIModel:
    """An ensemble of boosters sharing one embedder; the memory is attached at load time."""

    benchmark: str
    mode: str
    embedder: Embedder
    boosters: list[Any]
    feature_names: list[str]
    memory: Memory | None = None
    info: dict[str, Any] = field(default_factory=dict)
    _factored: tuple[bytes, list[FactoredForest]] | None = field(default=None, repr=False)

    # ---- training -------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        benchmark: str,
        drugs: dict[str, str],
        proteins: dict[str, str],
        train: pd.DataFrame,
        mode: str = "pair",
        members: int = 3,
        rounds: int = 1200,
        seed: int = 0,
        threads: int = 1,
        inner_k: int = 5,
        progress: Callable[[str], None] | None = None,
    ) -> DTIModel:
        import lightgbm as lgb

        say = progress or (lambda _m: None)
        t0 = time.process_time()
        mem = Memory.build(drugs, proteins, train)
        emb = Embedder.fit(mem, seed)
        q = Queries.build({d: drugs[d] for d in mem.drug_ids}, {p: proteins[p] for p in mem.protein_ids})
        dsim = F.tanimoto(q.bits, mem.bits)
        psim = F.cosine(q.kmers, mem.kmers)
        cells = mem.cells(train)
        yv = train["y"].to_numpy(dtype=float)
        boosters = []
        for m in range(members):
            X = np.zeros((len(train), len(feature_names(emb))), dtype=np.float32)
            for held, hidden in inner_folds(cells, mode, inner_k, seed + 1000 * m):
                y_masked = mem.y.copy()
                y_masked[cells[0][hidden], cells[1][hidden]] = np.nan
                X[held] = pair_features(mem, y_masked, q, emb, cells[0][held], cells[1][held], dsim, psim)
            params = {**LGB_PARAMS, "seed": seed + m, "num_threads": threads}
            booster = lgb.train(params, lgb.Dataset(X, yv, free_raw_data=True), num_boost_round=rounds)
            boosters.append(booster)
            say(f"member {m + 1}/{members} trained ({time.process_time() - t0:.0f} CPU-s so far)")
        model = cls(benchmark, mode, emb, boosters, feature_names(emb), mem)
        model.info = {
            "cpu_seconds": time.process_time() - t0,
            "members": members,
            "rounds": rounds,
            "seed": seed,
            "mode": mode,
            "train_pairs": len(train),
            "params": LGB_PARAMS,
        }
        return model

    # ---- prediction -----------------------------------------------------------------------------
    def attach_memory(self, drugs: dict[str, str], proteins: dict[str, str], train: pd.DataFrame) -> None:
        self.memory = Memory.build(drugs, proteins, train)

    def predict_members(
        self,
        pairs: pd.DataFrame,
        drugs: dict[str, str],
        proteins: dict[str, str],
        chunk: int = 1_000_000,
        threads: int | None = None,
    ) -> np.ndarray:
        """Predictions of every ensemble member (members × pairs) in model units.

        Scored by ``FactoredForest``: each distinct drug and protein is decided once per tree, the
        pairs only their own few nodes (equal to ``Booster.predict`` bit for bit).
        """
        if self.memory is None:
            raise RuntimeError("model has no memory: call attach_memory() with the training data")
        qd, dset = pd.factorize(pairs["drug_id"])
        qp, pset = pd.factorize(pairs["protein_id"])
        unknown_d = sorted(set(dset) - set(drugs))
        unknown_p = sorted(set(pset) - set(proteins))
        if unknown_d or unknown_p:
            raise KeyError(f"unknown ids: drugs {unknown_d[:5]} proteins {unknown_p[:5]}")
        threads = threads or scoring_threads()
        q = Queries.build({d: drugs[d] for d in dset}, {p: proteins[p] for p in pset})
        out = np.zeros((len(self.boosters), len(pairs)))
        dsim = F.tanimoto(q.bits, self.memory.bits)
        psim = F.cosine(q.kmers, self.memory.kmers)
        masks: list[tuple[np.ndarray, np.ndarray]] = []
        for start in range(0, len(pairs), chunk):
            sl = slice(start, start + chunk)
            blocks = feature_blocks(self.memory, self.memory.y, q, self.embedder, qd[sl], qp[sl], dsim, psim)
            for m, forest in enumerate(self.factored(blocks)):
                if len(masks) <= m:  # the drug and protein blocks are the same in every chunk
                    masks.append(
                        (forest.side_masks(0, blocks.drug, threads), forest.side_masks(1, blocks.protein, threads))
                    )
                out[m, sl] = forest.predict(*masks[m], blocks.pair, qd[sl], qp[sl], threads=threads)
        return out

    def factored(self, blocks: FeatureBlocks) -> list[FactoredForest]:
        """Each member as a ``FactoredForest`` for this model's column grouping, built once."""
        key = blocks.group.tobytes()
        if self._factored is None or self._factored[0] != key:
            flats = [FlatForest.from_model_string(b.model_to_string()) for b in self.boosters]
            self._factored = (key, [FactoredForest.from_flat(f, blocks.group, blocks.local) for f in flats])
        return self._factored[1]

    def predict(self, pairs: pd.DataFrame, drugs: dict[str, str], proteins: dict[str, str]) -> np.ndarray:
        return self.predict_members(pairs, drugs, proteins).mean(0)

    # ---- persistence ----------------------------------------------------------------------------
    def save(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "embedder.npz",
            drug=self.embedder.drug_components,
            protein=self.embedder.protein_components,
        )
        for i, b in enumerate(self.boosters):
            with gzip.open(folder / f"member_{i}.txt.gz", "wt", encoding="utf-8") as fh:
                fh.write(b.model_to_string())
        meta = {
            "benchmark": self.benchmark,
            "mode": self.mode,
            "feature_names": self.feature_names,
            "members": len(self.boosters),
            "info": {**self.info, **(extra or {})},
        }
        (folder / "model.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> DTIModel:
        import lightgbm as lgb

        folder = Path(folder)
        meta_path = folder / "model.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"no model in {folder} (model.json missing): run `epiaid repurpose train`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(folder / "embedder.npz") as z:
            emb = Embedder(z["drug"], z["protein"])
        boosters = []
        for i in range(int(meta["members"])):
            with gzip.open(folder / f"member_{i}.txt.gz", "rt", encoding="utf-8") as fh:
                boosters.append(lgb.Booster(model_str=fh.read()))
        return cls(meta["benchmark"], meta["mode"], emb, boosters, meta["feature_names"], None, meta["info"])


def scoring_threads() -> int:
    """Threads to score with: the cores this process may run on (``EPIAID_SCORING_THREADS`` overrides)."""
    return int(os.environ.get("EPIAID_SCORING_THREADS") or len(os.sched_getaffinity(0)))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
