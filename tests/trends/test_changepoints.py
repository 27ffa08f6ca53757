"""Change points: what the default configuration finds, ignores and how it labels."""

from __future__ import annotations

import numpy as np
import pytest

from epiaid.trends.engine import changepoints as cp


def _steps(levels: list[float], length: int = 80, sd: float = 1.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(level, sd, length) for level in levels])


def test_level_shifts_are_found_within_a_few_steps_and_labelled_by_direction() -> None:
    found = cp.detect(_steps([0, 5, 1]))
    assert [abs(c.index - t) <= 2 for c, t in zip(found, [80, 160], strict=True)] == [True, True]
    assert [c.kind for c in found] == ["level_up", "level_down"]


def test_pure_noise_has_no_change_points() -> None:
    rng = np.random.default_rng(3)
    for n in (30, 300, 1500):
        assert cp.detect_indices(rng.normal(10, 2, n)) == []


def test_an_autocorrelated_wander_is_not_mistaken_for_many_shifts() -> None:
    rng = np.random.default_rng(5)
    y = np.zeros(600)
    for t in range(1, 600):
        y[t] = 0.8 * y[t - 1] + rng.normal()
    assert len(cp.detect_indices(y)) <= 1


def test_a_brief_spike_is_one_event_labelled_spike() -> None:
    y = _steps([0], length=200, seed=2)
    y[100:102] += 15
    found = cp.detect(y)
    assert [(c.index, c.kind) for c in found] == [(100, "spike")]


@pytest.mark.parametrize("values", [[], [1.0] * 5, [0.0] * 400, [7.0] * 100, [None] * 50])
def test_constant_empty_and_all_missing_series_give_no_change_points(values: list[float | None]) -> None:
    assert cp.detect_indices(values) == []


def test_missing_values_keep_the_original_indices() -> None:
    y: list[float | None] = [float(v) for v in _steps([0, 6], length=100, seed=4)]
    for i in range(90, 98):
        y[i] = None
    assert [abs(i - 100) <= 3 for i in cp.detect_indices(y)] == [True]


def test_scale_and_offset_do_not_change_the_answer() -> None:
    y = _steps([0, 3, -1, 2], length=60, seed=8)
    assert cp.detect_indices(y) == cp.detect_indices(1000 * y + 5)


def test_our_pelt_matches_ruptures_pelt_exactly() -> None:
    z = _steps([0, 2, 0, 3], length=50, seed=9)
    assert cp.pelt_mean(z, 10.0, 2) == cp.ruptures_method("pelt")(z, 10.0, 2)


def test_online_bayesian_detector_finds_a_clear_shift() -> None:
    found = cp.bocpd(_steps([0, 6], length=100, seed=1))
    assert len(found) == 1 and abs(found[0] - 100) <= 3


def test_every_method_can_be_run_for_comparison() -> None:
    result = cp.run_all(_steps([0, 6], length=100, seed=1))
    assert set(result) == {"pelt", "bocpd", "binseg", "window"}
    assert all(any(abs(i - 100) <= 5 for i in idx) for m, idx in result.items() if m != "window")


def test_an_unknown_method_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="unknown method 'magic'"):
        cp.detect(_steps([0, 5]), cp.Settings(methods=("magic",)))
