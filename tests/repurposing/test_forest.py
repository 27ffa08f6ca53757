"""The flat-forest walker must score exactly like LightGBM's own predictor, missing values included."""

from __future__ import annotations

from pathlib import Path

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


# ---- compiled trees (treelite + tl2cgen + gcc) ------------------------------------------------------


@pytest.fixture
def compiled_dir(tmp_path: Path) -> Path:
    from epiaid.repurposing.engine.compiled import compiler_available

    why = compiler_available()
    if why:
        pytest.skip(f"compiled trees unavailable here: {why}")
    return tmp_path / "compiled"


@pytest.mark.parametrize(("use_missing", "zero_as_missing"), [(True, False), (False, False)])
def test_compiled_forest_equals_booster_predict_bit_for_bit(
    compiled_dir: Path, use_missing: bool, zero_as_missing: bool
) -> None:
    from epiaid.repurposing.engine.compiled import compile_member, load_compiled

    booster, rows = _booster_and_rows(use_missing, zero_as_missing)
    text = booster.model_to_string()
    compile_member(text, folder=compiled_dir)
    (forest,) = load_compiled([text], folder=compiled_dir) or pytest.fail("library not found after compiling")
    expected = booster.predict(rows, num_threads=1)
    assert np.array_equal(forest.predict(rows, threads=1), expected)
    assert np.array_equal(forest.predict(rows.astype(np.float64), threads=2), expected)


def test_compiled_libraries_are_cached_by_content_and_missing_ones_mean_the_walker(compiled_dir: Path) -> None:
    from epiaid.repurposing.engine.compiled import compile_member, library_path, load_compiled

    booster, _ = _booster_and_rows(True, False)
    other, _ = _booster_and_rows(False, False)
    text, other_text = booster.model_to_string(), other.model_to_string()
    assert library_path(text, compiled_dir) != library_path(other_text, compiled_dir)
    assert load_compiled([text], folder=compiled_dir) is None  # nothing compiled yet: caller walks

    first = compile_member(text, folder=compiled_dir)
    stamp = first.stat().st_mtime_ns
    assert compile_member(text, folder=compiled_dir) == first and first.stat().st_mtime_ns == stamp  # no rebuild
    assert load_compiled([text, other_text], folder=compiled_dir) is None  # all members or none
    assert [p.name for p in compiled_dir.iterdir()] == [first.name]  # no temporary files left behind


def test_compiled_forest_refuses_a_matrix_of_the_wrong_width(compiled_dir: Path) -> None:
    from epiaid.repurposing.engine.compiled import compile_member, load_compiled

    booster, rows = _booster_and_rows(True, False)
    compile_member(booster.model_to_string(), folder=compiled_dir)
    (forest,) = load_compiled([booster.model_to_string()], folder=compiled_dir) or pytest.fail("not compiled")
    with pytest.raises(ValueError, match="features"):
        forest.predict(rows[:, :2])


def test_zero_as_missing_members_are_not_compiled_but_walked(compiled_dir: Path) -> None:
    from epiaid.repurposing.engine.compiled import compile_member, load_compiled

    booster, _ = _booster_and_rows(True, True)
    with pytest.raises(ValueError, match="zero-as-missing"):
        compile_member(booster.model_to_string(), folder=compiled_dir)
    assert load_compiled([booster.model_to_string()], folder=compiled_dir) is None


def test_branch_hints_change_speed_not_scores_and_are_preferred(compiled_dir: Path) -> None:
    from epiaid.repurposing.engine.compiled import compile_member, load_compiled

    booster, rows = _booster_and_rows(True, False)
    text = booster.model_to_string()
    plain = compile_member(text, folder=compiled_dir)
    hinted = compile_member(text, folder=compiled_dir, annotate_rows=rows[:500])
    assert hinted != plain and "annotated" in hinted.name
    (forest,) = load_compiled([text], folder=compiled_dir) or pytest.fail("not compiled")
    assert forest.library == hinted
    assert np.array_equal(forest.predict(rows, threads=1), booster.predict(rows, num_threads=1))
