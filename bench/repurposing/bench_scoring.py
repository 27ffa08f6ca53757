"""Pairs scored per second with the shipped KIBA models, against the 50,000 pairs/s goal (2 cores).

Both shipped models are measured: ``both`` (2 × 800 trees) is what ``epiaid repurpose rank`` scores a
drug library with — the screening workload this goal is about — and ``pair`` (3 × 800 trees) is what
``predict`` uses on the benchmark's own test pairs. For each: scoring alone (drugs and targets already
featurised, as in a ranking run where each drug's fingerprint is computed once for all targets) with
three tree scorers (LightGBM, our numba walker, compiled trees), and end to end (SMILES parsing included).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from epiaid.repurposing.engine import features as F
from epiaid.repurposing.engine.compiled import compiler_available, load_compiled
from epiaid.repurposing.engine.data import default_data_dir, load_benchmark, read_smiles_library
from epiaid.repurposing.engine.forest import FlatForest
from epiaid.repurposing.engine.model import DTIModel, Queries, pair_features
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
    X = pair_features(model.memory, model.memory.y, q, model.embedder, qd, qp, dsim, psim)
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
    print(f"[{tag}] pair features {t_feat:.2f} s ({n / t_feat:,.0f} pairs/s)")
    print(f"[{tag}] trees, LightGBM Booster.predict (peer): {t_lgb:.2f} s ({cpu_lgb:.2f} CPU-s)")
    report(tag, "numba flat-forest walker", n, t_feat, t_walk, t_lgb, float(np.abs(peer - walked).max()))

    why = compiler_available()
    if why:
        print(f"[{tag}] compiled trees: not measured ({why})")
    else:
        texts = [b.model_to_string() for b in model.boosters]
        compiled = load_compiled(texts)
        if compiled is None:  # build plain libraries; `epiaid repurpose compile` adds branch hints
            t0 = time.perf_counter()
            model.compile(threads=threads)
            print(f"[{tag}] compiled trees: built in {time.perf_counter() - t0:.1f} s (cached for later runs)")
            compiled = load_compiled(texts)
        assert compiled is not None
        kinds = {"annotated" if "-annotated" in f.library.name else "plain" for f in compiled}
        print(f"[{tag}] compiled trees: {len(compiled)} {'/'.join(sorted(kinds))} libraries")
        compiled[0].predict(X[:1000], threads=threads)  # load the libraries before timing
        t0 = time.perf_counter()
        preds = np.stack([f.predict(X, threads=threads) for f in compiled])
        t_comp = time.perf_counter() - t0
        report(tag, "compiled trees (tl2cgen)", n, t_feat, t_comp, t_lgb, float(np.abs(peer - preds).max()))
        model._forests = None  # the end-to-end figure below uses the compiled libraries

    model.predict_members(pairs.head(2000), drugs, proteins)  # warm
    t0 = time.perf_counter()
    model.predict_members(pairs, drugs, proteins)
    end_to_end = time.perf_counter() - t0
    print(
        f"[{tag}] end to end incl. SMILES/sequence featurisation ({type(model.forests()[0]).__name__}): "
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
