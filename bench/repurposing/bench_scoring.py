"""Pairs scored per second with the shipped KIBA models, against the 50,000 pairs/s goal (2 cores).

Both shipped models are measured: ``both`` (2 × 800 trees) is what ``epiaid repurpose rank`` scores a
drug library with — the screening workload this goal is about — and ``pair`` (3 × 800 trees) is what
``predict`` uses on the benchmark's own test pairs. For each: scoring alone (drugs and targets already
featurised, as in a ranking run where each drug's fingerprint is computed once for all targets) with
the tree scorers (LightGBM's ``Booster.predict`` as the peer, our numba walker over one pairs ×
features matrix, and ``FactoredForest``, which the product uses), and end to end (SMILES parsing
included). Compiled trees (treelite + tl2cgen) scored 4.4–4.5 s here against FactoredForest's
1.5–3.5 s before they were removed (see the repurposing README).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from epiaid.repurposing.engine import features as F
from epiaid.repurposing.engine.data import default_data_dir, load_benchmark, read_smiles_library
from epiaid.repurposing.engine.factored import FactoredForest
from epiaid.repurposing.engine.forest import FlatForest
from epiaid.repurposing.engine.model import DTIModel, Queries, feature_blocks
from epiaid.repurposing.engine.training import weights_for

GOAL = 50_000.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--drugs", type=int, default=1000)
    parser.add_argument("--modes", default="both,pair", help="shipped KIBA models to measure")
    args = parser.parse_args()
    data = default_data_dir()
    bench = load_benchmark(data, "kiba")
    lib, _ = read_smiles_library(data / "drugs" / "drugbank_approved_admet_ai.csv")
    lib = lib.head(args.drugs)
    drugs = dict(zip(lib["drug_id"], lib["smiles"], strict=True))
    for mode in args.modes.split(","):
        model = DTIModel.load(weights_for("kiba", mode))
        model.info["predict_threads"] = args.threads
        model.attach_memory(bench.drugs, bench.proteins, bench.train)
        measure(f"scoring/{mode}", model, drugs, bench.proteins, args.threads)


def measure(tag: str, model: DTIModel, drugs: dict[str, str], proteins: dict[str, str], threads: int) -> None:
    pairs = pd.DataFrame([(d, p) for p in proteins for d in drugs], columns=["drug_id", "protein_id"])
    n = len(pairs)

    assert model.memory is not None
    t0 = time.perf_counter()
    model.memory.stats()  # once per loaded model, not per pair; shown for honesty
    t_stats = time.perf_counter() - t0

    q = Queries.build(drugs, proteins)
    dsim = F.tanimoto(q.bits, model.memory.bits)
    psim = F.cosine(q.kmers, model.memory.kmers)
    di = {d: i for i, d in enumerate(drugs)}
    pi = {p: i for i, p in enumerate(proteins)}
    qd = pairs["drug_id"].map(di).to_numpy()
    qp = pairs["protein_id"].map(pi).to_numpy()
    t0 = time.perf_counter()
    blocks = feature_blocks(model.memory, model.memory.y, q, model.embedder, qd, qp, dsim, psim)
    t_blocks = time.perf_counter() - t0
    X = blocks.assemble(qd, qp)
    t_feat = time.perf_counter() - t0
    walker = [FlatForest.from_booster(b) for b in model.boosters]
    t0 = time.perf_counter()
    walked = np.stack([f.predict(X, threads=threads) for f in walker])
    t_walk = time.perf_counter() - t0
    c0 = time.process_time()
    t0 = time.perf_counter()
    peer = np.stack([b.predict(X, num_threads=threads) for b in model.boosters])
    t_lgb = time.perf_counter() - t0
    cpu_lgb = time.process_time() - c0
    print(
        f"[{tag}] {n:,} pairs ({len(drugs)} new drugs × {len(proteins)} KIBA targets), "
        f"{len(model.boosters)}-member ensemble, {threads} threads"
    )
    print(f"[{tag}] memory statistics (once per loaded model, not per pair): {t_stats:.2f} s")
    print(
        f"[{tag}] features: by drug / protein / pair {t_blocks:.2f} s, "
        f"as one pairs × {X.shape[1]} matrix (what LightGBM needs) {t_feat:.2f} s"
    )
    print(f"[{tag}] trees, LightGBM Booster.predict (peer): {t_lgb:.2f} s ({cpu_lgb:.2f} CPU-s)")
    report(tag, "numba flat-forest walker", n, t_feat, t_walk, t_lgb, float(np.abs(peer - walked).max()))

    factored = [FactoredForest.from_flat(f, blocks.group, blocks.local) for f in walker]
    for f in factored:  # compile the kernels before timing
        f.predict(
            f.side_masks(0, blocks.drug[:1], threads),
            f.side_masks(1, blocks.protein[:1], threads),
            blocks.pair[:1],
            qd[:1] * 0,
            qp[:1] * 0,
            threads,
        )
    t0 = time.perf_counter()
    scores = []
    for f in factored:
        masks = f.side_masks(0, blocks.drug, threads), f.side_masks(1, blocks.protein, threads)
        scores.append(f.predict(*masks, blocks.pair, qd, qp, threads))
    t_fact = time.perf_counter() - t0
    diff = float(np.abs(peer - np.stack(scores)).max())
    report(tag, "FactoredForest (drug and target masks once, pair nodes per pair)", n, t_blocks, t_fact, t_lgb, diff)

    model.predict_members(pairs.head(2000), drugs, proteins, threads=threads)  # warm
    t0 = time.perf_counter()
    model.predict_members(pairs, drugs, proteins, threads=threads)
    end_to_end = time.perf_counter() - t0
    print(
        f"[{tag}] end to end incl. SMILES/sequence featurisation (FactoredForest): "
        f"{n / end_to_end:,.0f} pairs/s = {n / end_to_end / GOAL:.2f} × goal"
    )


def report(tag: str, name: str, n: int, t_feat: float, t_trees: float, t_peer: float, diff: float) -> None:
    rate = n / (t_feat + t_trees)
    print(
        f"[{tag}] {name}: trees {t_trees:.2f} s ({t_peer / t_trees:.2f}× LightGBM, max |difference| {diff:.1e}); "
        f"features + trees {rate:,.0f} pairs/s = {rate / GOAL:.2f} × the 50,000/s goal"
    )


if __name__ == "__main__":
    main()
