"""The flat-forest walker must score exactly like LightGBM's own predictor, missing values included."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from epiaid.repurposing.engine.forest import FlatForest


def _booster_and_rows(use_missing: bool, zero_as_missing: bool) -> tuple[lgb.Booster, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 6)).astype(np.float32)
    X[rng.random(X.shape) < 0.15] = np.nan
    X[rng.random(X.shape) < 0.10] = 0.0
    y = np.nan_to_num(X[:, 0]) * 2 + np.isnan(X[:, 1]) - np.nan_to_num(X[:, 2]) ** 2 + rng.normal(0, 0.1, 3000)
    params = {
        "objective": "regression",
        "num_leaves": 31,
        "min_data_in_leaf": 5,
        "verbose": -1,
        "num_threads": 1,
        "use_missing": use_missing,
        "zero_as_missing": zero_as_missing,
    }
    booster = lgb.train(params, lgb.Dataset(X, y), num_boost_round=40)
    rows = rng.normal(size=(2000, 6)).astype(np.float32)
    rows[rng.random(rows.shape) < 0.2] = np.nan
    rows[rng.random(rows.shape) < 0.1] = 0.0
    rows[:5, 3] = 1e-40  # below LightGBM's zero threshold: read as zero
    return booster, rows


@pytest.mark.parametrize(("use_missing", "zero_as_missing"), [(True, False), (True, True), (False, False)])
def test_flat_forest_equals_booster_predict_bit_for_bit(use_missing: bool, zero_as_missing: bool) -> None:
    booster, rows = _booster_and_rows(use_missing, zero_as_missing)
    forest = FlatForest.from_booster(booster)
    expected = booster.predict(rows, num_threads=1)
    assert np.array_equal(forest.predict(rows, threads=1), expected)
    assert np.array_equal(forest.predict(rows.astype(np.float64), threads=2), expected)


def test_flat_forest_refuses_a_matrix_narrower_than_the_model() -> None:
    booster, rows = _booster_and_rows(True, False)
    with pytest.raises(ValueError, match="feature"):
        FlatForest.from_booster(booster).predict(rows[:, :2])


def test_flat_forest_handles_single_leaf_trees() -> None:
    X = np.random.default_rng(1).normal(size=(200, 3))
    booster = lgb.train({"objective": "regression", "verbose": -1, "num_threads": 1}, lgb.Dataset(X, np.ones(200)), 5)
    assert np.array_equal(FlatForest.from_booster(booster).predict(X), booster.predict(X))
