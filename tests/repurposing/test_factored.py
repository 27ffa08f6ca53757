"""Factored scoring (drug masks × protein masks × pair nodes) must equal LightGBM's own predictor exactly."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from epiaid.repurposing.engine.data import load_benchmark
from epiaid.repurposing.engine.factored import FactoredForest
from epiaid.repurposing.engine.forest import FlatForest
from epiaid.repurposing.engine.model import DTIModel, Queries, feature_blocks
from epiaid.repurposing.engine.training import weights_for

# columns 0-3 describe the drug, 4-6 the protein, 7-9 the pair, interleaved like the model's own layout
GROUP = np.array([0, 1, 2, 0, 1, 2, 0, 2, 0, 1], dtype=np.int8)
LOCAL = np.array([int((GROUP[:j] == GROUP[j]).sum()) for j in range(len(GROUP))], dtype=np.int32)


def _grid(rng: np.random.Generator, n_drugs: int, n_proteins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random drug, protein and pair blocks with NaNs, zeros and sub-threshold values sprinkled in."""

    def block(rows: int, cols: int) -> np.ndarray:
        x = rng.normal(size=(rows, cols)).astype(np.float32)
        x[rng.random(x.shape) < 0.15] = np.nan
        x[rng.random(x.shape) < 0.10] = 0.0
        x[rng.random(x.shape) < 0.02] = 1e-40  # LightGBM reads these as zero
        return x

    return block(n_drugs, 4), block(n_proteins, 3), block(n_drugs * n_proteins, 3)


def _assemble(drug: np.ndarray, protein: np.ndarray, pair: np.ndarray, qd: np.ndarray, qp: np.ndarray) -> np.ndarray:
    X = np.empty((len(qd), len(GROUP)), dtype=np.float32)
    for g, rows in enumerate((drug[qd], protein[qp], pair)):
        X[:, g == GROUP] = rows
    return X


def _booster(leaves: int, use_missing: bool, zero_as_missing: bool) -> lgb.Booster:
    rng = np.random.default_rng(3)
    drug, protein, pair = _grid(rng, 60, 40)
    qd, qp = np.repeat(np.arange(60), 40), np.tile(np.arange(40), 60)
    X = _assemble(drug, protein, pair, qd, qp)
    y = (
        np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1])
        + np.isnan(X[:, 2])
        + np.nan_to_num(X[:, 7]) ** 2
        + rng.normal(0, 0.1, len(X))
    )
    params = {
        "objective": "regression",
        "num_leaves": leaves,
        "min_data_in_leaf": 3,
        "verbose": -1,
        "num_threads": 1,
        "use_missing": use_missing,
        "zero_as_missing": zero_as_missing,
    }
    return lgb.train(params, lgb.Dataset(X, y), num_boost_round=30)


def _factored_scores(
    forest: FactoredForest,
    drug: np.ndarray,
    protein: np.ndarray,
    pair: np.ndarray,
    qd: np.ndarray,
    qp: np.ndarray,
    threads: int = 1,
) -> np.ndarray:
    masks = forest.side_masks(0, drug, threads), forest.side_masks(1, protein, threads)
    return forest.predict(*masks, pair, qd, qp, threads=threads)


@pytest.mark.parametrize(
    ("leaves", "use_missing", "zero_as_missing"),
    [(127, True, False), (127, True, True), (31, False, False), (64, True, False), (65, True, False)],
)
def test_factored_scores_equal_booster_predict_bit_for_bit_on_a_grid(
    leaves: int, use_missing: bool, zero_as_missing: bool
) -> None:
    booster = _booster(leaves, use_missing, zero_as_missing)
    forest = FactoredForest.from_flat(FlatForest.from_booster(booster), GROUP, LOCAL)
    drug, protein, pair = _grid(np.random.default_rng(11), 37, 23)
    qd, qp = np.repeat(np.arange(37), 23), np.tile(np.arange(23), 37)
    expected = booster.predict(_assemble(drug, protein, pair, qd, qp), num_threads=1)
    assert np.array_equal(_factored_scores(forest, drug, protein, pair, qd, qp), expected)
    assert np.array_equal(_factored_scores(forest, drug, protein, pair, qd, qp, threads=2), expected)


def test_arbitrary_pairs_in_any_order_with_repeats_score_like_the_booster() -> None:
    booster = _booster(127, True, False)
    forest = FactoredForest.from_flat(FlatForest.from_booster(booster), GROUP, LOCAL)
    rng = np.random.default_rng(5)
    drug, protein, _ = _grid(rng, 50, 30)
    qd, qp = rng.integers(0, 50, 700), rng.integers(0, 30, 700)
    qd[:10], qp[:10] = 4, 7  # the same pair ten times
    pair = _grid(rng, 700, 1)[2][:700]
    expected = booster.predict(_assemble(drug, protein, pair, qd, qp), num_threads=1)
    assert np.array_equal(_factored_scores(forest, drug, protein, pair, qd, qp), expected)


def test_single_leaf_trees_and_a_model_without_pair_splits_are_scored() -> None:
    X = np.random.default_rng(1).normal(size=(200, len(GROUP))).astype(np.float32)
    booster = lgb.train({"objective": "regression", "verbose": -1, "num_threads": 1}, lgb.Dataset(X, np.ones(200)), 5)
    forest = FactoredForest.from_flat(FlatForest.from_booster(booster), GROUP, LOCAL)
    drug, protein, pair = _grid(np.random.default_rng(2), 4, 5)
    qd, qp = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    expected = booster.predict(_assemble(drug, protein, pair, qd, qp))
    assert np.array_equal(_factored_scores(forest, drug, protein, pair, qd, qp), expected)


def test_trees_wider_than_128_leaves_and_mismatched_blocks_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="129 leaves"):
        FactoredForest.from_flat(FlatForest.from_booster(_booster(129, True, False)), GROUP, LOCAL)
    forest = FactoredForest.from_flat(FlatForest.from_booster(_booster(31, True, False)), GROUP, LOCAL)
    drug, protein, pair = _grid(np.random.default_rng(4), 3, 3)
    with pytest.raises(ValueError, match="columns"):
        forest.side_masks(0, drug[:, :1])
    masks = forest.side_masks(0, drug), forest.side_masks(1, protein)
    with pytest.raises(ValueError, match="pair rows"):
        forest.predict(*masks, pair[:4], np.zeros(5, dtype=int), np.zeros(5, dtype=int))


def test_model_predictions_equal_lightgbm_on_the_assembled_feature_matrix(
    synthetic_dti: Path, synthetic_weights: Path
) -> None:
    bench = load_benchmark(synthetic_dti, "kiba")
    model = DTIModel.load(weights_for("kiba", "both", synthetic_weights))
    model.attach_memory(bench.drugs, bench.proteins, bench.train)
    drugs = dict(list(bench.drugs.items())[:12])
    proteins = dict(list(bench.proteins.items())[:9])
    pairs = pd.DataFrame([(d, p) for d in drugs for p in proteins], columns=["drug_id", "protein_id"])
    pairs = pairs.sample(frac=1.0, random_state=0)  # any order

    members = model.predict_members(pairs, drugs, proteins, threads=2)

    qd, dset = pd.factorize(pairs["drug_id"])
    qp, pset = pd.factorize(pairs["protein_id"])
    assert model.memory is not None
    q = Queries.build({d: drugs[d] for d in dset}, {p: proteins[p] for p in pset})
    X = feature_blocks(model.memory, model.memory.y, q, model.embedder, qd, qp).assemble(qd, qp)
    expected = np.stack([b.predict(X, num_threads=1) for b in model.boosters])
    assert np.array_equal(members, expected)
